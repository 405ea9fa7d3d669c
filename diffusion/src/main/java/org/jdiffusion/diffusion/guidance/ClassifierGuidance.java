package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ReverseProcess;
import org.jdiffusion.diffusion.sampling.MeanShift;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * Classifier guidance (Dhariwal &amp; Nichol 2021) with a scale s and a classifier gradient
 * g = ∇_{x_t} log p_φ(y | x_t):
 * <ul>
 *   <li>{@link #meanShift}: Algorithm 1, for ancestral sampling — μ ← μ + s·Σ·g;</li>
 *   <li>{@link #guidedModel}: Algorithm 2, for DDIM and other ODE samplers — ε̂ ← ε̂ − s·√(1−ᾱ_t)·g,
 *       returned in the model's own parameterisation.</li>
 * </ul>
 */
public final class ClassifierGuidance {
    private ClassifierGuidance() {}

    /** Algorithm 1, line 4: the DDPM mean is shifted by s·Σ·∇ log p_φ(y | x_t) for the given labels. */
    public static MeanShift meanShift(ClassifierGradient classifier, double s, Tensor y) {
        return (x, t, variance) -> variance.mul(classifier.gradLogProb(x, t, y)).mul(s);
    }

    /** Algorithm 2, line 4: ε̂(x_t) − s·√(1−ᾱ_t)·∇ log p_φ(y | x_t), as the model's own kind of output. */
    public static Denoiser guidedModel(Denoiser model, ClassifierGradient classifier, double s, NoiseSchedule schedule,
                                       Prediction prediction, boolean learnedVariance) {
        return (xt, t, y) -> {
            if (y == null) throw new IllegalArgumentException("classifier guidance: needs labels y for x_t " + xt.describe());
            Tensor out = model.predict(xt, t, y), var = null;
            if (learnedVariance) {
                Tensor[] parts = ReverseProcess.splitLearnedVariance(out);
                out = parts[0];
                var = parts[1];
            }
            Tensor a = Coefficients.perSample(schedule::sqrtAlphaBar, t, xt), sg = Coefficients.perSample(schedule::sqrtOneMinusAlphaBar, t, xt);
            Tensor eps = Parameterization.eps(prediction, out, xt, a, sg).sub(sg.mul(classifier.gradLogProb(xt, t, y)).mul(s));
            Tensor x0 = Parameterization.x0(Prediction.EPS, eps, xt, a, sg);
            Tensor guided = Parameterization.output(prediction, x0, eps, a, sg);
            return var == null ? guided : Join.cat(List.of(guided, var), 1);
        };
    }
}
