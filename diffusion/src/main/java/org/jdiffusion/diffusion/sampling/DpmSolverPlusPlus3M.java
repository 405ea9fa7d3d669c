package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Tensor;

/**
 * DPM-Solver++(3M): the third-order multistep solver of the diffusion ODE in data prediction (Lu et
 * al. 2022, "DPM-Solver++", §4 with the third-order multistep update of their DPM-Solver, 2022,
 * Appendix B), α = √ᾱ, σ = √(1−ᾱ), λ = log(α/σ), h = λ_{i+1} − λ_i, h_0 = λ_i − λ_{i−1},
 * h_1 = λ_{i−1} − λ_{i−2}, r_0 = h_0/h, r_1 = h_1/h, m_k the x̂_0 of step i − k:
 * <pre>
 *   D1_0 = (m_0 − m_1)/r_0,  D1_1 = (m_1 − m_2)/r_1,
 *   D1 = D1_0 + r_0/(r_0 + r_1)·(D1_0 − D1_1),  D2 = 2·(D1_0 − D1_1)/(r_0 + r_1),
 *   φ_1 = e^{−h} − 1,  φ_2 = φ_1/h + 1,  φ_3 = φ_2/h − ½,
 *   x_{i+1} = (σ_{i+1}/σ_i)·x_i − α_{i+1}·φ_1·m_0 + α_{i+1}·φ_2·D1 − α_{i+1}·φ_3·D2.
 * </pre>
 * D1 ≈ h·x̂_0' and D2 ≈ h²·x̂_0'' (derivatives in λ), so that with the exact integrals
 * ∫_0^h e^{−(h−u)}·u^k du of the exponential integrator the local error is O(h⁴). (The factor 2 in D2
 * matters: with (D1_0 − D1_1)/(r_0 + r_1) the x̂_0'' term is halved, the local error is O(h³) and the
 * solver is only second order; ConvergenceOrderTest measures the order.)
 * First order at the first step, second order (the 2M update) at the second, and lower orders after
 * an infinite step (zero terminal SNR); first order into the data (σ = 0), which returns x̂_0.
 */
public final class DpmSolverPlusPlus3M implements Sampler {
    public static final SamplerDef DEF = new SamplerDef("dpmpp3m", "DPM-Solver++(3M)", "Lu et al. 2022, third-order multistep", ProcessKind.DIFFUSION,
            Spacing.LOG_SNR, 1, false, java.util.List.of(), (t, n, ts, o) -> new DpmSolverPlusPlus3M(t.schedule(), t.prediction(), ts, t.x0Transform()));

    private final VpGrid grid;
    private Tensor m1, m2;                                      // x̂_0 of the previous two steps
    private int expected;

    public DpmSolverPlusPlus3M(NoiseSchedule schedule, Prediction prediction, long[] timesteps, X0Transform x0Transform) {
        this.grid = new VpGrid("DpmSolverPlusPlus3M", schedule, prediction, timesteps, x0Transform);
    }

    @Override public long[] timesteps() { return grid.ts.clone(); }

    @Override
    public StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("DpmSolverPlusPlus3M.step", i, grid.ts);
        Multistep.checkOrder("DpmSolverPlusPlus3M", i, expected);
        if (i == 0) m1 = m2 = null;
        Tensor m0 = grid.x0FromOutput(modelOutput, x, grid.ts[i]);
        double aCur = grid.alpha(i), sCur = grid.sigma(i), aNext = grid.alpha(i + 1), sNext = grid.sigma(i + 1);
        double h = grid.lambda(i + 1) - grid.lambda(i);
        // (1) the order: as many previous x̂_0 as exist with finite steps between them, never into the data
        int order = 1;
        if (sNext > 0 && m1 != null && Double.isFinite(grid.lambda(i - 1))) order = 2;
        if (order == 2 && m2 != null && Double.isFinite(grid.lambda(i - 2))) order = 3;
        Tensor prev;
        if (sNext == 0) prev = m0;                              // into the data: x̂_0
        else {
            double phi1 = aCur * sNext / (sCur * aNext) - 1;    // e^{−h} − 1, finite where λ_i = −∞
            // (2) first-order part: (σ_{i+1}/σ_i)·x − α_{i+1}·φ_1·m_0
            prev = x.mul(sNext / sCur).sub(m0.mul(aNext * phi1));
            if (order >= 2) {
                double r0 = (grid.lambda(i) - grid.lambda(i - 1)) / h;
                Tensor d10 = m0.sub(m1).div(r0);
                if (order == 2) {
                    // (3) 2M: − ½·α_{i+1}·φ_1·D1_0
                    prev = prev.sub(d10.mul(0.5 * aNext * phi1));
                } else {
                    // (4) 3M: + α_{i+1}·φ_2·D1 − α_{i+1}·φ_3·D2
                    double r1 = (grid.lambda(i - 1) - grid.lambda(i - 2)) / h;
                    Tensor d11 = m1.sub(m2).div(r1);
                    Tensor diff = d10.sub(d11);
                    Tensor d1 = d10.add(diff.mul(r0 / (r0 + r1))), d2 = diff.mul(2 / (r0 + r1));
                    double phi2 = phi1 / h + 1, phi3 = phi2 / h - 0.5;
                    prev = prev.add(d1.mul(aNext * phi2)).sub(d2.mul(aNext * phi3));
                }
            }
        }
        m2 = m1;
        m1 = MemoryScope.keepCurrent(m0);   // history outlives the step's MemoryScope
        expected = i + 1;
        return new StepResult(prev, m0);
    }
}
