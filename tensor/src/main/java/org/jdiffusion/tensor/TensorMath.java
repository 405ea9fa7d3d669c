package org.jdiffusion.tensor;

/** Frontends of the elementwise and reduction ops: checks, output allocation, broadcasting, composites. */
public final class TensorMath {
    private TensorMath() {}

    public static void checkSameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device()))
            throw new IllegalArgumentException(op + ": operands are on different devices: " + a.describe() + " and " + b.describe()
                    + " (expected one device; move one with .to(device))");
    }

    public static void checkSameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(op + ": dtype mismatch: " + a.describe() + " and " + b.describe()
                    + " (expected one dtype; cast with .to(" + DType.promote(a.dtype(), b.dtype()).name() + "), the dtype both promote to)");
    }

    /** float32 or float64: what every op computes on (bfloat16/float16 get {@link #checkNotHalf}'s error). */
    public static void checkFloating(String op, Tensor t) {
        checkNotHalf(op, t);
        if (!t.dtype().isFloating())
            throw new IllegalArgumentException(op + ": needs a floating dtype (float32 or float64), got " + t.describe());
    }

    /** Any floating dtype, the 16-bit storage formats included: the elementwise ops and reductions. */
    static void checkFloatingOrHalf(String op, Tensor t) {
        if (!t.dtype().isFloating())
            throw new IllegalArgumentException(op + ": needs a floating dtype (float32, float64, bfloat16 or float16), got " + t.describe());
    }

    /** Rejects bfloat16/float16 for the ops that compute only in float32/float64. */
    public static void checkNotHalf(String op, Tensor t) {
        if (t.dtype().isHalf())
            throw new IllegalArgumentException(op + ": does not take " + t.dtype() + " (a storage dtype: fill, copy/cast, views, the "
                    + "elementwise ops, where and reductions only), got " + t.describe() + "; cast with .to(DType.FLOAT32) first");
    }

    public static void checkWritable(String op, Tensor t) {
        int[] sh = t.shape(), st = t.strides();
        for (int i = 0; i < sh.length; i++)
            if (st[i] == 0 && sh[i] > 1)
                throw new IllegalArgumentException(op + ": cannot write into a broadcast (expanded) view " + t.describe()
                        + " whose elements share memory; make it contiguous() first");
    }

    static Tensor unary(UnaryOp op, Tensor x) {
        if (op.needsFloating()) checkFloatingOrHalf(op.opName(), x);
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        x.backend().unary(op, x, out);
        return out;
    }

    static Tensor unaryInPlace(UnaryOp op, Tensor x) {
        if (op.needsFloating()) checkFloatingOrHalf(op.opName(), x);
        checkWritable(op.opName(), x);
        x.backend().unary(op, x, x);
        return x;
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.opName();
        checkSameDevice(name, a, b);
        checkSameDtype(name, a, b);
        if (op.needsFloating()) checkFloatingOrHalf(name, a);
        int[] shape = Shapes.broadcast(name, a.shape(), b.shape());
        Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
        a.backend().binary(op, a.expand(shape), b.expand(shape), out);
        return out;
    }

    static Tensor binary(BinaryOp op, Tensor a, double s) {
        return binary(op, a, Tensor.scalar(s, a.dtype(), a.device()));
    }

    static Tensor binaryInPlace(BinaryOp op, Tensor a, Tensor b) {
        String name = op.opName() + "InPlace";
        checkSameDevice(name, a, b);
        checkSameDtype(name, a, b);
        checkWritable(name, a);
        int[] shape = Shapes.broadcast(name, a.shape(), b.shape());
        if (!java.util.Arrays.equals(shape, a.shape()))
            throw new IllegalArgumentException(name + ": operand of shape " + Shapes.str(b.shape()) + " would broadcast the target "
                    + Shapes.str(a.shape()) + " to " + Shapes.str(shape) + " (expected it to broadcast to the target's shape)");
        a.backend().binary(op, a, b.expand(shape), a);
        return a;
    }

    static Tensor copyInto(Tensor dst, Tensor src) {
        checkSameDevice("copyFrom", dst, src);
        checkWritable("copyFrom", dst);
        int[] shape = Shapes.broadcast("copyFrom", dst.shape(), src.shape());
        if (!java.util.Arrays.equals(shape, dst.shape()))
            throw new IllegalArgumentException("copyFrom: source of shape " + Shapes.str(src.shape()) + " does not broadcast to the target "
                    + Shapes.str(dst.shape()));
        Tensor s = src.expand(shape);
        if (s.storage() == dst.storage()) s = s.copy();
        dst.backend().copy(s, dst);
        return dst;
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        checkSameDevice("where", cond, a);
        checkSameDevice("where", a, b);
        checkSameDtype("where", a, b);
        int[] shape;
        try {
            shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), b.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("where: condition " + Shapes.str(cond.shape()) + ", a " + Shapes.str(a.shape()) + " and b "
                    + Shapes.str(b.shape()) + " cannot be broadcast to one shape (" + e.getMessage() + ")", e);
        }
        Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
        a.backend().where(cond.expand(shape), a.expand(shape), b.expand(shape), out);
        return out;
    }

    static Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        int[] shape = x.shape();
        int[] d = Shapes.dims(op.opName(), dims, shape);
        for (int k : d)
            if (shape[k] == 0 && op != ReduceOp.SUM)
                throw new IllegalArgumentException(op.opName() + ": cannot reduce over dim " + k + " of size 0 in shape " + Shapes.str(shape));
        int[] kshape = shape.clone();
        for (int k : d) kshape[k] = 1;
        Tensor out = Tensor.empty(op.isArg() ? DType.INT64 : x.dtype(), x.device(), kshape);
        x.backend().reduce(op, x, d, out);
        return keepdim ? out : squeezeDims(out, d);
    }

    /** Removes the given (sorted) dims, each of size 1. */
    public static Tensor squeezeDims(Tensor t, int[] sortedDims) {
        Tensor r = t;
        for (int i = sortedDims.length - 1; i >= 0; i--) r = r.squeeze(sortedDims[i]);
        return r;
    }

    /** Number of elements reduced over dims. */
    public static int reducedCount(int[] shape, int[] dims) {
        int n = 1;
        for (int k : Shapes.dims("reduce", dims, shape)) n *= shape[k];
        return n;
    }

    static Tensor mean(Tensor x, int[] dims, boolean keepdim) {
        checkFloatingOrHalf("mean", x);
        return x.sum(dims, keepdim).div(reducedCount(x.shape(), dims));
    }

    static Tensor var(Tensor x, int[] dims, int correction, boolean keepdim) {
        checkFloatingOrHalf("var", x);
        int n = reducedCount(x.shape(), dims);
        if (n - correction <= 0)
            throw new IllegalArgumentException("var: " + n + " elements with correction " + correction + " leave no degrees of freedom");
        Tensor centered = x.sub(x.mean(dims, true));
        return centered.square().sum(dims, keepdim).div(n - correction);
    }

    static Tensor logsumexp(Tensor x, int[] dims, boolean keepdim) {
        checkFloatingOrHalf("logsumexp", x);
        Tensor m = x.max(dims, true);
        // rows that are all −∞ keep −∞ instead of NaN: shift by 0 there
        Tensor shift = Tensor.where(m.abs().lt(Double.POSITIVE_INFINITY), m, Tensor.zeros(m.dtype(), m.device(), m.shape()));
        Tensor r = x.sub(shift).exp().sum(dims, true).log().add(shift);
        int[] d = Shapes.dims("logsumexp", dims, x.shape());
        return keepdim ? r : squeezeDims(r, d);
    }
}
