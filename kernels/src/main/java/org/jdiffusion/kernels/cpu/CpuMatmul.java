package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Tensor;

final class CpuMatmul {
    private CpuMatmul() {}

    static void matmul(Tensor a, Tensor b, Tensor out) { throw new UnsupportedOperationException("cpu matmul: not implemented"); }
}
