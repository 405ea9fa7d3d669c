package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.Tensor;

/**
 * DDIM (Song et al. 2021, eq. 12) over any descending timestep list: from τ_i to the next entry τ_{i+1}
 * of the list itself (the data, ᾱ = 1, after the last) — so every spacing and step count, first step
 * included, uses the right ᾱ_prev. η = 0 is the deterministic ODE sampler, η = 1 matches DDPM's
 * posterior variance on the same steps.
 */
public final class DdimSampler implements Sampler {
    public static final SamplerDef DEF = new SamplerDef("ddim", "DDIM", "Song et al. 2021, eq. 12", ProcessKind.DIFFUSION, Spacing.LINSPACE, 1, false,
            java.util.List.of(SamplerDef.Option.real("eta", "η: 0 deterministic, 1 as much noise as DDPM", 0, 0, 1).alwaysShown()),
            (t, n, ts, o) -> new DdimSampler(t.schedule(), t.prediction(), ts, o.get("eta"), t.x0Transform()));

    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final long[] timesteps;
    private final double eta;
    private final X0Transform x0Transform;

    public DdimSampler(NoiseSchedule schedule, Prediction prediction, long[] timesteps, double eta, X0Transform x0Transform) {
        if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("DdimSampler: η must be in [0, 1], got " + eta);
        this.schedule = schedule;
        this.prediction = prediction;
        this.timesteps = Timesteps.checkDescending("DdimSampler", timesteps, schedule);
        Timesteps.checkPrediction("DdimSampler", this.timesteps, schedule, prediction);
        this.eta = eta;
        this.x0Transform = x0Transform == null ? X0Transform.NONE : x0Transform;
    }

    /** {@code steps} timesteps chosen by {@code spacing}, no x_0 transform. */
    public static DdimSampler of(NoiseSchedule schedule, Prediction prediction, int steps, Spacing spacing, double eta) {
        return new DdimSampler(schedule, prediction, spacing.timesteps(schedule, steps), eta, null);
    }

    @Override public long[] timesteps() { return timesteps.clone(); }

    public double eta() { return eta; }

    @Override
    public StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("DdimSampler.step", i, timesteps);
        modelOutput = meanPart(modelOutput, x);
        int t = (int) timesteps[i];
        double alphaBar = schedule.alphaBar(t);
        double alphaBarPrev = Timesteps.alphaBarNext(schedule, timesteps, i);
        Tensor a = Coefficients.scalar(Math.sqrt(alphaBar), x), s = Coefficients.scalar(Math.sqrt(1 - alphaBar), x);
        // (1) x̂_0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t, "predicted x_0" of eq. 12 (or read directly for x0/v models)
        Tensor x0 = Parameterization.x0(prediction, modelOutput, x, a, s);
        Tensor eps = Parameterization.eps(prediction, modelOutput, x, a, s);
        if (x0Transform != X0Transform.NONE) {
            x0 = x0Transform.apply(x0);
            eps = Parameterization.epsFromX0(x0, x, a, s);      // keep ε̂ consistent with the transformed x̂_0
        }
        // (2) σ_τ(η) = η·√((1−ᾱ_prev)/(1−ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev)   (eq. 16)
        double sigma = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
        // (3) x_prev = √ᾱ_prev·x̂_0 + √(1−ᾱ_prev−σ²)·ε̂ + σ·z   (eq. 12: predicted x_0, direction to x_t, noise)
        double dirCoef = Math.sqrt(Math.max(0, 1 - alphaBarPrev - sigma * sigma));
        Tensor prev = x0.mul(Math.sqrt(alphaBarPrev)).add(eps.mul(dirCoef));
        if (sigma > 0) prev = prev.add(noise.normalLike(x).mul(sigma));
        return new StepResult(prev, x0);
    }

    /** The output itself, or its first half of channels when it also carries a learned variance. */
    static Tensor meanPart(Tensor out, Tensor x) {
        int[] o = out.shape(), s = x.shape();
        if (java.util.Arrays.equals(o, s)) return out;
        if (o.length == s.length && o.length >= 2 && o[1] == 2 * s[1]) {
            o[1] = s[1];
            if (java.util.Arrays.equals(o, s)) return out.narrow(1, 0, s[1]);
        }
        throw new IllegalArgumentException("sampler step: model output " + out.describe() + " does not fit x " + x.describe()
                + " (expected x's shape, or twice its channels for a learned variance)");
    }
}
