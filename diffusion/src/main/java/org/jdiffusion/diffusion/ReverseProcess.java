package org.jdiffusion.diffusion;

import org.jdiffusion.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * The model's reverse step p_θ(x_{t−1} | x_t) = N(μ_θ, Σ_θ) built from a network output (Ho et al.
 * 2020, §3.2; Nichol &amp; Dhariwal 2021, §3.1): the output is turned into x̂_0 (then optionally
 * transformed, e.g. clipped), and μ_θ = μ̃_t(x̂_0, x_t) is the posterior mean at that x̂_0 (eq. 7);
 * Σ_θ follows the {@link VarianceType}. Timesteps index this schedule (which may be a respaced one)
 * and may differ per sample.
 */
public final class ReverseProcess {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final VarianceType varianceType;

    public ReverseProcess(NoiseSchedule schedule, Prediction prediction, VarianceType varianceType) {
        this.schedule = schedule;
        this.prediction = prediction;
        this.varianceType = varianceType;
    }

    public NoiseSchedule schedule() { return schedule; }

    public Prediction prediction() { return prediction; }

    public VarianceType varianceType() { return varianceType; }

    /** μ_θ, log σ_t² (broadcasting against x_t), and the x̂_0 and ε̂ behind them. */
    public record Step(Tensor mean, Tensor logVariance, Tensor predX0, Tensor predEps) {}

    /** Splits an output with learned variance into its mean part and its variance part (halves of dim 1). */
    public static Tensor[] splitLearnedVariance(Tensor output) {
        if (output.dim() < 2 || output.size(1) % 2 != 0)
            throw new IllegalArgumentException("learned variance: output " + output.describe()
                    + " must have an even channel dim 1 (mean channels then variance channels)");
        int c = output.size(1) / 2;
        return new Tensor[]{output.narrow(1, 0, c), output.narrow(1, c, c)};
    }

    /** The reverse step at per-sample timesteps t (int64 [B], indices into this schedule). */
    public Step step(Tensor output, Tensor xt, Tensor t, UnaryOperator<Tensor> x0Transform) {
        Tensor meanOut = output, varOut = null;
        if (varianceType == VarianceType.LEARNED_RANGE) {
            Tensor[] parts = splitLearnedVariance(output);
            meanOut = parts[0];
            varOut = parts[1];
        }
        if (!java.util.Arrays.equals(meanOut.shape(), xt.shape()))
            throw new IllegalArgumentException("reverse step: model output " + output.describe() + " does not fit x_t " + xt.describe()
                    + (varianceType == VarianceType.LEARNED_RANGE ? " (expected twice x_t's channels for a learned variance)"
                                                                  : " (expected x_t's shape)"));
        Tensor a = Coefficients.perSample(schedule::sqrtAlphaBar, t, xt);
        Tensor s = Coefficients.perSample(schedule::sqrtOneMinusAlphaBar, t, xt);
        Tensor x0 = Parameterization.x0(prediction, meanOut, xt, a, s);
        Tensor eps;
        if (x0Transform != null) {
            Tensor clipped = x0Transform.apply(x0);
            eps = clipped == x0 ? Parameterization.eps(prediction, meanOut, xt, a, s) : Parameterization.epsFromX0(clipped, xt, a, s);
            x0 = clipped;
        } else {
            eps = Parameterization.eps(prediction, meanOut, xt, a, s);
        }
        // μ_θ(x_t, t) = μ̃_t(x̂_0, x_t) = coef1·x̂_0 + coef2·x_t   (eq. 7 with x_0 ← x̂_0)
        Tensor mean = Coefficients.perSample(schedule::posteriorMeanCoef1, t, xt).mul(x0)
                .add(Coefficients.perSample(schedule::posteriorMeanCoef2, t, xt).mul(xt));
        Tensor logVar = switch (varianceType) {
            case FIXED_SMALL -> Coefficients.perSample(schedule::posteriorLogVarianceClipped, t, xt);
            case FIXED_LARGE -> Coefficients.perSample(this::logBetaLarge, t, xt);
            case LEARNED_RANGE -> {
                // log Σ_θ = v·log β_t + (1 − v)·log β̃_t,  v = (output + 1)/2   (Nichol & Dhariwal 2021, eq. 15)
                Tensor maxLog = Coefficients.perSample(u -> Math.log(schedule.beta(u)), t, xt);
                Tensor minLog = Coefficients.perSample(schedule::posteriorLogVarianceClipped, t, xt);
                Tensor frac = varOut.add(1).div(2);
                yield frac.mul(maxLog).add(frac.neg().add(1).mul(minLog));
            }
        };
        return new Step(mean, logVar, x0, eps);
    }

    /** log β_t, with β̃_1 in place of β_0 at t = 0 so the decoder's variance is not too small (their code). */
    private double logBetaLarge(int t) { return t == 0 ? Math.log(schedule.posteriorVariance(1)) : Math.log(schedule.beta(t)); }
}
