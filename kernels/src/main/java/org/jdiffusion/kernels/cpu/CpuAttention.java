package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Tensor;

final class CpuAttention {
    private CpuAttention() {}

    static void forward(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse) {
        throw new UnsupportedOperationException("cpu attention");
    }

    static void backward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV) {
        throw new UnsupportedOperationException("cpu attentionBackward");
    }
}
