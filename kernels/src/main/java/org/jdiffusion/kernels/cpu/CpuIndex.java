package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Tensor;

final class CpuIndex {
    private CpuIndex() {}

    static void gather(Tensor x, int dim, Tensor index, Tensor out) { throw new UnsupportedOperationException("cpu gather"); }

    static void scatterAdd(Tensor src, int dim, Tensor index, Tensor acc) { throw new UnsupportedOperationException("cpu scatterAdd"); }

    static void indexSelect(Tensor x, int dim, Tensor index, Tensor out) { throw new UnsupportedOperationException("cpu indexSelect"); }

    static void indexAdd(Tensor src, int dim, Tensor index, Tensor acc) { throw new UnsupportedOperationException("cpu indexAdd"); }
}
