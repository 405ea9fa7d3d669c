package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Tensor;

/**
 * DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2): a second-order multistep solver of
 * the diffusion ODE in data prediction, with α_t = √ᾱ_t, σ_t = √(1−ᾱ_t), λ_t = log(α_t/σ_t),
 * h_i = λ_{t_i} − λ_{t_{i−1}}:
 * <pre>
 *   x̃_{t_i} = (σ_{t_i}/σ_{t_{i−1}})·x̃_{t_{i−1}} − α_{t_i}·(e^{−h_i} − 1)·D_i,
 *   D_i = (1 + 1/(2r_i))·x̂_0(t_{i−1}) − 1/(2r_i)·x̂_0(t_{i−2}),   r_i = h_{i−1}/h_i,
 * </pre>
 * first order (D_i = x̂_0(t_{i−1})) at the first step, wherever the previous h is infinite (zero
 * terminal SNR), and at the last step into the data (σ = 0), which therefore returns x̂_0.
 * It remembers the previous step's x̂_0; {@code step(…, 0, …)} starts a new run.
 */
public final class DpmSolverPlusPlus2M implements Sampler {
    public static final SamplerDef DEF = new SamplerDef("dpmpp2m", "DPM-Solver++(2M)", "Lu et al. 2022, Alg. 2", ProcessKind.DIFFUSION, Spacing.LOG_SNR,
            1, false, java.util.List.of(), (t, n, ts, o) -> new DpmSolverPlusPlus2M(t.schedule(), t.prediction(), ts, t.x0Transform()));

    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final long[] timesteps;
    private final X0Transform x0Transform;
    private Tensor prevX0;
    private double prevH;
    private int expected;

    public DpmSolverPlusPlus2M(NoiseSchedule schedule, Prediction prediction, long[] timesteps, X0Transform x0Transform) {
        this.schedule = schedule;
        this.prediction = prediction;
        this.timesteps = Timesteps.checkDescending("DpmSolverPlusPlus2M", timesteps, schedule);
        Timesteps.checkPrediction("DpmSolverPlusPlus2M", this.timesteps, schedule, prediction);
        this.x0Transform = x0Transform == null ? X0Transform.NONE : x0Transform;
    }

    public static DpmSolverPlusPlus2M of(NoiseSchedule schedule, Prediction prediction, int steps, Spacing spacing) {
        return new DpmSolverPlusPlus2M(schedule, prediction, spacing.timesteps(schedule, steps), null);
    }

    @Override public long[] timesteps() { return timesteps.clone(); }

    @Override
    public StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("DpmSolverPlusPlus2M.step", i, timesteps);
        if (i != 0 && i != expected)
            throw new IllegalStateException("DpmSolverPlusPlus2M.step: got step " + i + " but the run is at step " + expected
                    + " (a multistep solver must see its steps in order; step 0 starts a new run)");
        modelOutput = DdimSampler.meanPart(modelOutput, x);
        int t = (int) timesteps[i];
        double alphaBar = schedule.alphaBar(t), alphaBarNext = Timesteps.alphaBarNext(schedule, timesteps, i);
        double alphaCur = Math.sqrt(alphaBar), sigmaCur = Math.sqrt(1 - alphaBar);
        double alphaNext = Math.sqrt(alphaBarNext), sigmaNext = Math.sqrt(1 - alphaBarNext);
        Tensor x0 = x0Transform.apply(Parameterization.x0(prediction, modelOutput, x,
                Coefficients.scalar(alphaCur, x), Coefficients.scalar(sigmaCur, x)));
        // (1) e^{−h} = e^{λ_cur − λ_next} = (α_cur·σ_next)/(σ_cur·α_next), finite even where λ is ±∞
        double expNegH = alphaCur * sigmaNext / (sigmaCur * alphaNext);
        double h = -Math.log(expNegH);
        // (2) D: first order at the start, after an infinite step, and into the data; else the 2M combination
        Tensor d = x0;
        boolean firstOrder = i == 0 || Double.isInfinite(prevH) || sigmaNext == 0;
        if (!firstOrder) {
            double r = prevH / h;
            d = x0.mul(1 + 1 / (2 * r)).sub(prevX0.mul(1 / (2 * r)));
        }
        // (3) x̃_next = (σ_next/σ_cur)·x̃ − α_next·(e^{−h} − 1)·D
        Tensor next = x.mul(sigmaNext / sigmaCur).sub(d.mul(alphaNext * (expNegH - 1)));
        prevX0 = MemoryScope.keepCurrent(x0);   // history outlives the step's MemoryScope
        prevH = h;
        expected = i + 1;
        return new StepResult(next, x0);
    }
}
