package org.jdiffusion.diffusion.toy;

import org.jdiffusion.diffusion.continuous.VeDenoiser;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * The exact f(x_t, t) = E[x_{t−Δt} | x_t] of the variance-exploding process for Gaussian-mixture data:
 * given x_0 the path is a Brownian bridge, E[x_s | x_t, x_0] = x_0 + (s/t)·(x_t − x_0), so
 * E[x_{t−Δt} | x_t] = x_t + (Δt/t)·(E[x_0 | x_t] − x_t) with E[x_0 | x_t] in closed form
 * (x_t = x_0 + σ_q√t·ε, i.e. a = 1, s = σ_q√t).
 */
public final class VeMixtureDenoiser implements VeDenoiser {
    private final GaussianMixture data;
    private final double sigmaQ, dt;

    public VeMixtureDenoiser(GaussianMixture data, double sigmaQ, double dt) {
        this.data = data;
        this.sigmaQ = sigmaQ;
        this.dt = dt;
    }

    @Override
    public Tensor predict(Tensor xt, Tensor t) {
        if (xt.dim() != 2 || xt.size(1) != data.dim() || t.dim() != 1 || t.size(0) != xt.size(0))
            throw new IllegalArgumentException("VeMixtureDenoiser: x_t " + xt.describe() + " must be [B, " + data.dim() + "] and t " + t.describe() + " [B]");
        double[] x = xt.toDoubleArray(), ts = t.toDoubleArray(), out = new double[x.length];
        int d = data.dim();
        for (int i = 0; i < ts.length; ) {
            int j = i;
            while (j < ts.length && ts[j] == ts[i]) j++;           // rows sharing one t share the noisy mixture
            double[] rows = java.util.Arrays.copyOfRange(x, i * d, j * d);
            double[] x0 = data.posteriorMean(rows, 1, sigmaQ * Math.sqrt(ts[i]));
            double r = dt / ts[i];
            for (int k = 0; k < rows.length; k++) out[i * d + k] = rows[k] + r * (x0[k] - rows[k]);
            i = j;
        }
        HostStorage h = HostStorage.allocate(xt.dtype(), out.length);
        for (int k = 0; k < out.length; k++) h.set(k, out[k]);
        return Tensor.fromHost(h, xt.shape(), xt.device());
    }
}
