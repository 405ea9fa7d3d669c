package org.jdiffusion.diffusion.toy;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * The exact flow-matching velocity of Gaussian-mixture data: for x_t = (1 − t)·x_0 + t·ε,
 * v(x, t) = E[ε − x_0 | x_t = x] = (x − E[x_0 | x_t = x])/t, with E[x_0 | x_t] in closed form
 * ({@link GaussianMixture#posteriorMean} at a = 1 − t, s = t); at t = 0, v = E[ε] − x = −x. It is the
 * network a perfectly trained flow model would be: time input float t [B] in [0, 1], labels ignored.
 */
public final class MixtureVelocity implements Denoiser {
    private final GaussianMixture data;

    public MixtureVelocity(GaussianMixture data) { this.data = data; }

    public GaussianMixture data() { return data; }

    /** v at rows of x [n·D] (row-major) and one time t. */
    public double[] velocity(double[] x, double t) {
        double[] v = new double[x.length];
        if (t == 0) {
            for (int i = 0; i < x.length; i++) v[i] = -x[i];
            return v;
        }
        double[] x0 = data.posteriorMean(x, 1 - t, t);
        for (int i = 0; i < x.length; i++) v[i] = (x[i] - x0[i]) / t;
        return v;
    }

    @Override
    public Tensor predict(Tensor xt, Tensor t, Tensor y) {
        int b = xt.size(0), d = data.dim();
        if (xt.dim() != 2 || xt.size(1) != d || t.dim() != 1 || t.size(0) != b)
            throw new IllegalArgumentException("MixtureVelocity: x " + xt.describe() + " and t " + t.describe() + " (expected [B, " + d + "] and [B])");
        double[] x = xt.toDoubleArray(), ts = t.toDoubleArray(), out = new double[x.length];
        for (int i = 0; i < b; i++) {
            if (!(ts[i] >= 0 && ts[i] <= 1)) throw new IllegalArgumentException("MixtureVelocity: t = " + ts[i] + " is outside [0, 1]");
            double[] v = velocity(java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d), ts[i]);
            System.arraycopy(v, 0, out, i * d, d);
        }
        HostStorage h = HostStorage.allocate(xt.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32, out.length);
        for (int i = 0; i < out.length; i++) h.set(i, out[i]);
        return Tensor.fromHost(h, xt.shape(), xt.device()).to(xt.dtype());
    }
}
