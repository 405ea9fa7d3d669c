package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.guidance.ClassifierFreeGuidance;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.sample.LoadedModel;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Draws the samples one sweep entry is judged on: n images with one sampler and one guidance
 * weight, in batches of at most {@code batch} (a guided batch is evaluated doubled, conditional and
 * unconditional in one pass). Sample i asks for class i mod C of a conditional model and uses noise
 * stream i of the seed, so every entry of a sweep starts from the same x_T per sample (common random
 * numbers: the entries differ by their sampler or weight only). The progress bar counts network
 * evaluations of batches, so a 1000-step DDPM run shows its pace from the first step.
 */
public final class SampleDraw {
    private SampleDraw() {}

    /** Images float [N, 1, 28, 28] on the CPU, the requested classes (null when unconditional) and the sampling wall time. */
    public record Drawn(Tensor images, long[] labels, double seconds) {
        public Tensor labelTensor() { return labels == null ? null : Tensor.ofLongs(labels, labels.length); }
    }

    /**
     * Two untimed network evaluations at a batch of {@code batch} (noise at the middle time), so the
     * first entry of a sweep is not charged for the JIT's warm-up.
     */
    public static void warmUp(LoadedModel m, int batch, Device device) {
        int[] shape = new int[m.sampleShape().length + 1];
        System.arraycopy(m.sampleShape(), 0, shape, 1, m.sampleShape().length);
        shape[0] = batch;
        Tensor x = org.jdiffusion.diffusion.sampling.Noise.perSample(0, 0).normalLike(Tensor.zeros(DType.FLOAT32, device, shape));
        Tensor t = m.process() == org.jdiffusion.diffusion.ProcessKind.FLOW ? org.jdiffusion.diffusion.flow.FlowMatching.fill(0.5, x)
                : org.jdiffusion.diffusion.Coefficients.fill(m.spec().timesteps() / 2, batch, device);
        Tensor y = m.spec().numClasses() > 0 ? Tensor.full(0, DType.INT64, device, batch) : null;
        Denoiser net = m.denoiser();
        for (int k = 0; k < 2; k++) net.predict(x, t, y);
    }

    public static Drawn draw(LoadedModel m, SamplerChoice setting, double guidance, int n, int batch, long seed, Device device, String label) {
        int nc = m.spec().numClasses(), evaluations = setting.evaluations(m.target());
        long[] labels = null;
        if (nc > 0) {
            labels = new long[n];
            for (int i = 0; i < n; i++) labels[i] = i % nc;
        }
        int batches = (n + batch - 1) / batch;
        Progress bar = Progress.onStdout(label, (long) batches * evaluations, "evaluations");
        long[] calls = {0};
        Denoiser net = m.denoiser();
        Denoiser guided = nc > 0 && guidance != 1 ? new ClassifierFreeGuidance(net, guidance, m.spec().nullClass(), m.spec().learnedVariance()) : net;
        Denoiser counted = (x, t, y) -> {
            Tensor out = guided.predict(x, t, y);
            bar.update(++calls[0]);
            return out;
        };
        int[] shape = new int[m.sampleShape().length + 1];
        System.arraycopy(m.sampleShape(), 0, shape, 1, m.sampleShape().length);
        long start = System.nanoTime();
        List<Tensor> parts = new ArrayList<>();
        for (int b0 = 0; b0 < n; b0 += batch) {
            int k = Math.min(batch, n - b0);
            shape[0] = k;
            Tensor y = labels == null ? null : Tensor.ofLongs(Arrays.copyOfRange(labels, b0, b0 + k), k).to(device);
            parts.add(SamplingLoop.sample(setting.build(m.target()), counted, shape.clone(), y, seed, b0,
                    DType.FLOAT32, device, false).sample().to(Device.CPU));
        }
        return new Drawn(Join.cat(parts, 0), labels, (System.nanoTime() - start) / 1e9);
    }
}
