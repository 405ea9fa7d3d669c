package org.jdiffusion.diffusion.loss;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.ReduceFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.ForwardProcess;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * The regression objectives of a network predicting ε, x_0 or v ({@link Prediction}), on a
 * {@link NoisyBatch}:
 * <ul>
 *   <li>{@link #simple}: ‖target − output‖² averaged (Ho et al. 2020, eq. 14, L_simple, for ε);</li>
 *   <li>{@link #minSnr}: per-sample weights min(SNR, γ) on the x_0 error (Hang et al. 2023), i.e.
 *       min(SNR, γ)/SNR for ε — written as 1 where SNR ≤ γ, so it stays finite at SNR 0 — and
 *       min(SNR, γ)/(SNR + 1) for v;</li>
 *   <li>{@link #elbo}: the true ELBO weights (Ho et al. 2020, eq. 12) — L_t = ‖μ̃_t − μ_θ‖²/(2σ_t²) =
 *       c_t²/(2σ_t²)·‖x_0 − x̂_0‖² with c_t the posterior's x_0 coefficient — estimated as T·E_t[L_t]
 *       in nats per dimension (at t = 0 the Gaussian decoder with σ_0² = the clipped variance).</li>
 * </ul>
 * Each weight on the x_0 error is carried to the prediction's own error: ‖x_0 − x̂_0‖² =
 * (1/SNR)·‖ε − ε̂‖² = (1−ᾱ)·‖v − v̂‖².
 */
public final class DiffusionLoss {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final ForwardProcess forward;

    public DiffusionLoss(NoiseSchedule schedule, Prediction prediction) {
        this.schedule = schedule;
        this.prediction = prediction;
        this.forward = new ForwardProcess(schedule);
    }

    public NoiseSchedule schedule() { return schedule; }

    public Prediction prediction() { return prediction; }

    /** ε ~ N(0, I) from g and x_t at the given timesteps. */
    public NoisyBatch noisy(Tensor x0, Tensor t, Generator g) {
        Tensor eps = Rand.normal(g, 0, 1, x0.dtype(), x0.device(), x0.shape());
        return new NoisyBatch(x0, t, eps, forward.qSample(x0, t, eps));
    }

    /** Uniform timesteps, then {@link #noisy(Tensor, Tensor, Generator)}. */
    public NoisyBatch noisy(Tensor x0, Generator g) { return noisy(x0, forward.uniformTimesteps(g, x0.size(0), x0.device()), g); }

    /** What the network should output: ε, x_0 or v = √ᾱ·ε − √(1−ᾱ)·x_0. */
    public Tensor target(NoisyBatch b) {
        return Parameterization.target(prediction, b.x0(), b.eps(), forward.sqrtAlphaBar(b.t(), b.x0()), forward.sqrtOneMinusAlphaBar(b.t(), b.x0()));
    }

    /** L_simple: mean of (target − output)² over every element. */
    public Variable simple(Variable output, NoisyBatch b) {
        checkOutput("simple", output, b);
        return LossFunctions.mse(output, target(b));
    }

    /** mean over the batch of w_b · mean over the sample's elements of (target − output)²; weights [B]. */
    public Variable weighted(Variable output, NoisyBatch b, Tensor weights) {
        checkOutput("weighted", output, b);
        if (weights.dim() != 1 || weights.size(0) != b.x0().size(0))
            throw new IllegalArgumentException("weighted loss: weights " + weights.describe() + " must be [" + b.x0().size(0) + "]");
        return ReduceFunctions.mean(PointwiseFunctions.mul(perSample(output, b), Variable.constant(weights.to(output.dtype()))));
    }

    /** The squared error of each sample, averaged over its elements: [B]. */
    public Variable perSample(Variable output, NoisyBatch b) {
        Variable sq = PointwiseFunctions.square(PointwiseFunctions.sub(output, Variable.constant(target(b))));
        int[] dims = new int[output.dim() - 1];
        for (int i = 0; i < dims.length; i++) dims[i] = i + 1;
        return dims.length == 0 ? sq : ReduceFunctions.mean(sq, dims, false);
    }

    /** Min-SNR-γ weighting (γ = 5 in the paper), finite everywhere including SNR 0. */
    public Variable minSnr(Variable output, NoisyBatch b, double gamma) { return weighted(output, b, minSnrWeights(b.t(), gamma, b.x0())); }

    /** The min-SNR-γ weight of each sample on this prediction's error, [B]. */
    public Tensor minSnrWeights(Tensor t, double gamma, Tensor like) {
        if (!(gamma > 0)) throw new IllegalArgumentException("minSnr: γ must be > 0, got " + gamma);
        return Coefficients.perSample(u -> {
            double snr = schedule.snr(u);
            return switch (prediction) {
                case EPS -> snr <= gamma ? 1 : gamma / snr;          // min(SNR, γ)/SNR
                case X0 -> Math.min(snr, gamma);
                case V -> Math.min(snr, gamma) / (snr + 1);
            };
        }, t, like).reshape(-1);
    }

    /** T·E_t[L_t]: the ELBO-weighted squared error in nats per dimension, σ_t² fixed to β̃_t or β_t. */
    public Variable elbo(Variable output, NoisyBatch b, VarianceType variance) {
        return PointwiseFunctions.mulScalar(weighted(output, b, elboWeights(b.t(), variance, b.x0())), schedule.timesteps());
    }

    /** λ_t on this prediction's squared error: c_t²/(2σ_t²) on the x_0 error, carried over as above; [B]. */
    public Tensor elboWeights(Tensor t, VarianceType variance, Tensor like) {
        if (variance == VarianceType.LEARNED_RANGE)
            throw new IllegalArgumentException("elbo: the ELBO weights need a fixed variance (FIXED_SMALL or FIXED_LARGE); a learned one goes through HybridLoss");
        return Coefficients.perSample(u -> {
            double c = schedule.posteriorMeanCoef1(u);
            double var = variance == VarianceType.FIXED_SMALL || u == 0 ? Math.exp(schedule.posteriorLogVarianceClipped(u)) : schedule.beta(u);
            double onX0 = c * c / (2 * var);
            double ab = schedule.alphaBar(u);
            return switch (prediction) {
                case EPS -> onX0 * (1 - ab) / ab;
                case X0 -> onX0;
                case V -> onX0 * (1 - ab);
            };
        }, t, like).reshape(-1);
    }

    private static void checkOutput(String op, Variable output, NoisyBatch b) {
        if (!java.util.Arrays.equals(output.shape(), b.x0().shape()))
            throw new IllegalArgumentException(op + " loss: network output " + output.data().describe() + " does not match x_0 "
                    + b.x0().describe() + " (a learned-variance output goes through HybridLoss)");
    }
}
