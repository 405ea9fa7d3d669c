package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ReverseProcess;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.tensor.Tensor;

/**
 * Ancestral sampling (Ho et al. 2020, Algorithm 2): x_{t−1} = μ_θ(x_t, t) + σ_t·z, z ~ N(0, I), and no
 * noise at the last step. With fewer steps than T it samples the respaced process (Nichol &amp;
 * Dhariwal 2021, §4): over the kept timesteps τ, β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}}, and every
 * coefficient — the learned-variance range too — comes from that respaced schedule.
 */
public final class DdpmSampler implements Sampler {
    /** The registration: all T steps unless given, the learned variance when the model has one, else β̃_t. */
    public static final SamplerDef DEF = new SamplerDef("ddpm", "DDPM", "Ho et al. 2020, Alg. 2", ProcessKind.DIFFUSION, Spacing.LINSPACE, 2, true,
            java.util.List.of(), (t, n, ts, o) -> new DdpmSampler(t.schedule(), t.prediction(),
                    t.learnedVariance() ? VarianceType.LEARNED_RANGE : VarianceType.FIXED_SMALL, ts, t.x0Transform()));

    private final long[] timesteps;
    private final ReverseProcess reverse;
    private final X0Transform x0Transform;
    private final MeanShift meanShift;

    /**
     * @param timesteps descending training timesteps to visit, e.g. all T of them
     *                  ({@link #full}) or a {@link Spacing} of them.
     */
    public DdpmSampler(NoiseSchedule schedule, Prediction prediction, VarianceType varianceType, long[] timesteps, X0Transform x0Transform) {
        this(schedule, prediction, varianceType, timesteps, x0Transform, null);
    }

    /** With a shift of the mean at every step (classifier guidance's Algorithm 1), or none when null. */
    public DdpmSampler(NoiseSchedule schedule, Prediction prediction, VarianceType varianceType, long[] timesteps, X0Transform x0Transform,
                       MeanShift meanShift) {
        this.timesteps = Timesteps.checkDescending("DdpmSampler", timesteps, schedule);
        Timesteps.checkPrediction("DdpmSampler", this.timesteps, schedule, prediction);
        long[] ascending = new long[timesteps.length];
        for (int i = 0; i < ascending.length; i++) ascending[i] = this.timesteps[ascending.length - 1 - i];
        if (ascending.length == 1)
            throw new IllegalArgumentException("DdpmSampler: needs at least 2 timesteps to form a reverse process, got 1");
        NoiseSchedule spaced = ascending.length == schedule.timesteps() ? schedule : schedule.respace(ascending);
        this.reverse = new ReverseProcess(spaced, prediction, varianceType);
        this.x0Transform = x0Transform == null ? X0Transform.NONE : x0Transform;
        this.meanShift = meanShift;
    }

    /** All T steps, T−1 down to 0. */
    public static DdpmSampler full(NoiseSchedule schedule, Prediction prediction, VarianceType varianceType) {
        return new DdpmSampler(schedule, prediction, varianceType, Spacing.LINSPACE.timesteps(schedule, schedule.timesteps()), null);
    }

    @Override public long[] timesteps() { return timesteps.clone(); }

    @Override
    public StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("DdpmSampler.step", i, timesteps);
        int j = timesteps.length - 1 - i;                  // index into the (respaced) schedule
        ReverseProcess.Step p = reverse.step(modelOutput, x, Coefficients.fill(j, x.size(0), x.device()),
                x0Transform == X0Transform.NONE ? null : x0Transform);
        Tensor mean = p.mean();
        if (meanShift != null)
            mean = mean.add(meanShift.shift(x, Coefficients.fill(timesteps[i], x.size(0), x.device()), p.logVariance().exp()));
        if (j == 0) return new StepResult(mean, p.predX0());   // Algorithm 2, line 4: z = 0 at the last step
        Tensor z = noise.normalLike(x);
        return new StepResult(mean.add(p.logVariance().mul(0.5).exp().mul(z)), p.predX0());   // line 4: μ_θ + σ_t·z
    }
}
