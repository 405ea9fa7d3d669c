package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.TensorMath;

/**
 * Differentiable reductions over a set of dims (empty = all), with or without keepdim. Every rule
 * first brings dOut back to the keepdim layout (size 1 at the reduced dims) so it broadcasts
 * against the input.
 */
public final class ReduceFunctions {
    private ReduceFunctions() {}

    private static final int[] ALL = new int[0];

    /** dOut of a reduction, reshaped to the input's rank with size 1 at the (sorted) reduced dims. */
    static Tensor keepdim(Tensor dOut, int[] inShape, int[] sortedDims) {
        int[] k = inShape.clone();
        for (int d : sortedDims) k[d] = 1;
        return dOut.reshape(k);
    }

    public static Variable sum(Variable x) { return sum(x, ALL, false); }

    /** dX = dOut broadcast over the reduced dims. */
    public static Variable sum(Variable x, int[] dims, boolean keepdim) {
        int[] shape = x.shape(), d = Shapes.dims("sum", dims, shape);
        return Variable.result(x.data().sum(dims, keepdim), "sum",
                dOut -> new Tensor[]{keepdim(dOut, shape, d).expand(shape)}, x);
    }

    public static Variable mean(Variable x) { return mean(x, ALL, false); }

    /** dX = dOut / n broadcast over the reduced dims (n elements per output). */
    public static Variable mean(Variable x, int[] dims, boolean keepdim) {
        int[] shape = x.shape(), d = Shapes.dims("mean", dims, shape);
        int n = TensorMath.reducedCount(shape, dims);
        return Variable.result(x.data().mean(dims, keepdim), "mean",
                dOut -> new Tensor[]{keepdim(dOut, shape, d).div(n).expand(shape)}, x);
    }

    /** Gradient to the positions holding the maximum, split evenly among ties. */
    public static Variable max(Variable x, int[] dims, boolean keepdim) { return extremum(x, dims, keepdim, true); }

    /** Gradient to the positions holding the minimum, split evenly among ties. */
    public static Variable min(Variable x, int[] dims, boolean keepdim) { return extremum(x, dims, keepdim, false); }

    private static Variable extremum(Variable x, int[] dims, boolean keepdim, boolean max) {
        String op = max ? "max" : "min";
        Tensor xs = x.data();
        int[] shape = x.shape(), d = Shapes.dims(op, dims, shape);
        Tensor outK = max ? xs.max(dims, true) : xs.min(dims, true);
        Tensor out = keepdim ? outK : TensorMath.squeezeDims(outK, d);
        return Variable.result(out, op, dOut -> {
            Tensor hit = xs.eq(outK);
            Tensor share = keepdim(dOut, shape, d).div(hit.sum(dims, true));
            return new Tensor[]{hit.mul(share)};
        }, x);
    }

    /** Σ(x − μ)²/(n − correction): dX = 2(x − μ)/(n − correction)·dOut. */
    public static Variable var(Variable x, int[] dims, int correction, boolean keepdim) {
        Tensor xs = x.data();
        int[] shape = x.shape(), d = Shapes.dims("var", dims, shape);
        int n = TensorMath.reducedCount(shape, dims);
        return Variable.result(xs.var(dims, correction, keepdim), "var", dOut -> {
            Tensor centered = xs.sub(xs.mean(dims, true));
            return new Tensor[]{centered.mul(keepdim(dOut, shape, d)).mul(2.0 / (n - correction))};
        }, x);
    }

    /** √var, a composite of {@link #var} and sqrt. */
    public static Variable std(Variable x, int[] dims, int correction, boolean keepdim) {
        return PointwiseFunctions.sqrt(var(x, dims, correction, keepdim));
    }

    /** log Σ exp x: dX = exp(x − out)·dOut (the softmax over the reduced dims). */
    public static Variable logsumexp(Variable x, int[] dims, boolean keepdim) {
        Tensor xs = x.data();
        int[] shape = x.shape(), d = Shapes.dims("logsumexp", dims, shape);
        Tensor outK = xs.logsumexp(dims, true);
        Tensor out = keepdim ? outK : TensorMath.squeezeDims(outK, d);
        return Variable.result(out, "logsumexp",
                dOut -> new Tensor[]{xs.sub(outK).exp().mul(keepdim(dOut, shape, d))}, x);
    }
}
