package org.jdiffusion.diffusion.loss;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.ReduceFunctions;
import org.jdiffusion.autograd.ShapeFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.ForwardProcess;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.Tensor;

/**
 * The hybrid objective of a network that also learns its variance (Nichol &amp; Dhariwal 2021, §3.1):
 * L_hybrid = L_simple + λ·L_vlb with λ = 0.001. The output [B, 2C, …] holds the prediction and
 * v ∈ [−1, 1] with log Σ_θ = ((v+1)/2)·log β_t + (1 − (v+1)/2)·log β̃_t (eq. 15). L_vlb = Σ_t L_t is
 * estimated as T·E_t[w_t·L_t] (w_t = 1 for uniform t, 1/(T·p_t) for importance-sampled t), each
 * L_t in bits/dim with the mean detached (a stop-gradient on μ_θ, so L_vlb guides Σ_θ only):
 * <pre>
 *   t ≥ 1: L_t = KL(q(x_{t−1} | x_t, x_0) ‖ N(μ_θ, Σ_θ)),     t = 0: L_0 = −log p_θ(x_0 | x_0')
 * </pre>
 * The decoder term uses the tanh approximation Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715x³))) so it is
 * differentiable with the ops at hand; the likelihood evaluation uses the exact Φ.
 */
public final class HybridLoss {
    public static final double DEFAULT_LAMBDA = 0.001;

    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final double lambda;
    private final ForwardProcess forward;
    private final DiffusionLoss simple;

    public HybridLoss(NoiseSchedule schedule, Prediction prediction, double lambda) {
        if (!(lambda >= 0)) throw new IllegalArgumentException("HybridLoss: λ must be >= 0, got " + lambda);
        this.schedule = schedule;
        this.prediction = prediction;
        this.lambda = lambda;
        this.forward = new ForwardProcess(schedule);
        this.simple = new DiffusionLoss(schedule, prediction);
    }

    public HybridLoss(NoiseSchedule schedule, Prediction prediction) { this(schedule, prediction, DEFAULT_LAMBDA); }

    /** The loss and its parts: L_simple, the L_vlb estimate, and each sample's L_t (bits/dim, for importance sampling). */
    public record Terms(Variable loss, Variable simple, Variable vlb, Tensor vlbPerSample) {}

    /** importanceWeights [B] (1/(T·p_t)) or null for uniform timesteps. */
    public Terms compute(Variable output, NoisyBatch b, Tensor importanceWeights) {
        int c = b.x0().size(1);
        if (output.dim() != b.x0().dim() || output.size(1) != 2 * c)
            throw new IllegalArgumentException("HybridLoss: output " + output.data().describe() + " must have twice the channels of x_0 "
                    + b.x0().describe() + " (prediction, then the variance interpolation)");
        Variable meanOut = ShapeFunctions.narrow(output, 1, 0, c), varOut = ShapeFunctions.narrow(output, 1, c, c);
        Variable lSimple = LossFunctions.mse(meanOut, simple.target(b));
        Variable perT = vlbTerms(meanOut.data(), varOut, b);
        Variable weighted = importanceWeights == null ? perT
                : PointwiseFunctions.mul(perT, Variable.constant(importanceWeights.to(output.dtype())));
        Variable vlb = PointwiseFunctions.mulScalar(ReduceFunctions.mean(weighted), schedule.timesteps());
        Variable loss = PointwiseFunctions.add(lSimple, PointwiseFunctions.mulScalar(vlb, lambda));
        return new Terms(loss, lSimple, vlb, perT.data());
    }

    /** L_t of each sample in bits/dim [B], differentiable in the variance part only. */
    public Variable vlbTerms(Tensor meanOut, Variable varOut, NoisyBatch b) {
        Tensor xt = b.xt(), t = b.t();
        long[] ts = Coefficients.timesteps("HybridLoss", t, xt, schedule.timesteps());
        Tensor a = forward.sqrtAlphaBar(t, xt), s = forward.sqrtOneMinusAlphaBar(t, xt);
        // (1) μ_θ from the detached prediction: x̂_0, then μ̃_t(x̂_0, x_t)   (eq. 7)
        Tensor x0 = Parameterization.x0(prediction, meanOut, xt, a, s);
        Tensor mean = Coefficients.perSample(schedule::posteriorMeanCoef1, t, xt).mul(x0)
                .add(Coefficients.perSample(schedule::posteriorMeanCoef2, t, xt).mul(xt));
        // (2) log Σ_θ = frac·log β_t + (1 − frac)·log β̃_t, frac = (v + 1)/2   (eq. 15)
        Tensor maxLog = Coefficients.perSample(u -> Math.log(schedule.beta(u)), t, xt);
        Tensor minLog = Coefficients.perSample(schedule::posteriorLogVarianceClipped, t, xt);
        Variable frac = PointwiseFunctions.mulScalar(PointwiseFunctions.addScalar(varOut, 1), 0.5);
        Variable logVar = PointwiseFunctions.add(Variable.constant(minLog), PointwiseFunctions.mul(frac, Variable.constant(maxLog.sub(minLog))));
        // (3) t ≥ 1: KL(q ‖ p_θ) = ½(−1 + log Σ_θ − log β̃ + β̃/Σ_θ + (μ̃ − μ_θ)²/Σ_θ)
        ForwardProcess.Gaussian q = forward.qPosterior(b.x0(), xt, t);
        Variable invVar = PointwiseFunctions.exp(PointwiseFunctions.neg(logVar));
        Tensor sq = q.mean().sub(mean).square();
        Variable kl = PointwiseFunctions.mulScalar(PointwiseFunctions.addScalar(PointwiseFunctions.add(
                PointwiseFunctions.sub(logVar, Variable.constant(q.logVariance().expand(xt.shape()))),
                PointwiseFunctions.mul(invVar, Variable.constant(q.logVariance().exp().add(sq)))), -1), 0.5);
        // (4) t = 0: −log p_θ(x_0 | x_0'), discretised Gaussian with σ = exp(½·log Σ_θ)
        Variable nll = PointwiseFunctions.neg(discretizedLogLikelihood(b.x0(), mean, PointwiseFunctions.mulScalar(logVar, 0.5)));
        Tensor isZero = Coefficients.perSample(u -> u == 0 ? 1 : 0, t, xt).expand(xt.shape());
        boolean anyZero = false;
        for (long v : ts) anyZero |= v == 0;
        Variable perElement = anyZero ? PointwiseFunctions.where(isZero, nll, kl) : kl;
        int[] dims = new int[xt.dim() - 1];
        for (int i = 0; i < dims.length; i++) dims[i] = i + 1;
        return PointwiseFunctions.mulScalar(ReduceFunctions.mean(perElement, dims, false), 1 / Math.log(2));
    }

    /** log P(x | μ, σ) of 8-bit data with the tanh-approximated Φ, differentiable in logScale (the reference code's form). */
    static Variable discretizedLogLikelihood(Tensor x, Tensor mean, Variable logScale) {
        Tensor centered = x.sub(mean);
        Variable invStd = PointwiseFunctions.exp(PointwiseFunctions.neg(logScale));
        Variable cdfPlus = approxCdf(PointwiseFunctions.mul(invStd, Variable.constant(centered.add(1.0 / 255))));
        Variable cdfMin = approxCdf(PointwiseFunctions.mul(invStd, Variable.constant(centered.sub(1.0 / 255))));
        Variable logCdfPlus = PointwiseFunctions.log(PointwiseFunctions.clamp(cdfPlus, 1e-12, Double.MAX_VALUE));
        Variable logOneMinusCdfMin = PointwiseFunctions.log(PointwiseFunctions.clamp(
                PointwiseFunctions.addScalar(PointwiseFunctions.neg(cdfMin), 1), 1e-12, Double.MAX_VALUE));
        Variable logDelta = PointwiseFunctions.log(PointwiseFunctions.clamp(PointwiseFunctions.sub(cdfPlus, cdfMin), 1e-12, Double.MAX_VALUE));
        return PointwiseFunctions.where(x.lt(-0.999), logCdfPlus, PointwiseFunctions.where(x.gt(0.999), logOneMinusCdfMin, logDelta));
    }

    /** Φ(x) ≈ ½(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static Variable approxCdf(Variable x) {
        Variable inner = PointwiseFunctions.add(x, PointwiseFunctions.mulScalar(PointwiseFunctions.pow(x, 3), 0.044715));
        return PointwiseFunctions.mulScalar(PointwiseFunctions.addScalar(PointwiseFunctions.tanh(
                PointwiseFunctions.mulScalar(inner, Math.sqrt(2 / Math.PI))), 1), 0.5);
    }
}
