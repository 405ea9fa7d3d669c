package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Tensor;

final class CpuSoftmax {
    private CpuSoftmax() {}

    static void forward(Tensor x, int dim, boolean log, Tensor out) { throw new UnsupportedOperationException("cpu softmax"); }

    static void backward(Tensor dY, Tensor y, int dim, boolean log, Tensor dX) { throw new UnsupportedOperationException("cpu softmaxBackward"); }
}
