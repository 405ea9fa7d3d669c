package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.likelihood.BoundTerms;
import org.jdiffusion.diffusion.likelihood.VariationalBound;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.samples.sample.LoadedModel;
import org.jdiffusion.samples.sample.Sampling;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;

import java.util.Locale;

/**
 * The variational bound of one checkpoint on the first {@code images} test digits, in bits/dim
 * (Ho et al. 2020, eq. 5): the prior L_T, the sum of the KL terms L_t (t ≥ 1), the decoder L_0 and
 * the total; with stride k every k-th timestep stands for its block. A conditional model is
 * evaluated unconditionally (the null class). A learned variance (the hybrid objective of Nichol
 * and Dhariwal 2021) enters the KL terms through Σ_θ, a fixed one as β̃_t.
 */
public record Likelihood(String checkpoint, String objective, boolean learnedVariance, long step, int images, int stride, int timesteps, BoundTerms terms) {

    public static Likelihood evaluate(String name, LoadedModel m, Mnist test, int count, int batch, int stride, long seed, Device device) {
        DiffusionSpec spec = m.spec();
        int n = Math.min(count, test.count());
        VarianceType vt = spec.learnedVariance() ? VarianceType.LEARNED_RANGE : VarianceType.FIXED_SMALL;
        VariationalBound vb = new VariationalBound(spec.noiseSchedule(), spec.prediction(), vt);
        Progress bar = Progress.onStdout("bits/dim", n, "images");
        BoundTerms total = null;
        for (int b0 = 0; b0 < n; b0 += batch) {
            int[] idx = new int[Math.min(batch, n - b0)];
            for (int i = 0; i < idx.length; i++) idx[i] = b0 + i;
            Tensor x0 = test.batch(idx).to(device);
            BoundTerms t = vb.evaluate(Sampling.denoiser(m.net()), x0, null, Noise.perSample(seed, b0), stride);
            total = total == null ? t : total.merge(t);
            bar.update(b0 + idx.length);
        }
        return new Likelihood(name, m.objective(), spec.learnedVariance(), m.step(), n, stride, spec.timesteps(), total);
    }

    /** Σ_{t≥1} weight_t · L_t, the KL terms between prior and decoder. */
    public double kl() {
        double[] per = terms.perTimestep(), w = terms.weights();
        double kl = 0;
        for (int t = 1; t < per.length; t++) if (!Double.isNaN(per[t])) kl += w[t] * per[t];
        return kl;
    }

    /** The evaluated terms as CSV: t, the number of timesteps it stands for, L_t in bits/dim. */
    public String termsCsv() {
        double[] per = terms.perTimestep(), w = terms.weights();
        StringBuilder csv = new StringBuilder("t,weight,bits_per_dim\n");
        for (int t = 0; t < per.length; t++)
            if (!Double.isNaN(per[t])) csv.append(String.format(Locale.ROOT, "%d,%.0f,%.6f%n", t, w[t], per[t]));
        return csv.toString();
    }

    /** The terminal lines of the existing single-checkpoint summary. */
    public String summary() {
        return String.format(Locale.ROOT, """
                bits/dim on %d test images (T = %d, stride %d):
                  prior   L_T          %.4f
                  KL      sum of L_t   %.4f
                  decoder L_0          %.4f
                  total                %.4f
                """, images, timesteps, stride, terms.prior(), kl(), terms.decoder(), terms.total());
    }
}
