package org.jdiffusion.tensor;

/** Frontends of gather, index_select, embedding lookup and their accumulating inverses. */
public final class Index {
    private Index() {}

    private static void checkIndex(String op, Tensor x, Tensor index) {
        TensorMath.checkSameDevice(op, x, index);
        TensorMath.checkNotHalf(op, x);
        if (index.dtype() != DType.INT64)
            throw new IllegalArgumentException(op + ": index must be int64, got " + index.describe());
    }

    /** out[i][j] = x[i][index[i][j]] (dim 1; likewise for any dim); index has x's rank, out index's shape. */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        checkIndex("gather", x, index);
        int d = Shapes.dim("gather", dim, x.shape());
        checkGatherShape("gather", x.shape(), d, index);
        Tensor out = Tensor.empty(x.dtype(), x.device(), index.shape());
        x.backend().gather(x, d, index, out);
        return out;
    }

    /** A zero tensor of {@code shape} with src added at index along dim (the backward of gather). */
    public static Tensor scatterAdd(Tensor src, int dim, Tensor index, int[] shape) {
        checkIndex("scatterAdd", src, index);
        int d = Shapes.dim("scatterAdd", dim, shape);
        checkGatherShape("scatterAdd", shape, d, index);
        if (!java.util.Arrays.equals(src.shape(), index.shape()))
            throw new IllegalArgumentException("scatterAdd: src " + src.describe() + " and index " + index.describe() + " must have one shape");
        Tensor acc = Tensor.zeros(src.dtype(), src.device(), shape);
        src.backend().scatterAdd(src, d, index, acc);
        return acc;
    }

    private static void checkGatherShape(String op, int[] xs, int d, Tensor index) {
        int[] is = index.shape();
        boolean ok = is.length == xs.length;
        for (int i = 0; ok && i < is.length; i++) if (i != d && is[i] > xs[i]) ok = false;
        if (!ok)
            throw new IllegalArgumentException(op + ": index " + index.describe() + " does not fit input shape " + Shapes.str(xs)
                    + " along dim " + d + " (expected the same rank and sizes no larger outside dim)");
    }

    /** x with dim restricted to the entries of the 1-D int64 index, in order. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex("indexSelect", x, index);
        if (index.dim() != 1) throw new IllegalArgumentException("indexSelect: index must be 1-d, got " + index.describe());
        if (x.dim() == 0) throw new IllegalArgumentException("indexSelect: input must be at least 1-d, got " + x.describe());
        int d = Shapes.dim("indexSelect", dim, x.shape());
        int[] sh = x.shape();
        sh[d] = index.size(0);
        Tensor out = Tensor.empty(x.dtype(), x.device(), sh);
        x.backend().indexSelect(x, d, index, out);
        return out;
    }

    /** A zero tensor of {@code shape} with src's slices added at the indices along dim (the backward of indexSelect). */
    public static Tensor indexAdd(Tensor src, int dim, Tensor index, int[] shape) {
        checkIndex("indexAdd", src, index);
        if (index.dim() != 1) throw new IllegalArgumentException("indexAdd: index must be 1-d, got " + index.describe());
        if (shape.length == 0) throw new IllegalArgumentException("indexAdd: target shape must be at least 1-d, got " + Shapes.str(shape));
        int d = Shapes.dim("indexAdd", dim, shape);
        int[] expected = shape.clone();
        expected[d] = index.size(0);
        if (!java.util.Arrays.equals(src.shape(), expected))
            throw new IllegalArgumentException("indexAdd: src " + src.describe() + " does not fit index " + index.describe() + " into shape "
                    + Shapes.str(shape) + " along dim " + d + " (expected src shape " + Shapes.str(expected) + ")");
        Tensor acc = Tensor.zeros(src.dtype(), src.device(), shape);
        src.backend().indexAdd(src, d, index, acc);
        return acc;
    }

    /** Rows of weight [num, dim] for int64 ids of any shape → [*ids.shape, dim]. */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        if (weight.dim() != 2) throw new IllegalArgumentException("embedding: weight must be [num, dim], got " + weight.describe());
        checkIndex("embedding", weight, ids);
        int[] sh = java.util.Arrays.copyOf(ids.shape(), ids.dim() + 1);
        sh[ids.dim()] = weight.size(1);
        return indexSelect(weight, 0, ids.reshape(-1)).view(sh);
    }
}
