package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Differentiable views, reshapes, casts and joins. A view's rule is the inverse view of dOut (or,
 * for views that drop elements, dOut written into a zero tensor of the input's shape); no rule
 * saves a tensor, only shapes and indices.
 */
public final class ShapeFunctions {
    private ShapeFunctions() {}

    private static Tensor zeros(Tensor like, int[] shape) { return Tensor.zeros(like.dtype(), like.device(), shape); }

    /** A copy when the layout needs it; dX = dOut reshaped back. */
    public static Variable reshape(Variable x, int... shape) {
        int[] in = x.shape();
        return Variable.result(x.data().reshape(shape), "reshape", dOut -> new Tensor[]{dOut.reshape(in)}, x);
    }

    /** A view without copying (fails when the strides do not allow one). */
    public static Variable view(Variable x, int... shape) {
        int[] in = x.shape();
        return Variable.result(x.data().view(shape), "view", dOut -> new Tensor[]{dOut.reshape(in)}, x);
    }

    /** dX = dOut permuted by the inverse permutation. */
    public static Variable permute(Variable x, int... dims) {
        Tensor out = x.data().permute(dims);
        int[] inv = new int[dims.length];
        for (int i = 0; i < dims.length; i++) inv[Shapes.dim("permute", dims[i], x.shape())] = i;
        return Variable.result(out, "permute", dOut -> new Tensor[]{dOut.permute(inv)}, x);
    }

    public static Variable transpose(Variable x, int d0, int d1) {
        return Variable.result(x.data().transpose(d0, d1), "transpose", dOut -> new Tensor[]{dOut.transpose(d0, d1)}, x);
    }

    /** Elements start..start+length−1 along dim; dX is dOut placed there in zeros. */
    public static Variable narrow(Variable x, int dim, int start, int length) {
        int[] in = x.shape();
        return Variable.result(x.data().narrow(dim, start, length), "narrow", dOut -> {
            Tensor dX = zeros(dOut, in);
            dX.narrow(dim, start, length).copyFrom(dOut);
            return new Tensor[]{dX};
        }, x);
    }

    /** Elements start, start+step, ... below end along dim. */
    public static Variable slice(Variable x, int dim, int start, int end, int step) {
        int[] in = x.shape();
        return Variable.result(x.data().slice(dim, start, end, step), "slice", dOut -> {
            Tensor dX = zeros(dOut, in);
            dX.slice(dim, start, end, step).copyFrom(dOut);
            return new Tensor[]{dX};
        }, x);
    }

    /** Index {@code index} of dim, dropping the dim. */
    public static Variable select(Variable x, int dim, int index) {
        int[] in = x.shape();
        return Variable.result(x.data().select(dim, index), "select", dOut -> {
            Tensor dX = zeros(dOut, in);
            dX.select(dim, index).copyFrom(dOut);
            return new Tensor[]{dX};
        }, x);
    }

    /** Broadcast view; dX sums dOut over the broadcast dims. */
    public static Variable expand(Variable x, int... shape) {
        int[] in = x.shape();
        return Variable.result(x.data().expand(shape), "expand", dOut -> new Tensor[]{PointwiseFunctions.unbroadcast(dOut, in)}, x);
    }

    public static Variable unsqueeze(Variable x, int dim) {
        int[] in = x.shape();
        return Variable.result(x.data().unsqueeze(dim), "unsqueeze", dOut -> new Tensor[]{dOut.reshape(in)}, x);
    }

    /** Removes dim, which must have size 1. */
    public static Variable squeeze(Variable x, int dim) {
        int[] in = x.shape();
        return Variable.result(x.data().squeeze(dim), "squeeze", dOut -> new Tensor[]{dOut.reshape(in)}, x);
    }

    /** Merges dims start..end (inclusive). */
    public static Variable flatten(Variable x, int start, int end) {
        int[] in = x.shape();
        return Variable.result(x.data().flatten(start, end), "flatten", dOut -> new Tensor[]{dOut.reshape(in)}, x);
    }

    public static Variable contiguous(Variable x) {
        return Variable.result(x.data().contiguous(), "contiguous", dOut -> new Tensor[]{dOut}, x);
    }

    /** A cast; the gradient is cast back. Casting to a non-floating dtype ends the graph. */
    public static Variable cast(Variable x, DType dtype) {
        Tensor out = x.data().to(dtype);
        if (!dtype.isFloating()) return Variable.constant(out);
        DType in = x.dtype();
        return Variable.result(out, "cast", dOut -> new Tensor[]{dOut.to(in)}, x);
    }

    /** Joins along dim; each input's gradient is its slab of dOut. */
    public static Variable cat(List<Variable> xs, int dim) {
        List<Tensor> ts = new ArrayList<>(xs.size());
        for (Variable v : xs) ts.add(v.data());
        Tensor out = Join.cat(ts, dim);
        int d = Shapes.dim("cat", dim, out.shape());
        int[] sizes = new int[xs.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = ts.get(i).size(d);
        return Variable.result(out, "cat", dOut -> {
            Tensor[] g = new Tensor[sizes.length];
            for (int i = 0, off = 0; i < sizes.length; off += sizes[i], i++) g[i] = dOut.narrow(d, off, sizes[i]);
            return g;
        }, xs.toArray(new Variable[0]));
    }

    /** Stacks equal shapes along a new dim; each input's gradient is its index of dOut. */
    public static Variable stack(List<Variable> xs, int dim) {
        List<Tensor> ts = new ArrayList<>(xs.size());
        for (Variable v : xs) ts.add(v.data());
        Tensor out = Join.stack(ts, dim);
        int d = dim < 0 ? dim + out.dim() : dim;
        return Variable.result(out, "stack", dOut -> {
            Tensor[] g = new Tensor[xs.size()];
            for (int i = 0; i < g.length; i++) g[i] = dOut.select(d, i);
            return g;
        }, xs.toArray(new Variable[0]));
    }

    /** Consecutive pieces of {@code size} along dim (the last may be shorter), each a {@link #narrow}. */
    public static List<Variable> split(Variable x, int size, int dim) {
        if (size < 1) throw new IllegalArgumentException("split: size must be >= 1, got " + size);
        int d = Shapes.dim("split", dim, x.shape()), n = x.size(d);
        List<Variable> r = new ArrayList<>();
        for (int s = 0; s < n; s += size) r.add(narrow(x, d, s, Math.min(size, n - s)));
        return r;
    }

    /** {@code chunks} pieces of near-equal size along dim. */
    public static List<Variable> chunk(Variable x, int chunks, int dim) {
        if (chunks < 1) throw new IllegalArgumentException("chunk: chunks must be >= 1, got " + chunks);
        int n = x.size(dim);
        return split(x, Math.max(1, (n + chunks - 1) / chunks), dim);
    }

    /** Constant padding with (before, after) pairs from the last dim; dX is the interior of dOut. */
    public static Variable pad(Variable x, int[] pads, double value) {
        Tensor out = Join.pad(x.data(), pads, value);
        int[] in = x.shape();
        int[] p = pads.clone();
        return Variable.result(out, "pad", dOut -> {
            Tensor inner = dOut;
            for (int i = 0; i < p.length / 2; i++) {
                int d = in.length - 1 - i;
                inner = inner.narrow(d, p[2 * i], in[d]);
            }
            return new Tensor[]{inner};
        }, x);
    }
}
