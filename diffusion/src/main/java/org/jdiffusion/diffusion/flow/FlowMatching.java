package org.jdiffusion.diffusion.flow;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * Flow matching with the linear interpolant (Lipman et al. 2023, §4.1 with σ_min = 0; the rectified
 * flow of Liu et al. 2023): x_t = (1 − t)·x_0 + t·ε at continuous t ∈ [0, 1] (t = 0 the data, t = 1
 * pure noise, the diffusion convention's direction), velocity target u = dx_t/dt = ε − x_0, loss
 * E‖v_θ(x_t, t) − u‖². Sampling integrates dx/dt = v_θ(x, t) from t = 1 down to 0. Given a velocity,
 * x̂_0 = x_t − t·v and ε̂ = x_t + (1 − t)·v. The network sees the time as {@link #TIME_SCALE}·t (the
 * same sinusoidal features as a diffusion timestep; Esser et al. 2024 do the same).
 */
public final class FlowMatching {
    private FlowMatching() {}

    /** The network's time input is 1000·t. */
    public static final double TIME_SCALE = 1000;

    /** The checkpoint's {@code prediction} value of a flow model: the velocity ε − x_0. */
    public static final String PREDICTION = "velocity";

    /** One training batch: times t [B], noise ε, x_t and the target u = ε − x_0. */
    public record Batch(Tensor t, Tensor eps, Tensor xt, Tensor target) {
        /** The network's time input, {@link #TIME_SCALE}·t, of x_t's dtype. */
        public Tensor networkTime() { return FlowMatching.networkTime(t, xt); }
    }

    /** x_t = (1 − t)·x_0 + t·ε with t [B] broadcast over x_0's other dims. */
    public static Tensor interpolate(Tensor x0, Tensor eps, Tensor t) {
        Tensor tb = broadcast(t, x0);
        return x0.mul(tb.neg().add(1)).add(eps.mul(tb));
    }

    /** u = ε − x_0. */
    public static Tensor target(Tensor x0, Tensor eps) { return eps.sub(x0); }

    /** x̂_0 = x_t − t·v. */
    public static Tensor x0(Tensor xt, Tensor v, double t) { return xt.sub(v.mul(t)); }

    /** Draws t from {@code times}, ε ~ N(0, I), and forms x_t and u. */
    public static Batch noisy(Tensor x0, FlowTimes times, Generator g) {
        Tensor t = times.sample(x0.size(0), g, x0.dtype(), x0.device());
        Tensor eps = Rand.normal(g, 0, 1, x0.dtype(), x0.device(), x0.shape());
        return new Batch(t, eps, interpolate(x0, eps, t), target(x0, eps));
    }

    /** The mean squared error of the network's velocity against u, over all elements. */
    public static Variable loss(Variable output, Batch b) {
        if (!java.util.Arrays.equals(output.data().shape(), b.target().shape()))
            throw new IllegalArgumentException("flow matching loss: output " + output.data().describe() + " does not fit the target "
                    + b.target().describe() + " (a flow model predicts the velocity, of x_t's shape)");
        return LossFunctions.mse(output, b.target());
    }

    /** The network's time input for times t [B]: TIME_SCALE·t in {@code like}'s dtype. */
    public static Tensor networkTime(Tensor t, Tensor like) { return t.mul(TIME_SCALE).to(like.dtype()); }

    /** A flow model's network as a {@link org.jdiffusion.diffusion.Denoiser}: its forward at {@link #networkTime}, no gradients. */
    public static org.jdiffusion.diffusion.NetworkDenoiser denoiser(org.jdiffusion.diffusion.NetworkDenoiser.Forward net) {
        return new org.jdiffusion.diffusion.NetworkDenoiser((x, t, y) -> net.forward(x, networkTime(t, x.data()), y));
    }

    /** A float [B] tensor holding t for every sample, in {@code like}'s dtype and device. */
    public static Tensor fill(double t, Tensor like) {
        int b = like.size(0);
        HostStorage h = HostStorage.allocate(like.dtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32, b);
        for (int i = 0; i < b; i++) h.set(i, t);
        return Tensor.fromHost(h, new int[]{b}, like.device());
    }

    static Tensor broadcast(Tensor t, Tensor like) {
        if (t.dim() != 1 || t.size(0) != like.size(0))
            throw new IllegalArgumentException("flow matching: times " + t.describe() + " do not fit the batch " + like.describe() + " (expected [B])");
        int[] shape = new int[like.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = like.size(0);
        return t.to(like.dtype()).reshape(shape);
    }
}
