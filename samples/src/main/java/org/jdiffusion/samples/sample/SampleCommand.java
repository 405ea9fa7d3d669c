package org.jdiffusion.samples.sample;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.guidance.ClassifierFreeGuidance;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.diffusion.sampling.Samplers;
import org.jdiffusion.diffusion.sampling.Solver;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.diffusion.sampling.Trajectory;
import org.jdiffusion.samples.Main;
import org.jdiffusion.samples.cli.CheckpointOptions;
import org.jdiffusion.samples.cli.Cli;
import org.jdiffusion.samples.cli.Precision;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.io.Npy;
import org.jdiffusion.samples.io.NpyArray;
import org.jdiffusion.samples.plot.Chart;
import org.jdiffusion.samples.plot.Colors;
import org.jdiffusion.samples.plot.Figure;
import org.jdiffusion.samples.plot.ImageGrid;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./jdiffusion sample}: draws samples from a checkpoint and writes {@code samples.npy}
 * (uint8 [N, H, W] for one channel; float32 [N, 2] for 2-D data), {@code labels.npy} (int64 [N],
 * the requested classes in order, cycling; −1 for an unconditional model) and {@code grid.png};
 * {@code --trace} adds the denoising strip (x_t and x̂_0 over time) as trace.png and trace.gif.
 * Sample i always uses noise stream i of the seed, so it does not depend on --batch.
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw samples from a checkpoint: samples.npy, labels.npy and grid.png (--trace: trace.png and trace.gif).",
                "The schedule and prediction type, or a flow model's kind, come from the checkpoint's metadata."})
public final class SampleCommand extends CheckpointOptions implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "CK", description = "a checkpoint of train, or a safetensors state dict with diffusion metadata")
    Path checkpoint;
    @Option(names = "--sampler", paramLabel = "NAME", description = "a registered sampler (list below), NAME[:STEPS][:KEY=VALUE]…, e.g. heun:churn=40 "
            + "(default: ddim for a diffusion model, flow-euler for a flow model); a sampler that cannot serve the checkpoint is refused")
    String sampler;
    @Option(names = "--steps", paramLabel = "N", description = "sampler steps, unless --sampler names them (default: 50; a diffusion model's at most its T; "
            + "a Heun or DPM-Solver++(2S) step evaluates the network twice)")
    Integer steps;
    @Option(names = "--eta", paramLabel = "E", description = "η of a sampler that has one (ddim: 0 deterministic, default; euler-a, dpmpp-sde: their noise share)")
    Double eta;
    @Option(names = "--guidance", paramLabel = "W", description = "classifier-free guidance scale: 0 unconditional, 1 conditional (default), > 1 guided")
    double guidance = 1;
    @Option(names = "--classes", paramLabel = "LIST", split = ",", description = "classes to draw, cycled over the samples (default: 0,1,...,9)")
    List<Integer> classes;
    @Option(names = "--count", paramLabel = "N", description = "number of samples (default: ${DEFAULT-VALUE})")
    int count = 64;
    @Option(names = "--batch", paramLabel = "N", description = "samples drawn at once (default: ${DEFAULT-VALUE})")
    int batch = 64;
    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 0;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "output folder")
    Path output;
    @Option(names = "--trace", description = "also write the denoising strip of the first samples (trace.png, trace.gif)")
    boolean trace;
    @Option(names = "--precision", paramLabel = "P", description = "fp32 (default) or bf16: the network's matmul, conv and attention multiply "
            + "bfloat16-rounded inputs with float32 accumulation (on CUDA the bf16 tensor-core kernels); the sampler's arithmetic stays float32")
    String precision = "fp32";

    @Override public Integer call() {
        Cli.existingFile("--checkpoint", checkpoint);
        Cli.require(count >= 1 && batch >= 1 && (steps == null || steps >= 1), "--count, --batch and --steps must be >= 1");
        Cli.require(eta == null || (eta >= 0 && eta <= 1), "--eta must be in [0, 1], got " + eta);
        Cli.require(Double.isFinite(guidance) && guidance >= 0, "--guidance must be a finite number >= 0, got " + guidance);
        Precision prec = Precision.ofFlag(precision);
        if (sampler != null) {
            try {
                Samplers.get(sampler.split(":", -1)[0]);
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--sampler: " + e.getMessage());
            }
        }
        LoadedModel m = LoadedModel.load(checkpoint, !noEma, device);
        SamplerChoice choice = choice(m);
        int nc = m.spec().numClasses();
        if (nc == 0) {
            Cli.require(classes == null, "--classes: the checkpoint's model is unconditional (num_classes 0)");
            Cli.require(guidance == 1, "--guidance: the checkpoint's model is unconditional (num_classes 0)");
        }
        List<Integer> cls = classes != null ? classes : nc > 0 ? range(nc) : List.of();
        for (int c : cls) Cli.require(c >= 0 && c < nc, "--classes: class " + c + " is outside 0.." + (nc - 1));
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) labels[i] = cls.isEmpty() ? -1 : cls.get(i % cls.size());

        Denoiser model = m.denoiser();
        if (nc > 0 && guidance != 1) model = new ClassifierFreeGuidance(model, guidance, m.spec().nullClass(), m.spec().learnedVariance());
        if (prec == Precision.BF16) model = Sampling.bf16(model);
        Progress bar = Progress.onStdout("sample", (long) count, "samples");
        List<Tensor> parts = new ArrayList<>();
        Trajectory traced = null;
        for (int b0 = 0; b0 < count; b0 += batch) {
            int n = Math.min(batch, count - b0);
            int[] shape = new int[m.sampleShape().length + 1];
            shape[0] = n;
            System.arraycopy(m.sampleShape(), 0, shape, 1, m.sampleShape().length);
            // each batch in a MemoryScope: its device memory goes back to the pool before the next batch
            try (MemoryScope batchScope = MemoryScope.open("sample batch")) {
                Tensor y = nc == 0 ? null : Tensor.ofLongs(java.util.Arrays.copyOfRange(labels, b0, b0 + n), n).to(device);
                Solver s = choice.build(m.target());
                Trajectory t = SamplingLoop.sample(s, model, shape, y, seed, b0, DType.FLOAT32, device, trace && b0 == 0);
                if (trace && b0 == 0) {
                    traced = t;
                    t.xs().forEach(batchScope::keep);
                    t.predX0s().forEach(batchScope::keep);
                }
                Tensor host = t.sample().to(Device.CPU);
                if (host.storage() == t.sample().storage()) batchScope.keep(host);   // on the CPU the sample is the host copy
                parts.add(host);
            }
            bar.update(b0 + n);
        }
        Tensor all = org.jdiffusion.tensor.Join.cat(parts, 0);
        SampleOutputs.write(output, m, all, labels, traced);
        Solver run = choice.build(m.target());
        System.out.println("sample: " + count + " samples (" + choice.label() + ", " + run.timesteps().length + " steps, " + run.evaluations() + " network evaluations"
                + (nc > 0 ? ", guidance " + guidance : "") + (prec == Precision.BF16 ? ", bf16 autocast" : "") + ") -> " + output);
        return 0;
    }

    /**
     * The registry entry: --sampler (with its own steps, or --steps, 50 by default; a diffusion model's
     * steps at most its T) and --eta for a sampler with an η; refused by name when it cannot serve the checkpoint.
     */
    private SamplerChoice choice(LoadedModel m) {
        SamplerChoice c;
        boolean stepsInEntry = false;
        try {
            if (sampler == null) c = Sampling.defaultChoice(m.process(), steps == null ? 50 : steps);
            else {
                String[] p = sampler.trim().split(":", -1);
                boolean hasSteps = p.length > 1 && !p[1].contains("=");
                stepsInEntry = hasSteps;
                Cli.require(!(hasSteps && steps != null), "--steps: --sampler " + sampler + " already names its steps");
                String entry = hasSteps ? sampler.trim() : p[0] + ":" + (steps == null ? 50 : steps) + sampler.trim().substring(p[0].length());
                c = Samplers.parse(entry);
            }
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--sampler: " + e.getMessage());
        }
        if (eta != null) {
            Cli.require(c.def().option("eta") != null, "--eta: sampler " + c.name() + " has no η (samplers with one: "
                    + String.join(", ", Samplers.ALL.stream().filter(d -> d.option("eta") != null).map(d -> d.name()).toList()) + ")");
            c = c.withOption("eta", eta);
        }
        if (m.process() == org.jdiffusion.diffusion.ProcessKind.DIFFUSION && c.steps() > m.spec().timesteps() && !stepsInEntry)
            c = c.withSteps(m.spec().timesteps());                  // --steps (or its default) above T: all T
        try {
            c.check(m.target());
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--sampler: " + e.getMessage());
        }
        return c;
    }

    private static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(i);
        return l;
    }

    /** The files of a sampling run. */
    static final class SampleOutputs {
        private SampleOutputs() {}

        static void write(Path dir, LoadedModel m, Tensor samples, long[] labels, Trajectory traced) {
            int n = samples.size(0);
            Npy.write(dir.resolve("labels.npy"), NpyArray.ofLongs(labels, labels.length));
            if (!m.isImage()) {
                Npy.write(dir.resolve("samples.npy"), NpyArray.of(samples));
                new Figure(1, 480, 460).add(new Chart().title(n + " samples").xRange(-2.6, 2.6).yRange(-2.6, 2.6).equalAspect()
                        .scatter(null, samples.toFloatArray(), Colors.withAlpha(Colors.palette(0), 0.7), 2)).save(dir.resolve("grid.png"));
                return;
            }
            int c = m.sampleShape()[0], h = m.sampleShape()[1], w = m.sampleShape()[2];
            byte[] px = ImageGrid.toBytes(samples.toFloatArray());
            Npy.write(dir.resolve("samples.npy"), c == 1 ? NpyArray.ofBytes(px, n, h, w) : NpyArray.ofBytes(px, n, c, h, w));
            if (c == 1) ImageGrid.save(dir.resolve("grid.png"), px, n, h, w, Math.min(n, (int) Math.ceil(Math.sqrt(n))), 2, 2);
            if (traced != null && c == 1) Trace.write(dir, traced, h, w);
        }
    }
}
