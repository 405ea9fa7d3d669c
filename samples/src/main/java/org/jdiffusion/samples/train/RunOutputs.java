package org.jdiffusion.samples.train;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.NetworkDenoiser;
import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.flow.FlowMatching;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.diffusion.sampling.SamplerTarget;
import org.jdiffusion.diffusion.sampling.Solver;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.samples.io.Outputs;
import org.jdiffusion.samples.plot.Chart;
import org.jdiffusion.samples.plot.Colors;
import org.jdiffusion.samples.plot.Figure;
import org.jdiffusion.samples.plot.HtmlReport;
import org.jdiffusion.samples.plot.ImageGrid;
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
 * A training run's files: {@code log.csv} (step, loss, lr, grad_norm, elapsed_s), {@code loss.png},
 * {@code curves.png} (learning rate and gradient norm), {@code samples/step-NNNNNN.png} (a grid of
 * EMA samples, or a scatter plot for 2-D data) and {@code index.html}, the run's page: its state,
 * step, speed and ETA, the curves and the latest samples. While the run is alive the page reloads
 * itself and is rewritten at least every {@link #PAGE_EVERY_S} seconds; a page whose run stopped
 * without saying so (a killed process) says how long ago it was last written. Every file is written
 * atomically.
 */
final class RunOutputs {
    static final String LOG = "log.csv", LOSS = "loss.png", CURVES = "curves.png", PAGE = "index.html";
    static final int PAGE_EVERY_S = 20;
    private final Path dir;
    private final TrainSettings s;
    private final List<String> rows = new ArrayList<>();
    private final List<double[]> losses = new ArrayList<>();
    private final List<double[]> curves = new ArrayList<>();   // logged rows: step, lr, gradient norm
    private final long t0 = System.nanoTime();
    private double elapsedBefore;
    private long lastPage = System.nanoTime(), firstStep = -1, lastStep;
    private String latestPreview;

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
                curves.add(new double[]{st, Double.parseDouble(f[2]), Double.parseDouble(f[3])});
                elapsedBefore = Double.parseDouble(f[4]);
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot continue " + log + ": " + e.getMessage());
        }
    }

    void record(long step, double loss, double lr, double gradNorm, boolean logRow) {
        if (firstStep < 0) firstStep = step - 1;
        lastStep = step;
        losses.add(new double[]{step, loss});
        if (logRow) {
            rows.add(String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.2f", step, loss, lr, gradNorm, elapsedBefore + (System.nanoTime() - t0) / 1e9));
            curves.add(new double[]{step, lr, gradNorm});
        }
        if ((System.nanoTime() - lastPage) / 1e9 >= PAGE_EVERY_S) writeLogs();
    }

    /** The last files of a run that ended (finished or stopped on request): the page no longer reloads. */
    void finish(long step, boolean interrupted) {
        writeFiles();
        page(interrupted ? "stopped at step " + step + " of " + s.steps() + " (continue with train --resume)"
                : "finished: step " + step + " of " + s.steps(), false);
    }

    /** log.csv, the charts and the live page. */
    void writeLogs() {
        writeFiles();
        page("running: step " + lastStep + " of " + s.steps(), true);
    }

    private void writeFiles() {
        lastPage = System.nanoTime();
        Outputs.writeString(dir.resolve(LOG), "step,loss,lr,grad_norm,elapsed_s\n" + String.join("\n", rows) + (rows.isEmpty() ? "" : "\n"));
        if (losses.size() < 2) return;
        double[] xs = new double[losses.size()], ys = new double[losses.size()], sm = movingAverage(losses);
        for (int i = 0; i < xs.length; i++) {
            xs[i] = losses.get(i)[0];
            ys[i] = losses.get(i)[1];
        }
        Chart c = new Chart().title("training loss (" + s.objective() + ")").xLabel("step").yLabel("loss").logY()
                .line("loss", xs, ys, Colors.withAlpha(Colors.palette(0), 0.35), 1f)
                .line("moving average", xs, sm, Colors.palette(3), 2f);
        new Figure(1, 800, 420).add(c).save(dir.resolve(LOSS));
        if (curves.size() < 2) return;
        double[] cs = new double[curves.size()], lr = new double[cs.length], gn = new double[cs.length];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = curves.get(i)[0];
            lr[i] = curves.get(i)[1];
            gn[i] = curves.get(i)[2];
        }
        new Figure(2, 1000, 360)
                .add(new Chart().title("learning rate").xLabel("step").yLabel("lr").line("lr", cs, lr, Colors.palette(1), 2f))
                .add(new Chart().title("gradient norm (before clipping)").xLabel("step").yLabel("‖g‖").logY()
                        .line("‖g‖", cs, gn, Colors.palette(2), 1.5f))
                .save(dir.resolve(CURVES));
    }

    /**
     * An exponential moving average over steps, 0.98 per step: across a gap of Δ steps (a log that
     * kept every 10th loss before a resume) the old value decays by 0.98^Δ, so the curve means the
     * same thing wherever the points are sparse.
     */
    static double[] movingAverage(List<double[]> points) {
        double[] sm = new double[points.size()];
        for (int i = 0; i < sm.length; i++) {
            double y = points.get(i)[1];
            if (i == 0) {
                sm[i] = y;
            } else {
                double keep = Math.pow(0.98, Math.max(1, points.get(i)[0] - points.get(i - 1)[0]));
                sm[i] = keep * sm[i - 1] + (1 - keep) * y;
            }
        }
        return sm;
    }

    private void page(String state, boolean live) {
        double secs = (System.nanoTime() - t0) / 1e9;
        long done = lastStep - Math.max(firstStep, 0);
        double rate = secs > 0 && done > 0 ? done / secs : 0;
        String eta = live && rate > 0 ? ", about " + duration((s.steps() - lastStep) / rate) + " to go" : "";
        String last = losses.isEmpty() ? "" : String.format(Locale.ROOT, "; last loss %.5g", losses.getLast()[1]);
        HtmlReport r = new HtmlReport("training run " + dir.getFileName());
        if (live) r.refreshEvery(PAGE_EVERY_S);
        r.paragraph(state + (rate > 0 ? String.format(Locale.ROOT, " at %.2f steps/s", rate) : "") + eta + last);
        long now = System.currentTimeMillis();
        if (live)   // a run that dies without a word leaves its page saying so, from the browser's clock
            r.raw("<p id=\"stale\"></p><script>const written = " + now + "; const gap = (Date.now() - written) / 1000;"
                    + " if (gap > " + 3 * PAGE_EVERY_S + ") document.getElementById('stale').textContent ="
                    + " 'No update for ' + Math.round(gap / 60) + ' min: the run may have stopped.';</script>");
        r.paragraph(s.model().key() + " on " + s.data() + ", objective " + s.objective() + ", batch " + s.batch() + ", lr " + s.lr()
                + "; written " + java.time.Instant.ofEpochMilli(now).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        String v = "?v=" + lastStep;   // a new name each time, so the browser does not show a cached picture
        if (Files.isRegularFile(dir.resolve(LOSS))) r.figure(LOSS + v, "training loss and its moving average");
        if (Files.isRegularFile(dir.resolve(CURVES))) r.figure(CURVES + v, "learning rate and gradient norm");
        if (latestPreview != null) r.figure(latestPreview + v, "EMA samples at the latest preview (DDIM, 25 steps)");
        r.raw("<p><a href=\"" + LOG + "\">log.csv</a> · <a href=\"" + Trainer.CHECKPOINT + "\">" + Trainer.CHECKPOINT + "</a></p>");
        r.save(dir.resolve(PAGE));
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
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
            x = SamplingLoop.sample(previewSampler(spec, process), previewDenoiser(net, process), shape, y, s.seed() + 1, 0,
                    DType.FLOAT32, device, false).sample().to(Device.CPU);
        } finally {
            net.module().train();
        }
        Path p = dir.resolve("samples").resolve(String.format(Locale.ROOT, "step-%06d.png", step));
        latestPreview = dir.relativize(p).toString();
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

    /**
     * The previews' sampler: DDIM, η = 0, 25 steps of the spec's spacing (trailing for a zero-terminal-SNR
     * schedule), what {@code sample --sampler ddim --steps 25} runs; built here so that training needs
     * nothing of the sample command.
     */
    /** The previews' sampler from diffusion's registry: DDIM-25 (η = 0), or flow Euler with 25 steps for a flow model. */
    static Solver previewSampler(DiffusionSpec spec, ProcessKind process) {
        return SamplerChoice.of(process == ProcessKind.FLOW ? "flow-euler" : "ddim", 25).build(SamplerTarget.of(process, spec));
    }

    /** The network without gradients, given the time input its process expects. */
    static Denoiser previewDenoiser(Nets.Net net, ProcessKind process) {
        return process == ProcessKind.FLOW ? FlowMatching.denoiser(net::forward) : new NetworkDenoiser(net::forward);
    }
}
