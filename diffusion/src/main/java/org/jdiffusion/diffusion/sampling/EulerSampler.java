package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.Tensor;

/**
 * Euler's method on the probability-flow ODE in Karras et al.'s variables (2022, Algorithm 1 without
 * its second-order correction): x̃ = x/α, σ̃ = σ/α, dx̃/dσ̃ = (x̃ − D(x̃; σ̃))/σ̃ = ε̂, and with η > 0 the
 * ancestral variant (Euler-ancestral of k-diffusion; the reverse SDE's step split into a
 * deterministic part down to σ̃_down and fresh noise σ̃_up). With η = 0 it is the same update as DDIM
 * (Song et al. 2021, §4.3: DDIM is Euler in σ̃), with η = 1 the same as DDIM with η = 1; the EDM
 * family differs by its default grid (Karras spacing). First order.
 */
public final class EulerSampler implements Sampler {
    public static final SamplerDef DEF = new SamplerDef("euler", "Euler", "Karras et al. 2022, Alg. 1, first order", ProcessKind.DIFFUSION,
            Spacing.KARRAS, 1, false, java.util.List.of(), (t, n, ts, o) -> new EulerSampler(t.schedule(), t.prediction(), ts, 0, t.x0Transform()));
    public static final SamplerDef ANCESTRAL = new SamplerDef("euler-a", "Euler ancestral", "Euler with the reverse SDE's noise, k-diffusion",
            ProcessKind.DIFFUSION, Spacing.KARRAS, 1, false,
            java.util.List.of(SamplerDef.Option.real("eta", "η: the share of the ancestral noise, 0 = euler", 1, 0, 1)),
            (t, n, ts, o) -> new EulerSampler(t.schedule(), t.prediction(), ts, o.get("eta"), t.x0Transform()));

    private final VpGrid grid;
    private final double eta;

    public EulerSampler(NoiseSchedule schedule, Prediction prediction, long[] timesteps, double eta, X0Transform x0Transform) {
        if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("EulerSampler: η must be in [0, 1], got " + eta);
        this.grid = new VpGrid("EulerSampler", schedule, prediction, timesteps, x0Transform);
        this.eta = eta;
    }

    @Override public long[] timesteps() { return grid.ts.clone(); }

    @Override
    public StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("EulerSampler.step", i, grid.ts);
        double aCur = grid.alpha(i), sCur = grid.sigma(i), aNext = grid.alpha(i + 1);
        double sveCur = grid.sigmaVe(i), sveNext = grid.sigmaVe(i + 1);
        // (1) D(x̃; σ̃_i) = x̂_0 and the slope d_i = (x̃ − D)/σ̃_i = ε̂   (Karras et al. 2022, Alg. 1, lines 4–5)
        Tensor x0 = grid.x0FromOutput(modelOutput, x, grid.ts[i]);
        Tensor eps = VpGrid.eps(x, x0, aCur, sCur);
        // (2) ancestral split of σ̃_{i+1}: σ̃_up = min(σ̃_{i+1}, η·σ̃_{i+1}·√(1 − σ̃²_{i+1}/σ̃²_i)), σ̃_down = √(σ̃²_{i+1} − σ̃²_up)
        double ratio = Double.isInfinite(sveCur) ? 0 : sveNext / sveCur;
        double up = Math.min(sveNext, eta * sveNext * Math.sqrt(Math.max(0, 1 - ratio * ratio)));
        double down = Math.sqrt(Math.max(0, sveNext * sveNext - up * up));
        // (3) x̃_{i+1} = x̃_i + (σ̃_down − σ̃_i)·d_i = x̂_0 + σ̃_down·ε̂ (finite at σ̃_i = ∞), then + σ̃_up·z; x = α·x̃
        Tensor prev = x0.mul(aNext).add(eps.mul(aNext * down));
        if (up > 0) prev = prev.add(noise.normalLike(x).mul(aNext * up));
        return new StepResult(prev, x0);
    }
}
