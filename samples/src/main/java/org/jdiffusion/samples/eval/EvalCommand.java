package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.guidance.ClassifierFreeGuidance;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.likelihood.BoundTerms;
import org.jdiffusion.diffusion.likelihood.VariationalBound;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.samples.cli.Cli;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.samples.io.Outputs;
import org.jdiffusion.samples.sample.LoadedModel;
import org.jdiffusion.samples.sample.Sampling;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./jdiffusion eval}: the variational bound on −log p(x_0) in bits/dim over the first
 * {@code --count} test images (Ho et al. 2020, eq. 5): the prior term L_T, the decoder L_0 and the
 * sum of the KL terms L_t, and their total; with {@code --stride k} every k-th timestep stands for
 * its block. A conditional model is evaluated unconditionally (the null class). Then, with
 * {@code --samples N > 0}, the sample quality of {@link SampleQuality}: N samples (DDIM, classes
 * cycling 0–9 for a conditional model) read by the MNIST judge — class accuracy and the Fréchet
 * distance of its features to the test split, beside the real-vs-real floor.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Likelihood in bits/dim on the MNIST test split (per term and total), and sample quality (judge accuracy, Fréchet distance)."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "CK", description = "a checkpoint of train (or a state dict with diffusion metadata)")
    Path checkpoint;
    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "folder of the MNIST IDX files")
    Path dataDir;
    @Option(names = "--count", paramLabel = "N", description = "test images evaluated (default: ${DEFAULT-VALUE})")
    int count = 256;
    @Option(names = "--stride", paramLabel = "K", description = "evaluate every K-th timestep, each standing for K (default: ${DEFAULT-VALUE}; 1 = exact)")
    int stride = 10;
    @Option(names = "--batch", paramLabel = "N", description = "images per batch (default: ${DEFAULT-VALUE})")
    int batch = 64;
    @Option(names = "--seed", paramLabel = "S", description = "seed of the noise drawing each x_t (default: ${DEFAULT-VALUE})")
    long seed = 0;
    @Option(names = "--device", paramLabel = "D", converter = Cli.DeviceConverter.class, description = "cpu (default) or cuda[:N]")
    Device device = Device.CPU;
    @Option(names = "--samples", paramLabel = "N", description = "samples judged for accuracy and Fréchet distance (0 = skip; default: ${DEFAULT-VALUE})")
    int samples = 200;
    @Option(names = "--sample-steps", paramLabel = "N", description = "DDIM steps of those samples (default: ${DEFAULT-VALUE})")
    int sampleSteps = 25;
    @Option(names = "--guidance", paramLabel = "W", description = "classifier-free guidance of those samples (default: ${DEFAULT-VALUE})")
    double guidance = 1;
    @Option(names = "--judge", paramLabel = "FILE", description = "a judge from train-judge (default: the one shipped with the program)")
    Path judge;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "also write the per-timestep terms as CSV (t, weight, bits_per_dim)")
    Path output;
    @Option(names = "--no-ema", description = "use a training checkpoint's model weights instead of its EMA weights")
    boolean noEma;

    @Override public Integer call() {
        Cli.existingFile("--checkpoint", checkpoint);
        Cli.existingDir("--data-dir", dataDir);
        Cli.require(count >= 1 && batch >= 1 && stride >= 1 && sampleSteps >= 1, "--count, --batch, --stride and --sample-steps must be >= 1");
        Cli.require(samples == 0 || samples >= 2, "--samples must be 0 (skip) or >= 2, got " + samples);
        Cli.require(Double.isFinite(guidance) && guidance >= 0, "--guidance must be a finite number >= 0, got " + guidance);
        if (judge != null) Cli.existingFile("--judge", judge);
        if (output != null) Cli.outputFile("--output", output);
        LoadedModel m = LoadedModel.load(checkpoint, !noEma, device);
        Cli.require(m.isImage(), "eval: the checkpoint's model is for 2-D points; the likelihood needs 8-bit images");
        DiffusionSpec spec = m.spec();
        Cli.require(stride < spec.timesteps(), "--stride must be below the checkpoint's T = " + spec.timesteps());
        Mnist test = Mnist.load(dataDir, Mnist.Split.TEST);
        int n = Math.min(count, test.count());
        VariationalBound vb = new VariationalBound(spec.noiseSchedule(), spec.prediction(),
                spec.learnedVariance() ? VarianceType.LEARNED_RANGE : VarianceType.FIXED_SMALL);
        Progress bar = Progress.onStdout("eval", n, "images");
        BoundTerms total = null;
        for (int b0 = 0; b0 < n; b0 += batch) {
            int[] idx = new int[Math.min(batch, n - b0)];
            for (int i = 0; i < idx.length; i++) idx[i] = b0 + i;
            Tensor x0 = test.batch(idx).to(device);
            BoundTerms t = vb.evaluate(Sampling.denoiser(m.net()), x0, null, Noise.perSample(seed, b0), stride);
            total = total == null ? t : total.merge(t);
            bar.update(b0 + idx.length);
        }
        double[] per = total.perTimestep(), w = total.weights();
        double kl = 0;
        StringBuilder csv = new StringBuilder("t,weight,bits_per_dim\n");
        for (int t = 0; t < per.length; t++) {
            if (Double.isNaN(per[t])) continue;
            if (t > 0) kl += w[t] * per[t];
            csv.append(String.format(Locale.ROOT, "%d,%.0f,%.6f%n", t, w[t], per[t]));
        }
        System.out.printf(Locale.ROOT, "bits/dim on %d test images (T = %d, stride %d):%n", n, spec.timesteps(), stride);
        System.out.printf(Locale.ROOT, "  prior   L_T          %.4f%n", total.prior());
        System.out.printf(Locale.ROOT, "  KL      sum of L_t   %.4f%n", kl);
        System.out.printf(Locale.ROOT, "  decoder L_0          %.4f%n", total.decoder());
        System.out.printf(Locale.ROOT, "  total                %.4f%n", total.total());
        if (output != null) {
            Outputs.writeString(output, csv.toString());
            System.out.println("per-timestep terms -> " + output);
        }
        if (samples > 0) sampleQuality(m, test);
        return 0;
    }

    /** N DDIM samples (classes 0–9 cycling when conditional) read by the judge against the test split. */
    private void sampleQuality(LoadedModel m, Mnist test) {
        MnistJudge j = judge != null ? Judges.load(judge) : Judges.shipped();
        int nc = m.spec().numClasses();
        Denoiser model = Sampling.denoiser(m.net());
        if (nc > 0 && guidance != 1) model = new ClassifierFreeGuidance(model, guidance, m.spec().nullClass(), m.spec().learnedVariance());
        long[] labels = new long[samples];
        for (int i = 0; i < samples; i++) labels[i] = nc > 0 ? i % nc : -1;
        Progress bar = Progress.onStdout("samples", samples, "samples");
        List<Tensor> parts = new ArrayList<>();
        for (int b0 = 0; b0 < samples; b0 += batch) {
            int n = Math.min(batch, samples - b0);
            Tensor y = nc == 0 ? null : Tensor.ofLongs(Arrays.copyOfRange(labels, b0, b0 + n), n).to(device);
            parts.add(SamplingLoop.sample(Sampling.sampler(Sampling.Kind.DDIM, m.spec(), sampleSteps, 0), model,
                    new int[]{n, 1, 28, 28}, y, seed, b0, DType.FLOAT32, device, false).sample().to(Device.CPU));
            bar.update(b0 + n);
        }
        SampleQuality.Report r = SampleQuality.evaluate(j, Join.cat(parts, 0), nc > 0 ? Tensor.ofLongs(labels, samples) : null,
                Mnist.load(dataDir, Mnist.Split.TRAIN), test);
        System.out.println("sample quality (" + samples + " DDIM samples, " + sampleSteps + " steps" + (nc > 0 ? ", guidance " + guidance : "")
                + "; judged by the MNIST classifier): " + r.line());
    }
}
