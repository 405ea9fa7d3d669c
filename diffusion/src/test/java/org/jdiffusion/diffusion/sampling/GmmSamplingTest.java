package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.toy.GaussianMixture;
import org.jdiffusion.diffusion.toy.MixtureDenoiser;
import org.jdiffusion.diffusion.toy.MixtureMoments;
import org.jdiffusion.diffusion.toy.Mixtures;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Every sampler driven by the exact denoiser of a Gaussian mixture must reproduce the mixture: its
 * weights, and each component's mean and covariance. With 16000 samples (6000 for the 1000-step
 * DDPM) the statistical error alone is about 0.004 (0.006) in weight, 0.02 (0.03) in mean/σ and
 * 0.025 (0.04) in relative covariance for the smallest component; the tolerances add room for each
 * sampler's discretisation error and little more.
 */
class GmmSamplingTest {
    static final GaussianMixture GM = Mixtures.THREE;
    private final NoiseSchedule lin = NoiseSchedule.linear(1000);

    private static Tensor sample(Sampler s, NoiseSchedule sch, Prediction p, int n, long seed) {
        Denoiser model = new MixtureDenoiser(sch, p, GM);
        return SamplingLoop.sample(s, model, new int[]{n, 2}, null, seed, DType.FLOAT64, Device.CPU);
    }

    @Test
    void ddpmWithAThousandSteps() {
        Tensor x = sample(DdpmSampler.full(lin, Prediction.EPS, VarianceType.FIXED_SMALL), lin, Prediction.EPS, 6000, 1);
        MixtureMoments.of(GM, x).assertMatches(GM, 0.02, 0.12, 0.1, "DDPM 1000, σ² = β̃");
    }

    @Test
    void ddimWithFiftyAndAHundredSteps() {
        MixtureMoments.of(GM, sample(DdimSampler.of(lin, Prediction.EPS, 100, Spacing.LINSPACE, 0), lin, Prediction.EPS, 16000, 2))
                .assertMatches(GM, 0.015, 0.08, 0.08, "DDIM 100");
        MixtureMoments.of(GM, sample(DdimSampler.of(lin, Prediction.EPS, 50, Spacing.LINSPACE, 0), lin, Prediction.EPS, 16000, 3))
                .assertMatches(GM, 0.015, 0.12, 0.08, "DDIM 50");
        MixtureMoments.of(GM, sample(DdimSampler.of(lin, Prediction.X0, 100, Spacing.TRAILING, 1), lin, Prediction.X0, 16000, 4))
                .assertMatches(GM, 0.015, 0.08, 0.18, "DDIM 100, η = 1, x0-prediction");
    }

    @Test
    void dpmSolverPlusPlusWithTwentySteps() {
        MixtureMoments.of(GM, sample(DpmSolverPlusPlus2M.of(lin, Prediction.EPS, 20, Spacing.QUADRATIC), lin, Prediction.EPS, 16000, 5))
                .assertMatches(GM, 0.015, 0.08, 0.13, "DPM-Solver++(2M) 20");
    }

    @Test
    void zeroTerminalSnrWithVPrediction() {
        NoiseSchedule z = NoiseSchedule.cosine(1000).rescaleZeroTerminalSnr();
        MixtureMoments.of(GM, sample(DdimSampler.of(z, Prediction.V, 50, Spacing.TRAILING, 0), z, Prediction.V, 16000, 6))
                .assertMatches(GM, 0.015, 0.08, 0.12, "zero SNR, DDIM 50 trailing, v");
        MixtureMoments.of(GM, sample(DpmSolverPlusPlus2M.of(z, Prediction.V, 20, Spacing.TRAILING), z, Prediction.V, 16000, 7))
                .assertMatches(GM, 0.015, 0.08, 0.08, "zero SNR, DPM-Solver++ 20 trailing, v");
    }
}
