package org.jdiffusion.samples.eval;

import org.jdiffusion.samples.plot.Chart;
import org.jdiffusion.samples.plot.Colors;
import org.jdiffusion.samples.plot.Figure;
import org.jdiffusion.samples.plot.ImageGrid;
import org.jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of the evaluation report: the guidance trade-off, FD against steps per sampler, the VLB terms, and class grids. */
public final class EvalPlots {
    private EvalPlots() {}

    /** Palette entries for curves; grey (7) is the floor's. */
    private static final int[] FAMILY_COLORS = {0, 1, 2, 3, 4, 5, 6, 8, 9};

    /** One measured point: its x (accuracy or steps), FD, accuracy and a label. */
    public record Point(double x, double fd, double accuracy, String label) {}

    /**
     * FD against class accuracy, one point per guidance weight in sweep order, each labelled w = …,
     * with the real-vs-real floor as a dashed line (Ho and Salimans 2022, Figure 4: FID against IS).
     */
    public static void guidanceTradeoff(Path png, List<Point> points, double floor, int n) {
        double[] xs = new double[points.size()], ys = new double[points.size()];
        String[] texts = new String[points.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 100 * points.get(i).accuracy();
            ys[i] = points.get(i).fd();
            texts[i] = points.get(i).label();
        }
        double lo = Math.min(min(xs), 100), hi = Math.max(max(xs), 0), pad = Math.max(2, 0.08 * (hi - lo));
        lo = Math.max(0, lo - pad);
        hi = Math.min(100 + pad, hi + 2 * pad);
        if (!(hi > lo)) { lo = 0; hi = 100; }
        Chart c = new Chart().title("classifier-free guidance: quality vs class accuracy (n = " + n + ")")
                .xLabel("class accuracy of the judge (%)").yLabel("Fréchet distance (judge features)")
                .xRange(lo, hi).yRange(0, 1.12 * Math.max(1e-3, Math.max(max(ys), floor)))
                .line("real-vs-real floor", new double[]{lo, hi}, new double[]{floor, floor}, Colors.palette(7), 1.5f)
                .line(null, xs, ys, Colors.palette(0), 2f)
                .scatter("samples, one point per w", xs, ys, Colors.palette(0), 5)
                .texts(xs, ys, texts, java.awt.Color.BLACK);
        new Figure(1, 720, 520).add(c).save(png);
    }

    /** FD (and accuracy when the model is conditional) against the network evaluations (NFE), one curve per family, log NFE axis. */
    public static void samplerCurves(Path png, Map<String, List<Point>> families, double floor, int n, boolean conditional) {
        double xlo = Double.POSITIVE_INFINITY, xhi = 0, fdHi = floor;
        for (List<Point> ps : families.values())
            for (Point p : ps) { xlo = Math.min(xlo, p.x()); xhi = Math.max(xhi, p.x()); fdHi = Math.max(fdHi, Double.isFinite(p.fd()) ? p.fd() : 0); }
        if (!(xhi >= xlo)) { xlo = 1; xhi = 1000; }
        xlo = xlo / 1.5;
        xhi = xhi * 1.5;
        fdHi = Math.max(fdHi, 1e-3);
        Chart fd = new Chart().title("Fréchet distance against network evaluations (n = " + n + ")").xLabel("network evaluations (NFE)")
                .yLabel("Fréchet distance").logX().xRange(xlo, xhi).yRange(0, 1.12 * fdHi)
                .line("real-vs-real floor", new double[]{xlo, xhi}, new double[]{floor, floor}, Colors.palette(7), 1.5f);
        Chart acc = new Chart().title("class accuracy against network evaluations").xLabel("network evaluations (NFE)").yLabel("class accuracy (%)")
                .logX().xRange(xlo, xhi).yRange(0, 105);
        int k = 0;
        for (var e : families.entrySet()) {
            List<Point> ps = new ArrayList<>(e.getValue());
            ps.sort((a, b) -> Double.compare(a.x(), b.x()));
            double[] xs = ps.stream().mapToDouble(Point::x).toArray(), f = ps.stream().mapToDouble(Point::fd).toArray(),
                    a = ps.stream().mapToDouble(p -> 100 * p.accuracy()).toArray();
            java.awt.Color col = Colors.palette(FAMILY_COLORS[k % FAMILY_COLORS.length]);
            for (int round = k++ / FAMILY_COLORS.length; round > 0; round--) col = col.darker();   // more families than hues: darker shades
            fd.line(null, xs, f, col, 2f).scatter(e.getKey(), xs, f, col, 4.5);
            acc.line(null, xs, a, col, 2f).scatter(e.getKey(), xs, a, col, 4.5);
        }
        Figure fig = new Figure(conditional ? 2 : 1, 640, 480).add(fd);
        if (conditional) fig.add(acc);
        fig.save(png);
    }

    /** The evaluated VLB terms L_t (bits/dim) against t per checkpoint, log y (Nichol and Dhariwal 2021, Figure 2). */
    public static void likelihoodTerms(Path png, List<Likelihood> results) {
        Chart c = new Chart().title("variational bound terms per timestep").xLabel("t").yLabel("L_t (bits/dim)").logY();
        for (int i = 0; i < results.size(); i++) {
            Likelihood r = results.get(i);
            double[] per = r.terms().perTimestep();
            List<double[]> pts = new ArrayList<>();
            for (int t = 0; t < per.length; t++) if (!Double.isNaN(per[t]) && per[t] > 0) pts.add(new double[]{t, per[t]});
            double[] xs = pts.stream().mapToDouble(p -> p[0]).toArray(), ys = pts.stream().mapToDouble(p -> p[1]).toArray();
            c.line((i + 1) + ": " + r.objective() + String.format(Locale.ROOT, " (%.3f bits/dim)", r.terms().total()), xs, ys, Colors.palette(i), 2f);
        }
        new Figure(1, 720, 480).add(c).save(png);
    }

    /**
     * Samples as a grid with one row per class (row c holds the samples that asked for class c, up to
     * {@code cols} of them; empty cells stay grey), or row-major when the samples are unconditional.
     */
    public static void classGrid(Path png, Tensor images, long[] labels, int classes, int cols) {
        int n = images.size(0), h = images.size(2), w = images.size(3), px = h * w;
        byte[] all = ImageGrid.toBytes(images.toFloatArray());
        if (labels == null || classes == 0) {
            int shown = Math.min(n, cols * cols);
            ImageGrid.save(png, java.util.Arrays.copyOf(all, shown * px), shown, h, w, Math.min(cols, shown), 2, 2);
            return;
        }
        byte[] grid = new byte[classes * cols * px];
        java.util.Arrays.fill(grid, (byte) ImageGrid.BORDER);
        int[] filled = new int[classes];
        for (int i = 0; i < n; i++) {
            int c = (int) labels[i];
            if (c < 0 || c >= classes || filled[c] >= cols) continue;
            System.arraycopy(all, i * px, grid, (c * cols + filled[c]++) * px, px);
        }
        ImageGrid.save(png, grid, classes * cols, h, w, cols, 2, 2);
    }

    /** Points grouped by the family of their sampler (e.g. "DDIM η=0"), in first-seen order. */
    public static Map<String, List<Point>> byFamily(List<String> families, List<Point> points) {
        Map<String, List<Point>> m = new LinkedHashMap<>();
        for (int i = 0; i < families.size(); i++) m.computeIfAbsent(families.get(i), k -> new ArrayList<>()).add(points.get(i));
        return m;
    }

    private static double min(double[] a) { double m = Double.POSITIVE_INFINITY; for (double v : a) if (Double.isFinite(v)) m = Math.min(m, v); return m; }

    private static double max(double[] a) { double m = Double.NEGATIVE_INFINITY; for (double v : a) if (Double.isFinite(v)) m = Math.max(m, v); return m; }
}
