package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ProcessKind;

/**
 * The model a registered sampler is built for: its process kind and, for a diffusion model, the
 * noise schedule, the network's prediction, whether it learns its variance, and the x̂_0 transform
 * (clipping) to apply; a flow model needs none of these.
 */
public record SamplerTarget(ProcessKind process, NoiseSchedule schedule, Prediction prediction, boolean learnedVariance, X0Transform x0Transform) {
    public SamplerTarget {
        if (process == null) throw new IllegalArgumentException("SamplerTarget: the process kind is required");
        if (process == ProcessKind.DIFFUSION && (schedule == null || prediction == null))
            throw new IllegalArgumentException("SamplerTarget: a diffusion model needs its schedule and prediction");
        if (x0Transform == null) x0Transform = X0Transform.NONE;
    }

    public static SamplerTarget diffusion(NoiseSchedule schedule, Prediction prediction, boolean learnedVariance) {
        return new SamplerTarget(ProcessKind.DIFFUSION, schedule, prediction, learnedVariance, X0Transform.NONE);
    }

    public static SamplerTarget flow() { return new SamplerTarget(ProcessKind.FLOW, null, null, false, X0Transform.NONE); }

    /** The target a checkpoint describes: its process kind and diffusion keys. */
    public static SamplerTarget of(ProcessKind process, DiffusionSpec spec) {
        return process == ProcessKind.FLOW ? flow() : diffusion(spec.noiseSchedule(), spec.prediction(), spec.learnedVariance());
    }

    public SamplerTarget withX0Transform(X0Transform t) { return new SamplerTarget(process, schedule, prediction, learnedVariance, t); }

    /** The number of training timesteps T (a diffusion model), or 0 (a flow model: continuous t). */
    public int timesteps() { return schedule == null ? 0 : schedule.timesteps(); }

    /** "an ε-prediction diffusion model (T = 1000)", "a flow-matching model (velocity, t ∈ [0, 1])". */
    public String describe() {
        if (process == ProcessKind.FLOW) return "a flow-matching model (velocity, t ∈ [0, 1])";
        String p = switch (prediction) {
            case EPS -> "an ε-prediction";
            case X0 -> "an x0-prediction";
            case V -> "a v-prediction";
        };
        return p + " diffusion model (T = " + schedule.timesteps() + (schedule.isZeroTerminalSnr() ? ", zero terminal SNR" : "")
                + (learnedVariance ? ", learned variance" : "") + ")";
    }
}
