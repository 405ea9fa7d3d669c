package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Tensor;

final class CpuResample {
    private CpuResample() {}

    static void upsampleNearest(Tensor x, int sh, int sw, Tensor out) { throw new UnsupportedOperationException("cpu upsampleNearest"); }

    static void upsampleNearestBackward(Tensor dY, int sh, int sw, Tensor dX) { throw new UnsupportedOperationException("cpu upsampleNearestBackward"); }

    static void avgPool2d(Tensor x, int k, int s, Tensor out) { throw new UnsupportedOperationException("cpu avgPool2d"); }

    static void avgPool2dBackward(Tensor dY, int k, int s, Tensor dX) { throw new UnsupportedOperationException("cpu avgPool2dBackward"); }
}
