package org.jdiffusion.tensor;

import java.util.Arrays;

/**
 * An n-d array: a view (shape, strides, offset) into a {@link Storage} of one dtype on one device.
 * Views share storage and never copy; {@link #contiguous()} copies only when the layout needs it.
 * Ops check their operands and dispatch to the device's {@link Backend}; their results are new
 * tensors except for the {@code *InPlace} forms. Tensors carry no gradient: autograd's
 * {@code Variable} wraps them.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("shape " + Shapes.str(shape) + " and strides " + Shapes.str(strides) + " differ in rank");
        this.storage = storage;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
    }

    // ---- metadata -----------------------------------------------------------------------------

    public int[] shape() { return shape.clone(); }

    public int[] strides() { return strides.clone(); }

    public int offset() { return offset; }

    public int size(int dim) { return shape[Shapes.dim("size", dim, shape)]; }

    public int stride(int dim) { return strides[Shapes.dim("stride", dim, shape)]; }

    public int dim() { return shape.length; }

    public int numel() { return Shapes.numel(shape); }

    public DType dtype() { return storage.dtype(); }

    public Device device() { return storage.device(); }

    public Storage storage() { return storage; }

    public Backend backend() { return Backends.of(storage.device()); }

    public boolean isContiguous() {
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != s) return false;
            s *= shape[i];
        }
        return true;
    }

    /** Contiguous and starting at offset 0 with exactly numel elements of storage behind it. */
    public boolean isDense() { return isContiguous() && offset == 0 && storage.length() == numel(); }

    // ---- creation -----------------------------------------------------------------------------

    /** A zero-filled tensor. */
    public static Tensor zeros(DType dtype, Device device, int... shape) {
        Shapes.checkShape("zeros", shape);
        Storage s = Backends.of(device).allocate(dtype, Shapes.numel(shape));
        MemoryScope.track(s);
        return new Tensor(s, shape, Shapes.contiguousStrides(shape), 0);
    }

    /**
     * A tensor whose values are unspecified, for an output that an op writes in full (poison under
     * {@link MemoryScope#poisoning()}, so an element left unwritten shows).
     */
    public static Tensor empty(DType dtype, Device device, int... shape) {
        Shapes.checkShape("empty", shape);
        Backend b = Backends.of(device);
        Storage s = b.allocateUninitialized(dtype, Shapes.numel(shape));
        MemoryScope.track(s);
        Tensor t = new Tensor(s, shape, Shapes.contiguousStrides(shape), 0);
        if (MemoryScope.poisoning() && s.length() > 0) b.fill(t, MemoryScope.poisonValue(dtype));
        return t;
    }

    public static Tensor zeros(int... shape) { return zeros(DType.FLOAT32, Device.CPU, shape); }

    public static Tensor full(double value, DType dtype, Device device, int... shape) {
        Tensor t = zeros(dtype, device, shape);
        if (value != 0) t.backend().fill(t, value);
        return t;
    }

    public static Tensor ones(DType dtype, Device device, int... shape) { return full(1, dtype, device, shape); }

    public static Tensor ones(int... shape) { return ones(DType.FLOAT32, Device.CPU, shape); }

    /** A 0-d tensor. */
    public static Tensor scalar(double value, DType dtype, Device device) { return full(value, dtype, device); }

    public static Tensor scalar(double value) { return scalar(value, DType.FLOAT32, Device.CPU); }

    /** [start, start + step, ...) below end (above end for a negative step). */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        if (step == 0 || Double.isNaN(start + end + step))
            throw new IllegalArgumentException("arange: step must be non-zero and bounds finite, got (" + start + ", " + end + ", " + step + ")");
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        HostStorage h = HostStorage.allocate(dtype, n);
        for (int i = 0; i < n; i++) h.set(i, start + i * step);
        return fromHost(h, new int[]{n}, device);
    }

    public static Tensor arange(int end) { return arange(0, end, 1, DType.INT64, Device.CPU); }

    /** {@code steps} evenly spaced values from start to end inclusive. */
    public static Tensor linspace(double start, double end, int steps, DType dtype, Device device) {
        if (steps < 1) throw new IllegalArgumentException("linspace: steps must be >= 1, got " + steps);
        HostStorage h = HostStorage.allocate(dtype, steps);
        for (int i = 0; i < steps; i++) h.set(i, steps == 1 ? start : start + (end - start) * i / (steps - 1));
        return fromHost(h, new int[]{steps}, device);
    }

    public static Tensor eye(int n, DType dtype, Device device) {
        HostStorage h = HostStorage.allocate(dtype, n * n);
        for (int i = 0; i < n; i++) h.set(i * n + i, 1);
        return fromHost(h, new int[]{n, n}, device);
    }

    public static Tensor of(float[] data, int... shape) { return fromHost(new HostStorage.F32(data.clone()), shape, Device.CPU); }

    public static Tensor of(double[] data, int... shape) { return fromHost(new HostStorage.F64(data.clone()), shape, Device.CPU); }

    /** The values rounded to {@code dtype} (to nearest even for bfloat16/float16, see {@link HalfFloats}). */
    public static Tensor of(float[] data, DType dtype, int... shape) { return of(data, shape).to(dtype); }

    public static Tensor ofLongs(long[] data, int... shape) { return fromHost(new HostStorage.I64(data.clone()), shape, Device.CPU); }

    /** Wraps host storage (not copied on the CPU) as a contiguous tensor on {@code device}. */
    public static Tensor fromHost(HostStorage host, int[] shape, Device device) {
        Shapes.checkShape("fromHost", shape);
        if (Shapes.numel(shape) != host.length())
            throw new IllegalArgumentException("fromHost: " + host.length() + " values cannot fill shape " + Shapes.str(shape)
                    + " (" + Shapes.numel(shape) + " elements expected)");
        Storage s = Backends.of(device).fromHost(host);
        if (s != host) MemoryScope.track(s);   // a device copy; host storage wrapped as is stays the caller's
        return new Tensor(s, shape, Shapes.contiguousStrides(shape), 0);
    }

    // ---- leaving the device -------------------------------------------------------------------

    /** The elements in row-major order, in host memory (copied; a synchronisation point). */
    public HostStorage toHost() {
        Tensor c = dense();
        HostStorage h = c.backend().toHost(c.storage);
        return c.storage == storage && storage instanceof HostStorage ? copyOf(h) : h;
    }

    private static HostStorage copyOf(HostStorage h) {
        return switch (h) {
            case HostStorage.F32 f -> new HostStorage.F32(f.data().clone());
            case HostStorage.F64 d -> new HostStorage.F64(d.data().clone());
            case HostStorage.I64 l -> new HostStorage.I64(l.data().clone());
            case HostStorage.BF16 b -> new HostStorage.BF16(b.data().clone());
            case HostStorage.F16 b -> new HostStorage.F16(b.data().clone());
        };
    }

    public float[] toFloatArray() { return ((HostStorage.F32) to(DType.FLOAT32).toHost()).data(); }

    public double[] toDoubleArray() { return ((HostStorage.F64) to(DType.FLOAT64).toHost()).data(); }

    public long[] toLongArray() { return ((HostStorage.I64) to(DType.INT64).toHost()).data(); }

    /** The single element of a one-element tensor. */
    public double item() {
        if (numel() != 1)
            throw new IllegalArgumentException("item: needs a tensor with one element, got shape " + Shapes.str(shape));
        return toHost().get(0);
    }

    // ---- conversion ---------------------------------------------------------------------------

    /** This tensor on another device (itself when already there). */
    public Tensor to(Device device) {
        if (device.equals(device())) return this;
        HostStorage h = toHost();
        return fromHost(h, shape, device);
    }

    /** This tensor cast to another dtype (itself when already of it). */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) return this;
        Tensor out = empty(dtype, device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** A contiguous tensor with these values: this one if already contiguous, else a copy. */
    public Tensor contiguous() { return isContiguous() ? this : copy(); }

    /** Contiguous at offset 0 with exactly numel storage elements. */
    Tensor dense() { return isDense() ? this : copy(); }

    /** A fresh contiguous copy. */
    public Tensor copy() {
        Tensor out = empty(dtype(), device(), shape);
        backend().copy(this, out);
        return out;
    }

    // ---- views --------------------------------------------------------------------------------

    /** The same elements in a new shape (one entry may be -1); fails when the strides do not allow a view. */
    public Tensor view(int... newShape) {
        int[] ns = inferShape("view", newShape);
        int[] st = Views.viewStrides(shape, strides, ns);
        if (st == null)
            throw new IllegalArgumentException("view: shape " + Shapes.str(shape) + " with strides " + Shapes.str(strides)
                    + " cannot be viewed as " + Shapes.str(ns) + " without a copy; use reshape()");
        return new Tensor(storage, ns, st, offset);
    }

    /** Like {@link #view} but copies when the layout requires it. */
    public Tensor reshape(int... newShape) {
        int[] ns = inferShape("reshape", newShape);
        int[] st = Views.viewStrides(shape, strides, ns);
        return st != null ? new Tensor(storage, ns, st, offset) : copy().view(ns);
    }

    private int[] inferShape(String op, int[] ns) {
        ns = ns.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < ns.length; i++) {
            if (ns[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one -1 allowed in " + Shapes.str(ns));
                infer = i;
            } else if (ns[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + ns[i] + " in " + Shapes.str(ns));
            } else {
                known *= ns[i];
            }
        }
        if (infer >= 0 && known != 0 && numel() % known == 0) ns[infer] = (int) (numel() / known);
        // an unresolved -1 (beside a size 0, or not dividing) is an error too
        if ((infer >= 0 && ns[infer] == -1) || Shapes.numel(ns) != numel())
            throw new IllegalArgumentException(op + ": shape " + Shapes.str(shape) + " (" + numel() + " elements) cannot become "
                    + Shapes.str(ns));
        return ns;
    }

    public Tensor permute(int... dims) { return Views.permute(this, dims); }

    public Tensor transpose(int d0, int d1) { return Views.transpose(this, d0, d1); }

    /** Elements start..start+length−1 along dim. */
    public Tensor narrow(int dim, int start, int length) { return Views.slice(this, dim, start, start + length, 1, "narrow"); }

    /** Elements start, start+step, ... below end along dim (negative start/end count from the end). */
    public Tensor slice(int dim, int start, int end, int step) { return Views.slice(this, dim, start, end, step, "slice"); }

    /** Index {@code index} of dim, removing that dim. */
    public Tensor select(int dim, int index) { return Views.select(this, dim, index); }

    /** Broadcasts size-1 dims (and new leading dims) to {@code newShape} with stride 0; -1 keeps a size. */
    public Tensor expand(int... newShape) { return Views.expand(this, newShape); }

    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }

    /** Removes dim, which must have size 1. */
    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }

    /** Removes every size-1 dim. */
    public Tensor squeeze() { return Views.squeezeAll(this); }

    /** Merges dims start..end (inclusive) into one; a view when possible, else a copy. */
    public Tensor flatten(int start, int end) { return Views.flatten(this, start, end); }

    Tensor withView(int[] newShape, int[] newStrides, int newOffset) { return new Tensor(storage, newShape, newStrides, newOffset); }

    // ---- elementwise (TensorMath holds the frontends) ------------------------------------------

    public Tensor add(Tensor o) { return TensorMath.binary(BinaryOp.ADD, this, o); }
    public Tensor sub(Tensor o) { return TensorMath.binary(BinaryOp.SUB, this, o); }
    public Tensor mul(Tensor o) { return TensorMath.binary(BinaryOp.MUL, this, o); }
    public Tensor div(Tensor o) { return TensorMath.binary(BinaryOp.DIV, this, o); }
    public Tensor pow(Tensor o) { return TensorMath.binary(BinaryOp.POW, this, o); }
    public Tensor maximum(Tensor o) { return TensorMath.binary(BinaryOp.MAXIMUM, this, o); }
    public Tensor minimum(Tensor o) { return TensorMath.binary(BinaryOp.MINIMUM, this, o); }
    public Tensor eq(Tensor o) { return TensorMath.binary(BinaryOp.EQ, this, o); }
    public Tensor ne(Tensor o) { return TensorMath.binary(BinaryOp.NE, this, o); }
    public Tensor lt(Tensor o) { return TensorMath.binary(BinaryOp.LT, this, o); }
    public Tensor le(Tensor o) { return TensorMath.binary(BinaryOp.LE, this, o); }
    public Tensor gt(Tensor o) { return TensorMath.binary(BinaryOp.GT, this, o); }
    public Tensor ge(Tensor o) { return TensorMath.binary(BinaryOp.GE, this, o); }

    public Tensor add(double s) { return TensorMath.binary(BinaryOp.ADD, this, s); }
    public Tensor sub(double s) { return TensorMath.binary(BinaryOp.SUB, this, s); }
    public Tensor mul(double s) { return TensorMath.binary(BinaryOp.MUL, this, s); }
    public Tensor div(double s) { return TensorMath.binary(BinaryOp.DIV, this, s); }
    public Tensor pow(double s) { return TensorMath.binary(BinaryOp.POW, this, s); }
    public Tensor maximum(double s) { return TensorMath.binary(BinaryOp.MAXIMUM, this, s); }
    public Tensor minimum(double s) { return TensorMath.binary(BinaryOp.MINIMUM, this, s); }
    public Tensor lt(double s) { return TensorMath.binary(BinaryOp.LT, this, s); }
    public Tensor gt(double s) { return TensorMath.binary(BinaryOp.GT, this, s); }
    public Tensor ge(double s) { return TensorMath.binary(BinaryOp.GE, this, s); }
    public Tensor eq(double s) { return TensorMath.binary(BinaryOp.EQ, this, s); }

    public Tensor neg() { return TensorMath.unary(UnaryOp.NEG, this); }
    public Tensor abs() { return TensorMath.unary(UnaryOp.ABS, this); }
    public Tensor exp() { return TensorMath.unary(UnaryOp.EXP, this); }
    public Tensor log() { return TensorMath.unary(UnaryOp.LOG, this); }
    public Tensor sqrt() { return TensorMath.unary(UnaryOp.SQRT, this); }
    public Tensor rsqrt() { return TensorMath.unary(UnaryOp.RSQRT, this); }
    public Tensor square() { return TensorMath.unary(UnaryOp.SQUARE, this); }
    public Tensor tanh() { return TensorMath.unary(UnaryOp.TANH, this); }
    public Tensor sigmoid() { return TensorMath.unary(UnaryOp.SIGMOID, this); }
    public Tensor relu() { return TensorMath.unary(UnaryOp.RELU, this); }
    public Tensor silu() { return TensorMath.unary(UnaryOp.SILU, this); }
    public Tensor gelu() { return TensorMath.unary(UnaryOp.GELU, this); }
    public Tensor geluTanh() { return TensorMath.unary(UnaryOp.GELU_TANH, this); }
    public Tensor sin() { return TensorMath.unary(UnaryOp.SIN, this); }
    public Tensor cos() { return TensorMath.unary(UnaryOp.COS, this); }
    public Tensor floor() { return TensorMath.unary(UnaryOp.FLOOR, this); }
    public Tensor sign() { return TensorMath.unary(UnaryOp.SIGN, this); }

    /** op applied to every element: the frontend of every {@link UnaryOp}, named method or not. */
    public Tensor apply(UnaryOp op) { return TensorMath.unary(op, this); }

    /** min(max(x, lo), hi). */
    public Tensor clamp(double lo, double hi) { return maximum(lo).minimum(hi); }

    /** cond != 0 ? a : b, broadcast to one shape. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return TensorMath.where(cond, a, b); }

    // in place: this ← this op o (o broadcast to this shape); return this
    public Tensor addInPlace(Tensor o) { return TensorMath.binaryInPlace(BinaryOp.ADD, this, o); }
    public Tensor subInPlace(Tensor o) { return TensorMath.binaryInPlace(BinaryOp.SUB, this, o); }
    public Tensor mulInPlace(Tensor o) { return TensorMath.binaryInPlace(BinaryOp.MUL, this, o); }
    public Tensor divInPlace(Tensor o) { return TensorMath.binaryInPlace(BinaryOp.DIV, this, o); }
    public Tensor addInPlace(double s) { return addInPlace(scalar(s, dtype(), device())); }
    public Tensor mulInPlace(double s) { return mulInPlace(scalar(s, dtype(), device())); }
    public Tensor unaryInPlace(UnaryOp op) { return TensorMath.unaryInPlace(op, this); }

    /** this ← value. */
    public Tensor fillInPlace(double value) { TensorMath.checkWritable("fill", this); backend().fill(this, value); return this; }

    /** this ← src (broadcast and cast to this tensor's shape and dtype). */
    public Tensor copyFrom(Tensor src) { return TensorMath.copyInto(this, src); }

    // ---- reductions ---------------------------------------------------------------------------

    public Tensor sum(int[] dims, boolean keepdim) { return TensorMath.reduce(ReduceOp.SUM, this, dims, keepdim); }
    public Tensor sum() { return sum(new int[0], false); }
    public Tensor max(int[] dims, boolean keepdim) { return TensorMath.reduce(ReduceOp.MAX, this, dims, keepdim); }
    public Tensor max() { return max(new int[0], false); }
    public Tensor min(int[] dims, boolean keepdim) { return TensorMath.reduce(ReduceOp.MIN, this, dims, keepdim); }
    public Tensor min() { return min(new int[0], false); }
    public Tensor argmax(int dim, boolean keepdim) { return TensorMath.reduce(ReduceOp.ARGMAX, this, new int[]{dim}, keepdim); }
    public Tensor argmin(int dim, boolean keepdim) { return TensorMath.reduce(ReduceOp.ARGMIN, this, new int[]{dim}, keepdim); }
    public Tensor mean(int[] dims, boolean keepdim) { return TensorMath.mean(this, dims, keepdim); }
    public Tensor mean() { return mean(new int[0], false); }
    /** Σ(x − mean)² / (n − correction) over dims. */
    public Tensor var(int[] dims, int correction, boolean keepdim) { return TensorMath.var(this, dims, correction, keepdim); }
    public Tensor std(int[] dims, int correction, boolean keepdim) { return var(dims, correction, keepdim).sqrt(); }
    /** log Σ exp(x) over dims, computed stably around the max. */
    public Tensor logsumexp(int[] dims, boolean keepdim) { return TensorMath.logsumexp(this, dims, keepdim); }

    public Tensor matmul(Tensor o) { return Linalg.matmul(this, o); }

    // ---- printing -----------------------------------------------------------------------------

    @Override public String toString() { return TensorFormat.format(this); }

    /** Shape, dtype and device only. */
    public String describe() { return "Tensor" + Arrays.toString(shape) + " " + dtype() + " " + device(); }
}
