package org.jdiffusion.samples.train;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.samples.io.Outputs;
import org.jdiffusion.samples.plot.Chart;
import org.jdiffusion.samples.plot.Colors;
import org.jdiffusion.samples.plot.Figure;
import org.jdiffusion.samples.plot.ImageGrid;
import org.jdiffusion.samples.sample.Sampling;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A training run's files: {@code log.csv} (step, loss, lr, grad_norm, elapsed_s), {@code loss.png}
 * and {@code samples/step-NNNNNN.png} (a grid of EMA samples, or a scatter plot for 2-D data);
 * every one written atomically.
 */
final class RunOutputs {
    static final String LOG = "log.csv", LOSS = "loss.png";
    private final Path dir;
    private final TrainSettings s;
    private final List<String> rows = new ArrayList<>();
    private final List<double[]> losses = new ArrayList<>();
    private final long t0 = System.nanoTime();
    private double elapsedBefore;

    RunOutputs(Path dir, TrainSettings s) {
        this.dir = dir;
        this.s = s;
    }

    /** Keeps the rows of an earlier run up to {@code step}, the checkpoint a resumed run starts from. */
    void resumeLog(long step) {
        Path log = dir.resolve(LOG);
        if (!Files.isRegularFile(log)) return;
        try {
            for (String line : Files.readAllLines(log)) {
                String[] f = line.split(",");
                if (f.length < 5 || !Character.isDigit(f[0].charAt(0))) continue;
                long st = Long.parseLong(f[0]);
                if (st > step) break;
                rows.add(line);
                losses.add(new double[]{st, Double.parseDouble(f[1])});
                elapsedBefore = Double.parseDouble(f[4]);
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot continue " + log + ": " + e.getMessage());
        }
    }

    void record(long step, double loss, double lr, double gradNorm, boolean logRow) {
        losses.add(new double[]{step, loss});
        if (logRow)
            rows.add(String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.2f", step, loss, lr, gradNorm, elapsedBefore + (System.nanoTime() - t0) / 1e9));
    }

    void writeLogs() {
        Outputs.writeString(dir.resolve(LOG), "step,loss,lr,grad_norm,elapsed_s\n" + String.join("\n", rows) + (rows.isEmpty() ? "" : "\n"));
        if (losses.size() < 2) return;
        double[] xs = new double[losses.size()], ys = new double[losses.size()], sm = new double[losses.size()];
        double ema = losses.getFirst()[1];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = losses.get(i)[0];
            ys[i] = losses.get(i)[1];
            ema = i == 0 ? ys[0] : 0.98 * ema + 0.02 * ys[i];
            sm[i] = ema;
        }
        Chart c = new Chart().title("training loss (" + s.objective() + ")").xLabel("step").yLabel("loss").logY()
                .line("loss", xs, ys, Colors.withAlpha(Colors.palette(0), 0.35), 1f)
                .line("moving average", xs, sm, Colors.palette(3), 2f);
        new Figure(1, 800, 420).add(c).save(dir.resolve(LOSS));
    }

    /** EMA samples at this step (25 DDIM steps; a flow model: 25 flow Euler steps): --preview images, classes cycling, or 25× as many 2-D points. */
    void previewSamples(Nets.Net net, Ema ema, DiffusionSpec spec, long step, Device device) {
        boolean points = net.kind() == Nets.Kind.MLP;
        int n = points ? 25 * s.preview() : s.preview();
        if (n == 0) return;
        Tensor y = null;
        if (spec.numClasses() > 0) {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) l[i] = i % spec.numClasses();
            y = Tensor.ofLongs(l, n).to(device);
        }
        int[] shape = points ? new int[]{n, 2} : new int[]{n, 1, 28, 28};
        Tensor x;
        net.module().eval();
        try (var swap = ema.swapInto(net.module())) {
            ProcessKind process = s.isFlow() ? ProcessKind.FLOW : ProcessKind.DIFFUSION;
            x = SamplingLoop.sample(Sampling.sampler(Sampling.defaultChoice(process, 25), spec, process), Sampling.denoiser(net, process), shape, y, s.seed() + 1, 0,
                    DType.FLOAT32, device, false).sample().to(Device.CPU);
        } finally {
            net.module().train();
        }
        Path p = dir.resolve("samples").resolve(String.format(Locale.ROOT, "step-%06d.png", step));
        if (points) {
            new Figure(1, 460, 440).add(new Chart().title("EMA samples, step " + step).xRange(-2.6, 2.6).yRange(-2.6, 2.6).equalAspect()
                    .scatter(null, x.toFloatArray(), Colors.withAlpha(Colors.palette(0), 0.7), 2)).save(p);
        } else {
            // columns are classes 0-9 when conditional
            ImageGrid.save(p, ImageGrid.toBytes(x.toFloatArray()), n, 28, 28, Math.min(n, 10), 2, 2);
        }
    }

    static void ensureDir(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
