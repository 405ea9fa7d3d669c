package org.jdiffusion.kernels;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * Numerical gradients for checking backward kernels: the gradient of the scalar loss
 * L(x) = Σ f(x)⊙r by central differences in float64.
 */
public final class FiniteDifferences {
    private FiniteDifferences() {}

    /** Central-difference step; with float64 the truncation and round-off errors are both near 1e-10. */
    public static final double EPS = 1e-6;

    /** ∂/∂x Σ f(x)⊙r at x (float64, any layout), as a contiguous float64 tensor of x's shape. */
    public static Tensor gradient(UnaryOperator<Tensor> f, Tensor x, Tensor r) {
        if (x.dtype() != DType.FLOAT64) throw new IllegalArgumentException("gradient: needs a float64 input, got " + x.describe());
        Tensor xc = x.copy();
        double[] data = ((HostStorage.F64) xc.storage()).data();
        double[] rv = r.toDoubleArray();
        double[] g = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            double keep = data[i];
            data[i] = keep + EPS;
            double up = dot(f.apply(xc), rv);
            data[i] = keep - EPS;
            double down = dot(f.apply(xc), rv);
            data[i] = keep;
            g[i] = (up - down) / (2 * EPS);
        }
        return Tensor.of(g, x.shape());
    }

    private static double dot(Tensor y, double[] r) {
        double[] v = y.toDoubleArray();
        if (v.length != r.length) throw new IllegalArgumentException("gradient: f(x) has " + v.length + " elements, r has " + r.length);
        double s = 0;
        for (int i = 0; i < v.length; i++) s += v[i] * r[i];
        return s;
    }
}
