package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Tensor;

/**
 * SDE-DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", §5: the solver of the diffusion SDE in data
 * prediction; the second-order multistep form of their code), with α = √ᾱ, σ = √(1−ᾱ), λ = log(α/σ),
 * h = λ_{i+1} − λ_i, and η scaling the SDE's noise (η = 1 the reverse SDE, η = 0 the ODE's 2M):
 * <pre>
 *   x_{i+1} = (σ_{i+1}/σ_i)·e^{−ηh}·x_i + α_{i+1}·(1 − e^{−(1+η)h})·(m_0 + (m_0 − m_1)/(2r))
 *             + σ_{i+1}·√(1 − e^{−2ηh})·z,   r = h_{i−1}/h,
 * </pre>
 * m_0, m_1 the x̂_0 of this and the previous step; first order (no m_1 term) at the first step and
 * after an infinite step; into the data (σ = 0) it returns x̂_0.
 */
public final class DpmSolverPlusPlusSde implements Sampler {
    public static final SamplerDef DEF = new SamplerDef("dpmpp-sde", "SDE-DPM-Solver++(2M)", "Lu et al. 2022, SDE solver",
            ProcessKind.DIFFUSION, Spacing.LOG_SNR, 1, false,
            java.util.List.of(SamplerDef.Option.real("eta", "η: the share of the SDE's noise, 0 = the ODE's 2M", 1, 0, 1)),
            (t, n, ts, o) -> new DpmSolverPlusPlusSde(t.schedule(), t.prediction(), ts, o.get("eta"), t.x0Transform()));

    private final VpGrid grid;
    private final double eta;
    private Tensor m1;
    private int expected;

    public DpmSolverPlusPlusSde(NoiseSchedule schedule, Prediction prediction, long[] timesteps, double eta, X0Transform x0Transform) {
        if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("DpmSolverPlusPlusSde: η must be in [0, 1], got " + eta);
        this.grid = new VpGrid("DpmSolverPlusPlusSde", schedule, prediction, timesteps, x0Transform);
        this.eta = eta;
    }

    @Override public long[] timesteps() { return grid.ts.clone(); }

    @Override
    public StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("DpmSolverPlusPlusSde.step", i, grid.ts);
        Multistep.checkOrder("DpmSolverPlusPlusSde", i, expected);
        if (i == 0) m1 = null;
        Tensor m0 = grid.x0FromOutput(modelOutput, x, grid.ts[i]);
        double aCur = grid.alpha(i), sCur = grid.sigma(i), aNext = grid.alpha(i + 1), sNext = grid.sigma(i + 1);
        Tensor prev;
        if (sNext == 0) prev = m0;                              // into the data: x̂_0, no noise
        else {
            // (1) e^{−h} = (α_i·σ_{i+1})/(σ_i·α_{i+1}); e^{−ηh}, e^{−(1+η)h} and e^{−2ηh} are its powers
            double expNegH = aCur * sNext / (sCur * aNext);
            double decay = Math.pow(expNegH, eta), gain = 1 - Math.pow(expNegH, 1 + eta), noiseStd = sNext * Math.sqrt(1 - Math.pow(expNegH, 2 * eta));
            // (2) the data-prediction term: m_0, plus the multistep correction (m_0 − m_1)/(2r) when a finite previous step exists
            Tensor d = m0;
            if (m1 != null && Double.isFinite(grid.lambda(i - 1))) {
                double r = (grid.lambda(i) - grid.lambda(i - 1)) / (grid.lambda(i + 1) - grid.lambda(i));
                d = m0.add(m0.sub(m1).div(2 * r));
            }
            // (3) x_{i+1} = (σ_{i+1}/σ_i)·e^{−ηh}·x + α_{i+1}·(1 − e^{−(1+η)h})·D + σ_{i+1}·√(1 − e^{−2ηh})·z
            prev = x.mul(sNext / sCur * decay).add(d.mul(aNext * gain));
            if (noiseStd > 0) prev = prev.add(noise.normalLike(x).mul(noiseStd));
        }
        m1 = MemoryScope.keepCurrent(m0);   // history outlives the step's MemoryScope
        expected = i + 1;
        return new StepResult(prev, m0);
    }
}
