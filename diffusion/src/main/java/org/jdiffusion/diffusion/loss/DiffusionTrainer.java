package org.jdiffusion.diffusion.loss;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.guidance.ConditionDropout;
import org.jdiffusion.nn.optim.GradClip;
import org.jdiffusion.nn.optim.Optimizer;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

/**
 * One training step of a U-Net under a {@link DiffusionSpec}: labels dropped to the null class with
 * probability p_uncond (classifier-free guidance), t from the timestep sampler, x_t from the forward
 * process, then L_simple — or min-SNR-γ weighted when γ &gt; 0, or the hybrid loss when the spec
 * learns its variance — backward, optional global-norm clipping, and the optimizer step.
 */
public final class DiffusionTrainer {
    /**
     * @param minSnrGamma γ of min-SNR weighting, 0 for L_simple
     * @param pUncond     label dropout for classifier-free guidance (ignored when unconditional)
     * @param importance  importance-sampled timesteps for the hybrid loss's L_vlb
     * @param clipNorm    global gradient-norm limit, 0 for none
     */
    public record Options(double minSnrGamma, double pUncond, boolean importance, double clipNorm) {
        public static Options defaults() { return new Options(0, ConditionDropout.DEFAULT_P_UNCOND, false, 1.0); }
    }

    private final UNet net;
    private final Optimizer optimizer;
    private final DiffusionSpec spec;
    private final Options options;
    private final DiffusionLoss loss;
    private final HybridLoss hybrid;
    private final TimestepSampler timesteps;
    private final ConditionDropout dropout;

    public DiffusionTrainer(UNet net, Optimizer optimizer, DiffusionSpec spec, Options options) {
        if (net.config().learnedVariance() != spec.learnedVariance())
            throw new IllegalArgumentException("DiffusionTrainer: the network's learnedVariance (" + net.config().learnedVariance()
                    + ") differs from the spec's (" + spec.learnedVariance() + ")");
        if (net.config().numClasses() != spec.numClasses())
            throw new IllegalArgumentException("DiffusionTrainer: the network has " + net.config().numClasses() + " classes, the spec "
                    + spec.numClasses());
        this.net = net;
        this.optimizer = optimizer;
        this.spec = spec;
        this.options = options;
        NoiseSchedule s = spec.noiseSchedule();
        this.loss = new DiffusionLoss(s, spec.prediction());
        this.hybrid = spec.learnedVariance() ? new HybridLoss(s, spec.prediction()) : null;
        this.timesteps = options.importance() && spec.learnedVariance() ? new ImportanceTimesteps(s.timesteps()) : new UniformTimesteps(s.timesteps());
        this.dropout = spec.numClasses() > 0 ? new ConditionDropout(options.pUncond(), spec.nullClass()) : null;
    }

    /** One step on x_0 [B, C, S, S] with labels y (int64 [B], or null when unconditional); returns the loss. */
    public double step(Tensor x0, Tensor y, Generator g) {
        net.train();
        Tensor labels = dropout == null ? null : dropout.apply(y, g);
        TimestepSampler.Draw draw = timesteps.sample(x0.size(0), g, x0.device());
        NoisyBatch b = loss.noisy(x0, draw.t(), g);
        Variable out = net.forward(Variable.constant(b.xt()), b.t(), labels);
        Variable l;
        if (hybrid != null) {
            HybridLoss.Terms terms = hybrid.compute(out, b, draw.weights());
            timesteps.update(b.t(), terms.vlbPerSample());
            l = terms.loss();
        } else {
            l = options.minSnrGamma() > 0 ? loss.minSnr(out, b, options.minSnrGamma()) : loss.simple(out, b);
        }
        optimizer.zeroGrad();
        l.backward();
        if (options.clipNorm() > 0) GradClip.clipGlobalNorm(optimizer.parameters().values(), options.clipNorm());
        optimizer.step();
        return l.item();
    }

    public DiffusionSpec spec() { return spec; }
}
