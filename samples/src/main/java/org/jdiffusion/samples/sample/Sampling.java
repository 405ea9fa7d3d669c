package org.jdiffusion.samples.sample;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.NetworkDenoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.sampling.DdimSampler;
import org.jdiffusion.diffusion.sampling.DdpmSampler;
import org.jdiffusion.diffusion.sampling.DpmSolverPlusPlus2M;
import org.jdiffusion.diffusion.sampling.Sampler;
import org.jdiffusion.diffusion.sampling.Spacing;
import org.jdiffusion.samples.train.Nets;

import java.util.Locale;

/** The samplers the program offers, built from a checkpoint's diffusion spec, and a network as a {@link Denoiser}. */
public final class Sampling {
    private Sampling() {}

    public enum Kind {
        DDPM, DDIM, DPMPP2M;

        public static Kind parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "ddpm" -> DDPM;
                case "ddim" -> DDIM;
                case "dpmpp2m", "dpm++2m", "dpmsolver++" -> DPMPP2M;
                default -> throw new IllegalArgumentException("unknown sampler '" + s + "' (expected ddpm, ddim or dpmpp2m)");
            };
        }
    }

    /**
     * A fresh sampler over {@code steps} of the spec's T timesteps (all T for steps ≥ T with DDPM):
     * DDPM with the learned variance when the spec has one, else β̃; DDIM with η; DPM-Solver++(2M)
     * on log-SNR spacing.
     */
    public static Sampler sampler(Kind kind, DiffusionSpec spec, int steps, double eta) {
        NoiseSchedule s = spec.noiseSchedule();
        int n = Math.min(steps, s.timesteps());
        Spacing spacing = spec.zeroSnr() ? Spacing.TRAILING : Spacing.LINSPACE;
        return switch (kind) {
            case DDPM -> new DdpmSampler(s, spec.prediction(), spec.learnedVariance() ? VarianceType.LEARNED_RANGE : VarianceType.FIXED_SMALL,
                    spacing.timesteps(s, n), null);
            case DDIM -> new DdimSampler(s, spec.prediction(), spacing.timesteps(s, n), eta, null);
            case DPMPP2M -> DpmSolverPlusPlus2M.of(s, spec.prediction(), n, spec.zeroSnr() ? Spacing.TRAILING : Spacing.LOG_SNR);
        };
    }

    /** The network (in eval mode, as loaded) without gradients: diffusion's one network adapter. */
    public static Denoiser denoiser(Nets.Net net) { return new NetworkDenoiser(net::forward); }

    /** d with each call inside a bf16 {@link org.jdiffusion.tensor.Autocast} scope (the network's GEMMs, convolutions and attention). */
    public static Denoiser bf16(Denoiser d) {
        return (xt, t, y) -> {
            try (var scope = org.jdiffusion.tensor.Autocast.bf16()) {
                return d.predict(xt, t, y);
            }
        };
    }
}
