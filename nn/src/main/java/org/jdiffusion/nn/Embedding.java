package org.jdiffusion.nn;

import org.jdiffusion.autograd.IndexFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

/** A lookup table: weight [num, dim] ~ N(0, 1); int64 ids of any shape → [*ids, dim]. */
public final class Embedding extends Module {
    private final int num, dim;

    public Embedding(int num, int dim, Generator g) {
        if (num < 1 || dim < 1) throw new IllegalArgumentException("Embedding: sizes must be >= 1, got num=" + num + ", dim=" + dim);
        this.num = num;
        this.dim = dim;
        registerParameter("weight", Init.normal(g, num, dim));
    }

    public int num() { return num; }

    public int dim() { return dim; }

    public Variable forward(Tensor ids) {
        if (ids.dtype() != DType.INT64)
            throw new IllegalArgumentException("Embedding(" + num + ", " + dim + "): ids must be int64, got " + ids.describe());
        if (ids.numel() > 0 && ids.device().isCpu()) {   // on a GPU the index kernel checks the ids without a synchronisation
            double lo = ids.min().item(), hi = ids.max().item();
            if (lo < 0 || hi >= num)
                throw new IllegalArgumentException("Embedding(" + num + ", " + dim + "): ids must lie in [0, " + num + "), got values in ["
                        + (long) lo + ", " + (long) hi + "]");
        }
        return IndexFunctions.embedding(param("weight"), ids);
    }
}
