package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Tensor;

final class CpuNorm {
    private CpuNorm() {}

    static void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("cpu groupNorm");
    }

    static void groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups, Tensor dX, Tensor dGamma, Tensor dBeta) {
        throw new UnsupportedOperationException("cpu groupNormBackward");
    }

    static void layerNorm(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps, Tensor out, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("cpu layerNorm");
    }

    static void layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims, Tensor dX, Tensor dGamma, Tensor dBeta) {
        throw new UnsupportedOperationException("cpu layerNormBackward");
    }
}
