package org.jdiffusion.diffusion.likelihood;

import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.ForwardProcess;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ReverseProcess;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * The variational bound on −log p_θ(x_0) in bits/dim, exactly as in Ho et al. 2020 (eq. 5, §3.3) and
 * Nichol &amp; Dhariwal 2021 (§2.1):
 * <pre>
 *   L = L_T + Σ_{t≥1} L_t + L_0,   L_T = KL(q(x_{T−1}|x_0) ‖ N(0, I)),
 *   L_t = KL(q(x_{t−1}|x_t, x_0) ‖ p_θ(x_{t−1}|x_t))  with x_t ~ q(x_t|x_0),
 *   L_0 = −log p_θ(x_0|x_0')  (discretised Gaussian, 8-bit data in [−1, 1])
 * </pre>
 * each term averaged over the dimensions and divided by ln 2. With a stride k only t = 1, 1+k, 1+2k, …
 * are evaluated (L_0 always), each standing for the k timesteps of its block.
 */
public final class VariationalBound {
    private final NoiseSchedule schedule;
    private final ReverseProcess reverse;
    private final ForwardProcess forward;

    public VariationalBound(NoiseSchedule schedule, Prediction prediction, VarianceType varianceType) {
        this.schedule = schedule;
        this.reverse = new ReverseProcess(schedule, prediction, varianceType);
        this.forward = new ForwardProcess(schedule);
    }

    /** L_T in bits/dim per sample [B]: KL(N(√ᾱ_{T−1}·x_0, 1−ᾱ_{T−1}) ‖ N(0, 1)). */
    public Tensor priorBpd(Tensor x0) {
        Tensor tLast = Coefficients.fill(schedule.timesteps() - 1, x0.size(0), x0.device());
        ForwardProcess.Gaussian q = forward.qMarginal(x0, tLast);
        Tensor zero = Coefficients.scalar(0, x0);
        return meanBits(GaussianMath.normalKl(q.mean(), q.logVariance(), zero, zero));
    }

    /**
     * L_t in bits/dim per sample [B] at one timestep t for x_t = q_sample(x_0, t, ε), with the model's
     * output at (x_t, t): the Gaussian KL for t ≥ 1, the decoder NLL at t = 0.
     */
    public Tensor termBpd(Tensor x0, Tensor xt, int t, Tensor modelOutput) {
        Tensor tb = Coefficients.fill(t, x0.size(0), x0.device());
        ReverseProcess.Step p = reverse.step(modelOutput, xt, tb, null);
        if (t == 0) {
            // L_0 = −log p_θ(x_0 | x_0') with σ = exp(½·log Σ_θ)
            Tensor logScale = p.logVariance().mul(0.5);
            return meanBits(GaussianMath.discretizedGaussianLogLikelihood(x0, p.mean(), logScale).neg());
        }
        ForwardProcess.Gaussian q = forward.qPosterior(x0, xt, tb);
        return meanBits(GaussianMath.normalKl(q.mean(), q.logVariance(), p.mean(), p.logVariance()));
    }

    /** Every term for a batch x_0 [B, …] (8-bit values in [−1, 1]); noise draws the x_t, stride ≥ 1 thins t ≥ 1. */
    public BoundTerms evaluate(Denoiser model, Tensor x0, Tensor y, Noise noise, int stride) {
        int T = schedule.timesteps();
        if (x0.dim() < 2) throw new IllegalArgumentException("VariationalBound: x_0 must be a batch [B, …] of at least 2 dims, got " + x0.describe());
        if (stride < 1 || stride >= T) throw new IllegalArgumentException("VariationalBound: stride must be in 1.." + (T - 1) + ", got " + stride);
        int b = x0.size(0);
        double[] per = new double[T], weights = new double[T];
        Arrays.fill(per, Double.NaN);
        double[] totals = priorBpd(x0).toDoubleArray();
        double prior = mean(totals);
        for (int t = 0; t < T; t = t == 0 ? 1 : t + stride) {
            Tensor tb = Coefficients.fill(t, b, x0.device());
            Tensor xt = forward.qSample(x0, tb, noise.normalLike(x0));
            double[] term = termBpd(x0, xt, t, model.predict(xt, tb, y)).toDoubleArray();
            weights[t] = t == 0 ? 1 : Math.min(stride, T - t);
            per[t] = mean(term);
            for (int i = 0; i < b; i++) totals[i] += weights[t] * term[i];
        }
        return new BoundTerms(prior, per, weights, mean(totals), b);
    }

    private static Tensor meanBits(Tensor perElement) {
        int[] dims = new int[perElement.dim() - 1];
        for (int i = 0; i < dims.length; i++) dims[i] = i + 1;
        return perElement.mean(dims, false).div(Math.log(2));
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }
}
