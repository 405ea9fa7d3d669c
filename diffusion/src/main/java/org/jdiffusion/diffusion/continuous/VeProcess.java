package org.jdiffusion.diffusion.continuous;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.diffusion.sampling.Trajectory;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The continuous-time variance-exploding process of Nakkiran et al. 2024 ("Step-by-Step Diffusion"):
 * x_t = x_0 + N(0, σ_q²·t) for t ∈ [0, 1], discretised with step Δt = 1/N, with its training loss and
 * its two samplers (their Pseudocode 1–3). The network f_θ(x_t, t) learns E[x_{t−Δt} | x_t].
 * <pre>
 *   train (Pseudocode 1): x_t = x_0 + N(0, σ_q² t), x_{t+Δt} = x_t + N(0, σ_q² Δt), L = ‖f_θ(x_{t+Δt}, t+Δt) − x_t‖²
 *   DDPM  (Pseudocode 2): x_1 ~ N(0, σ_q²);  x_{t−Δt} = f_θ(x_t, t) + N(0, σ_q² Δt)   for t = 1, 1−Δt, …, Δt
 *   DDIM  (Pseudocode 3): x_1 ~ N(0, σ_q²);  λ = √t/(√(t−Δt) + √t),  x_{t−Δt} = x_t + λ·(f_θ(x_t, t) − x_t)
 * </pre>
 * Training draws t uniformly from [0, 1 − Δt], so the network sees t + Δt over (0, 1] exactly where
 * the samplers query it.
 */
public final class VeProcess {
    private final double sigmaQ;
    private final int steps;

    public VeProcess(double sigmaQ, int steps) {
        if (!(sigmaQ > 0) || steps < 1)
            throw new IllegalArgumentException("VeProcess: needs σ_q > 0 and at least one step, got σ_q = " + sigmaQ + ", N = " + steps);
        this.sigmaQ = sigmaQ;
        this.steps = steps;
    }

    public double sigmaQ() { return sigmaQ; }

    public int steps() { return steps; }

    /** Δt = 1/N. */
    public double dt() { return 1.0 / steps; }

    /** The k-th time of the grid, k·Δt (k = N is t = 1). */
    public double time(int k) { return (double) k / steps; }

    // ---- training (Pseudocode 1) --------------------------------------------------------------

    /** A training pair: the network input x_{t+Δt} at time t+Δt ([B]) and its target x_t. */
    public record Example(Tensor input, Tensor time, Tensor target) {}

    /** Draws t ~ U[0, 1−Δt] per sample and both noises from g. */
    public Example example(Tensor x0, Generator g) {
        int b = x0.size(0);
        Tensor t = Rand.uniform(g, 0, 1 - dt(), x0.dtype(), x0.device(), b);
        int[] bshape = new int[x0.dim()];
        java.util.Arrays.fill(bshape, 1);
        bshape[0] = b;
        Tensor std = t.mul(sigmaQ * sigmaQ).sqrt().reshape(bshape);
        Tensor xt = x0.add(Rand.normal(g, 0, 1, x0.dtype(), x0.device(), x0.shape()).mul(std));                    // (1) x_t = x_0 + N(0, σ_q² t)
        Tensor next = xt.add(Rand.normal(g, 0, 1, x0.dtype(), x0.device(), x0.shape()).mul(sigmaQ * Math.sqrt(dt())));   // (2) x_{t+Δt} = x_t + N(0, σ_q² Δt)
        return new Example(next, t.add(dt()), xt);
    }

    /** (3) L = ‖f_θ(x_{t+Δt}, t+Δt) − x_t‖², averaged over every element. */
    public Variable loss(Variable prediction, Example e) { return LossFunctions.mse(prediction, e.target()); }

    // ---- sampling (Pseudocode 2 and 3) --------------------------------------------------------

    /** x_1 ~ N(0, σ_q²) from the noise source. */
    public Tensor prior(int[] shape, Noise noise, DType dtype, Device device) {
        return noise.normalLike(Tensor.zeros(dtype, device, shape)).mul(sigmaQ);
    }

    /**
     * Pseudocode 2: stochastic steps from x_1; trace keeps every x_t and f_θ's output (in the
     * trajectory's x̂_0 slot). The trajectory's timesteps are the grid indices k, t = k·Δt.
     */
    public Trajectory sampleDdpm(VeDenoiser f, Tensor x1, Noise noise, boolean trace) { return run(f, x1, noise, true, trace); }

    /** Pseudocode 3: deterministic steps from x_1. */
    public Trajectory sampleDdim(VeDenoiser f, Tensor x1, boolean trace) { return run(f, x1, null, false, trace); }

    private Trajectory run(VeDenoiser f, Tensor x1, Noise noise, boolean stochastic, boolean trace) {
        List<Tensor> xs = new ArrayList<>(), fs = new ArrayList<>();
        if (trace) xs.add(x1);
        Tensor x = x1;
        long[] ks = new long[steps];
        for (int k = steps; k >= 1; k--) {
            double t = time(k), tPrev = time(k - 1);
            ks[steps - k] = k;
            Tensor out = f.predict(x, Tensor.full(t, x.dtype(), x.device(), x.size(0)));
            if (stochastic) {
                x = out.add(noise.normalLike(x).mul(sigmaQ * Math.sqrt(dt())));   // x_{t−Δt} = f_θ(x_t, t) + η, η ~ N(0, σ_q² Δt)
            } else {
                double lambda = Math.sqrt(t) / (Math.sqrt(tPrev) + Math.sqrt(t));   // λ = √t / (√(t−Δt) + √t)
                x = x.add(out.sub(x).mul(lambda));                                   // x_{t−Δt} = x_t + λ·(f_θ(x_t, t) − x_t)
            }
            if (trace) {
                xs.add(x);
                fs.add(out);
            }
        }
        return new Trajectory(x, ks, xs, fs);
    }
}
