package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.Tensor;

/**
 * DPM-Solver++(2S) (Lu et al. 2022, "DPM-Solver++", Algorithm 1): a second-order singlestep solver of
 * the diffusion ODE in data prediction, with α = √ᾱ, σ = √(1−ᾱ), λ = log(α/σ), h_i = λ_{i+1} − λ_i and an
 * intermediate point s_i at λ_i + r·h_i (r = ½, snapped to the training timestep nearest in λ strictly
 * between the two grid points, r then recomputed from it):
 * <pre>
 *   u_i = (σ_s/σ_i)·x_i − α_s·(e^{−r h_i} − 1)·x̂_0(x_i, t_i),
 *   D_i = (1 − 1/(2r))·x̂_0(x_i, t_i) + 1/(2r)·x̂_0(u_i, s_i),
 *   x_{i+1} = (σ_{i+1}/σ_i)·x_i − α_{i+1}·(e^{−h_i} − 1)·D_i.
 * </pre>
 * First order (D_i = x̂_0(x_i, t_i), one evaluation) at the last step into the data, from ᾱ = 0, and
 * where no timestep lies between two grid points; {@link #evaluations()} counts exactly.
 */
public final class DpmSolverPlusPlus2S implements Solver {
    public static final SamplerDef DEF = new SamplerDef("dpmpp2s", "DPM-Solver++(2S)", "Lu et al. 2022, Alg. 1; 2 evaluations a step", ProcessKind.DIFFUSION,
            Spacing.LOG_SNR, 1, false, java.util.List.of(), (t, n, ts, o) -> new DpmSolverPlusPlus2S(t.schedule(), t.prediction(), ts, t.x0Transform()));

    private final VpGrid grid;
    private final long[] mid;                                   // the intermediate timestep of step i, or −1 for a first-order step

    public DpmSolverPlusPlus2S(NoiseSchedule schedule, Prediction prediction, long[] timesteps, X0Transform x0Transform) {
        this.grid = new VpGrid("DpmSolverPlusPlus2S", schedule, prediction, timesteps, x0Transform);
        this.mid = new long[grid.n()];
        for (int i = 0; i < grid.n(); i++) {
            boolean firstOrder = i + 1 == grid.n() || grid.alphaBar(i) == 0;
            double lamMid = 0.5 * (grid.lambda(i) + grid.lambda(i + 1));
            mid[i] = firstOrder ? -1 : grid.nearestLambda(lamMid, grid.ts[i + 1] + 1, grid.ts[i] - 1);
        }
    }

    @Override public long[] timesteps() { return grid.ts.clone(); }

    @Override
    public int evaluations() {
        int n = grid.n();
        for (long m : mid) if (m >= 0) n++;
        return n;
    }

    @Override
    public StepResult advance(Network net, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("DpmSolverPlusPlus2S.advance", i, grid.ts);
        double aCur = grid.alpha(i), sCur = grid.sigma(i), aNext = grid.alpha(i + 1), sNext = grid.sigma(i + 1);
        Tensor x0 = grid.x0(net, x, grid.ts[i]);
        // (1) e^{−h} = (α_i·σ_{i+1})/(σ_i·α_{i+1}), finite where λ is ±∞
        double expNegH = aCur * sNext / (sCur * aNext);
        Tensor d = x0;
        if (mid[i] >= 0) {
            long s = mid[i];
            double as = Math.sqrt(grid.schedule.alphaBar((int) s)), ss = Math.sqrt(1 - grid.schedule.alphaBar((int) s));
            double r = (grid.schedule.lambda((int) s) - grid.lambda(i)) / (grid.lambda(i + 1) - grid.lambda(i));
            double expNegRh = aCur * ss / (sCur * as);            // e^{−r h} = (α_i·σ_s)/(σ_i·α_s)
            // (2) u = (σ_s/σ_i)·x − α_s·(e^{−rh} − 1)·x̂_0(x_i)   (Alg. 1, line 4)
            Tensor u = x.mul(ss / sCur).sub(x0.mul(as * (expNegRh - 1)));
            // (3) D = (1 − 1/(2r))·x̂_0(x_i) + 1/(2r)·x̂_0(u, s)   (line 5)
            Tensor x0s = grid.x0(net, u, s);
            d = x0.mul(1 - 1 / (2 * r)).add(x0s.mul(1 / (2 * r)));
        }
        // (4) x_{i+1} = (σ_{i+1}/σ_i)·x − α_{i+1}·(e^{−h} − 1)·D   (line 6)
        Tensor prev = sNext == 0 ? d : x.mul(sNext / sCur).sub(d.mul(aNext * (expNegH - 1)));
        return new StepResult(prev, x0);
    }
}
