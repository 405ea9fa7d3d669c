package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Index;
import org.jdiffusion.tensor.Tensor;

/**
 * Differentiable lookups by int64 indices. Their rules accumulate (scatter-add / index-add), so an
 * index that appears twice receives the sum of both gradients.
 */
public final class IndexFunctions {
    private IndexFunctions() {}

    /** out[i][j] = x[i][index[i][j]] along dim; dX = scatterAdd(dOut) at the same indices. */
    public static Variable gather(Variable x, int dim, Tensor index) {
        int[] xShape = x.shape();
        return Variable.result(Index.gather(x.data(), dim, index), "gather",
                dOut -> new Tensor[]{Index.scatterAdd(dOut, dim, index, xShape)}, x);
    }

    /** x restricted along dim to the 1-d index entries; dX = indexAdd(dOut). */
    public static Variable indexSelect(Variable x, int dim, Tensor index) {
        int[] xShape = x.shape();
        return Variable.result(Index.indexSelect(x.data(), dim, index), "indexSelect",
                dOut -> new Tensor[]{Index.indexAdd(dOut, dim, index, xShape)}, x);
    }

    /** Rows of weight [num, dim] for ids of any shape → [*ids.shape, dim]; dW adds each row's gradient at its id. */
    public static Variable embedding(Variable weight, Tensor ids) {
        int[] wShape = weight.shape();
        Tensor flat = ids.reshape(-1);
        return Variable.result(Index.embedding(weight.data(), ids), "embedding",
                dOut -> new Tensor[]{Index.indexAdd(dOut.reshape(-1, wShape[1]), 0, flat, wShape)}, weight);
    }
}
