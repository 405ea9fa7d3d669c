package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Tensor;

final class CpuConv {
    private CpuConv() {}

    static void forward(Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out) { throw new UnsupportedOperationException("cpu conv2d"); }

    static void backwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) { throw new UnsupportedOperationException("cpu conv2dBackwardInput"); }

    static void backwardWeight(Tensor dY, Tensor x, Conv2dParams p, Tensor dW) { throw new UnsupportedOperationException("cpu conv2dBackwardWeight"); }
}
