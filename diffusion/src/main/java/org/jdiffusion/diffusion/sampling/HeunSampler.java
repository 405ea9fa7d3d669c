package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.Tensor;

/**
 * Karras et al. 2022, Algorithm 2: Heun's second-order method on the probability-flow ODE in
 * x̃ = x/α, σ̃ = σ/α (dx̃/dσ̃ = (x̃ − D)/σ̃), with the optional "churn": before step i the noise is raised
 * from σ̃_i to σ̂ = σ̃_i·(1 + γ_i), γ_i = min(S_churn/N, √2 − 1) for σ̃_i in [S_tmin, S_tmax], by adding
 * fresh noise of variance σ̂² − σ̃_i². S_churn = 0 is their deterministic Algorithm 1. Two network
 * evaluations per step, one at the last step into the data (Euler there): 2N − 1 in all. σ̂ is
 * snapped to the training timestep nearest in log σ̃ (a discrete-time network is evaluated only at
 * its timesteps), and the added noise uses that timestep's exact σ̃. A step from ᾱ = 0 (zero
 * terminal SNR) is first order, x̃ being undefined there.
 */
public final class HeunSampler implements Solver {
    public static final SamplerDef DEF = new SamplerDef("heun", "Heun", "Karras et al. 2022, Alg. 1 and 2; 2 evaluations a step", ProcessKind.DIFFUSION,
            Spacing.KARRAS, 1, false, java.util.List.of(
                    SamplerDef.Option.real("churn", "S_churn: stochasticity, 0 = deterministic (Alg. 1)", 0, 0, 1000),
                    SamplerDef.Option.real("tmin", "S_tmin: the least σ̃ that churns", 0.05, 0, Double.POSITIVE_INFINITY),
                    SamplerDef.Option.real("tmax", "S_tmax: the largest σ̃ that churns", 50, 0, Double.POSITIVE_INFINITY),
                    SamplerDef.Option.real("snoise", "S_noise: scale of the churn's noise", 1, 0.5, 2)),
            (t, n, ts, o) -> new HeunSampler(t.schedule(), t.prediction(), ts, o.get("churn"), o.get("tmin"), o.get("tmax"), o.get("snoise"),
                    t.x0Transform()));

    private final VpGrid grid;
    private final double churn, tMin, tMax, sNoise;

    /**
     * @param churn S_churn ≥ 0 (0: deterministic); tMin, tMax: the σ̃ range it applies in; sNoise:
     *              S_noise, the scale of the added noise (Karras et al. use 1.003 to 1.007 with churn).
     */
    public HeunSampler(NoiseSchedule schedule, Prediction prediction, long[] timesteps, double churn, double tMin, double tMax,
                       double sNoise, X0Transform x0Transform) {
        if (!(churn >= 0) || !(tMin >= 0) || !(tMax >= tMin) || !(sNoise > 0))
            throw new IllegalArgumentException("HeunSampler: needs S_churn >= 0, 0 <= S_tmin <= S_tmax and S_noise > 0, got "
                    + churn + ", " + tMin + ", " + tMax + ", " + sNoise);
        this.grid = new VpGrid("HeunSampler", schedule, prediction, timesteps, x0Transform);
        this.churn = churn;
        this.tMin = tMin;
        this.tMax = tMax;
        this.sNoise = sNoise;
    }

    /** The deterministic sampler (Algorithm 1). */
    public HeunSampler(NoiseSchedule schedule, Prediction prediction, long[] timesteps, X0Transform x0Transform) {
        this(schedule, prediction, timesteps, 0, 0, Double.POSITIVE_INFINITY, 1, x0Transform);
    }

    @Override public long[] timesteps() { return grid.ts.clone(); }

    @Override public int evaluations() { return 2 * grid.n() - 1; }

    @Override
    public StepResult advance(Network net, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("HeunSampler.advance", i, grid.ts);
        double aCur = grid.alpha(i), sveCur = grid.sigmaVe(i), aNext = grid.alpha(i + 1), sveNext = grid.sigmaVe(i + 1);
        if (aCur == 0) {                                        // from ᾱ = 0: the Euler (DDIM) step x = α'·x̂_0 + σ'·ε̂
            Tensor x0 = grid.x0(net, x, grid.ts[i]);
            return new StepResult(x0.mul(aNext).add(VpGrid.eps(x, x0, 0, 1).mul(grid.sigma(i + 1))), x0);
        }
        // (1) γ_i = min(S_churn/N, √2 − 1) inside [S_tmin, S_tmax], σ̂ = σ̃_i·(1 + γ_i) snapped to a timestep t̂ ≥ t_i   (Alg. 2, lines 4–5)
        long tHat = grid.ts[i];
        double gamma = churn > 0 && sveCur >= tMin && sveCur <= tMax ? Math.min(churn / grid.n(), Math.sqrt(2) - 1) : 0;
        if (gamma > 0) tHat = grid.nearestLambda(-Math.log(sveCur * (1 + gamma)), grid.ts[i], grid.schedule.timesteps() - 1);
        double sveHat = VpGrid.sigmaVe(grid.schedule, tHat), aHat = Math.sqrt(grid.schedule.alphaBar((int) tHat));
        // (2) x̂ = x̃_i + √(σ̂² − σ̃_i²)·S_noise·z   (line 6)
        Tensor xt = x.div(aCur);
        if (tHat != grid.ts[i]) xt = xt.add(noise.normalLike(x).mul(Math.sqrt(sveHat * sveHat - sveCur * sveCur) * sNoise));
        // (3) d_i = (x̂ − D(x̂; σ̂))/σ̂, the network seeing x = α̂·x̂   (line 7)
        Tensor d0 = grid.x0(net, xt.mul(aHat), tHat);
        Tensor d = xt.sub(d0).div(sveHat);
        // (4) Euler: x̃_{i+1} = x̂ + (σ̃_{i+1} − σ̂)·d_i   (line 8); into the data (σ̃ = 0) this is D itself
        if (i + 1 == grid.n()) return new StepResult(d0, d0);
        Tensor next = xt.add(d.mul(sveNext - sveHat));
        // (5) the correction: d' = (x̃_{i+1} − D(x̃_{i+1}; σ̃_{i+1}))/σ̃_{i+1}, x̃_{i+1} = x̂ + (σ̃_{i+1} − σ̂)·(d_i + d')/2   (lines 9–11)
        Tensor d1x0 = grid.x0(net, next.mul(aNext), grid.ts[i + 1]);
        Tensor d1 = next.sub(d1x0).div(sveNext);
        next = xt.add(d.add(d1).mul(0.5 * (sveNext - sveHat)));
        return new StepResult(next.mul(aNext), d0);
    }
}
