package org.jdiffusion.samples.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * One panel of a figure: data layers (scatter points, lines, paths coloured by a value) drawn
 * inside axes with ticks, tick labels, axis labels, a title, a legend and optionally a colour bar
 * and a note. Ranges follow the data unless fixed; a log y-axis suits loss curves, a log x-axis
 * step counts; text labels name single points (a guidance weight beside its point).
 */
public final class Chart {
    private String title = "", xLabel = "", yLabel = "", note = null;
    private double xLo = Double.NaN, xHi = Double.NaN, yLo = Double.NaN, yHi = Double.NaN;
    private boolean logX, logY, equalAspect;
    private final List<Layer> layers = new ArrayList<>();
    private ColorBar colorBar;

    private sealed interface Layer permits Points, Line, Paths, Texts {}

    private record Points(String label, double[] xs, double[] ys, Color color, double radius) implements Layer {}

    private record Line(String label, double[] xs, double[] ys, Color color, float width) implements Layer {}

    /** Polylines whose segment k is coloured by value[k] ∈ [0, 1] through viridis. */
    private record Paths(double[][] xs, double[][] ys, double[][] values, float width, int alpha) implements Layer {}

    /** Text texts[i] drawn just above and right of (xs[i], ys[i]). */
    private record Texts(double[] xs, double[] ys, String[] texts, Color color) implements Layer {}

    private record ColorBar(String label, double lo, double hi) {}

    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    public Chart title(String t) { title = t; return this; }

    public Chart xLabel(String l) { xLabel = l; return this; }

    public Chart yLabel(String l) { yLabel = l; return this; }

    public Chart xRange(double lo, double hi) { xLo = lo; xHi = hi; return this; }

    public Chart yRange(double lo, double hi) { yLo = lo; yHi = hi; return this; }

    public Chart logY() { logY = true; return this; }

    public Chart logX() { logX = true; return this; }

    /** One data unit is as long on x as on y. */
    public Chart equalAspect() { equalAspect = true; return this; }

    /** A short text in the panel's lower-right corner (e.g. a metric). */
    public Chart note(String n) { note = n; return this; }

    /** Points (x_i, y_i) as filled dots of the given radius in pixels; label null keeps them out of the legend. */
    public Chart scatter(String label, double[] xs, double[] ys, Color color, double radius) {
        check(xs, ys);
        layers.add(new Points(label, xs.clone(), ys.clone(), color, radius));
        return this;
    }

    /** Points from a row-major [n, 2] array. */
    public Chart scatter(String label, float[] xy, Color color, double radius) {
        double[] xs = new double[xy.length / 2], ys = new double[xy.length / 2];
        for (int i = 0; i < xs.length; i++) { xs[i] = xy[2 * i]; ys[i] = xy[2 * i + 1]; }
        return scatter(label, xs, ys, color, radius);
    }

    public Chart line(String label, double[] xs, double[] ys, Color color, float width) {
        check(xs, ys);
        layers.add(new Line(label, xs.clone(), ys.clone(), color, width));
        return this;
    }

    /** Labels texts[i] beside the points (xs[i], ys[i]); not in the legend. */
    public Chart texts(double[] xs, double[] ys, String[] texts, Color color) {
        check(xs, ys);
        if (texts.length != xs.length) throw new IllegalArgumentException("chart: " + xs.length + " points but " + texts.length + " texts");
        layers.add(new Texts(xs.clone(), ys.clone(), texts.clone(), color));
        return this;
    }

    /** Paths p: points (xs[p][k], ys[p][k]), segment k coloured viridis(values[p][k]). */
    public Chart paths(double[][] xs, double[][] ys, double[][] values, float width, double alpha) {
        layers.add(new Paths(xs, ys, values, width, (int) Math.round(255 * alpha)));
        return this;
    }

    /** A vertical viridis bar at the right labelled with the value range it stands for. */
    public Chart colorBar(String label, double lo, double hi) { colorBar = new ColorBar(label, lo, hi); return this; }

    private static void check(double[] xs, double[] ys) {
        if (xs.length != ys.length) throw new IllegalArgumentException("chart: " + xs.length + " x values but " + ys.length + " y values");
    }

    private double[] dataRange(boolean x) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Layer l : layers) {
            List<double[]> arrays = switch (l) {
                case Points p -> List.of(x ? p.xs : p.ys);
                case Line p -> List.of(x ? p.xs : p.ys);
                case Paths p -> List.of(x ? p.xs : p.ys);
                case Texts p -> List.of(x ? p.xs : p.ys);
            };
            boolean log = x ? logX : logY;
            for (double[] a : arrays)
                for (double v : a)
                    if (Double.isFinite(v) && (!log || v > 0)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        }
        return new double[]{lo, hi};
    }

    /** Draws the panel into the rectangle (x, y, w, h) of g. */
    public void draw(Graphics2D g, int x, int y, int w, int h) {
        double[] xr = range(true), yr = range(false);
        g.setColor(Color.WHITE);
        g.fillRect(x, y, w, h);
        int left = 64, right = colorBar != null ? 88 : 16, top = title.isEmpty() ? 12 : 30, bottom = xLabel.isEmpty() ? 30 : 48;
        int pw = w - left - right, ph = h - top - bottom;
        int px = x + left, py = y + top;
        if (equalAspect) {
            double ux = pw / (xr[1] - xr[0]), uy = ph / (yr[1] - yr[0]);
            if (ux > uy) { int nw = (int) (uy * (xr[1] - xr[0])); px += (pw - nw) / 2; pw = nw; }
            else { int nh = (int) (ux * (yr[1] - yr[0])); py += (ph - nh) / 2; ph = nh; }
        }
        Frame f = new Frame(px, py, pw, ph, xr, yr, logX, logY);

        // title and axis labels
        g.setColor(Color.BLACK);
        Text.Metrics fm = Text.use(g, TITLE);
        if (!title.isEmpty()) Text.draw(g, fm, title, px + (pw - fm.width(title)) / 2, y + 20);
        fm = Text.use(g, LABEL);
        if (!xLabel.isEmpty()) Text.draw(g, fm, xLabel, px + (pw - fm.width(xLabel)) / 2, py + ph + 42);
        if (!yLabel.isEmpty()) {
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2, x + 16, py + ph / 2.0);
            Text.draw(g, fm, yLabel, x + 16 - fm.width(yLabel) / 2, py + ph / 2 + fm.ascent() / 2);
            g.setTransform(saved);
        }

        // grid and ticks
        fm = Text.use(g, TICK);
        double[] xt = logX ? Ticks.log(xr[0], xr[1]) : Ticks.linear(xr[0], xr[1], Math.max(2, pw / 70));
        double[] yt = logY ? Ticks.log(yr[0], yr[1]) : Ticks.linear(yr[0], yr[1], Math.max(2, ph / 60));
        double xstep = xt.length > 1 ? xt[1] - xt[0] : 1, ystep = yt.length > 1 ? yt[1] - yt[0] : 1;
        g.setStroke(new BasicStroke(1f));
        for (double v : xt) {
            double sx = f.sx(v);
            g.setColor(new Color(0, 0, 0, 24));
            g.draw(new Line2D.Double(sx, py, sx, py + ph));
            g.setColor(Color.DARK_GRAY);
            g.draw(new Line2D.Double(sx, py + ph, sx, py + ph + 5));
            String s = logX ? Ticks.logLabel(v) : Ticks.label(v, xstep);
            Text.draw(g, fm, s, (float) (sx - fm.width(s) / 2.0), py + ph + 7 + fm.ascent());
        }
        for (double v : yt) {
            double sy = f.sy(v);
            g.setColor(new Color(0, 0, 0, 24));
            g.draw(new Line2D.Double(px, sy, px + pw, sy));
            g.setColor(Color.DARK_GRAY);
            g.draw(new Line2D.Double(px - 5, sy, px, sy));
            String s = logY ? Ticks.logLabel(v) : Ticks.label(v, ystep);
            Text.draw(g, fm, s, px - 8 - fm.width(s), (float) (sy + fm.ascent() / 2.0 - 1));
        }

        // data, clipped to the plot area
        Shape clip = g.getClip();
        g.clipRect(px, py, pw + 1, ph + 1);
        for (Layer l : layers) drawLayer(g, f, l);
        g.setClip(clip);

        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1.2f));
        g.drawRect(px, py, pw, ph);
        legend(g, px, py, pw);
        if (note != null) {
            fm = Text.use(g, LABEL);
            int tw = fm.width(note);
            g.setColor(new Color(255, 255, 255, 220));
            g.fillRect(px + pw - tw - 12, py + ph - fm.height() - 8, tw + 8, fm.height() + 4);
            g.setColor(Color.BLACK);
            Text.draw(g, fm, note, px + pw - tw - 8, py + ph - 8 - fm.descent());
        }
        if (colorBar != null) drawColorBar(g, px + pw + 14, py, ph);
    }

    private double[] range(boolean x) {
        double lo = x ? xLo : yLo, hi = x ? xHi : yHi;
        if (!Double.isNaN(lo)) return new double[]{lo, hi};
        double[] r = dataRange(x);
        boolean log = x ? logX : logY;
        if (!(r[1] >= r[0])) return log ? new double[]{0.1, 1} : new double[]{0, 1};
        if (log) {
            double a = r[0], b = r[1] > r[0] ? r[1] : r[0] * 10;
            return new double[]{a / Math.pow(b / a, 0.05), b * Math.pow(b / a, 0.05)};
        }
        double pad = r[1] > r[0] ? 0.05 * (r[1] - r[0]) : Math.max(1e-3, Math.abs(r[0]) * 0.1);
        return new double[]{r[0] - pad, r[1] + pad};
    }

    /** Data-to-pixel mapping of the plot area. */
    private record Frame(int px, int py, int pw, int ph, double[] xr, double[] yr, boolean logX, boolean logY) {
        double sx(double v) {
            double t = logX ? (Math.log(v) - Math.log(xr[0])) / (Math.log(xr[1]) - Math.log(xr[0])) : (v - xr[0]) / (xr[1] - xr[0]);
            return px + t * pw;
        }

        double sy(double v) {
            double t = logY ? (Math.log(v) - Math.log(yr[0])) / (Math.log(yr[1]) - Math.log(yr[0])) : (v - yr[0]) / (yr[1] - yr[0]);
            return py + ph - t * ph;
        }

        boolean ok(double x, double y) { return Double.isFinite(x) && Double.isFinite(y) && (!logX || x > 0) && (!logY || y > 0); }
    }

    private static void drawLayer(Graphics2D g, Frame f, Layer l) {
        switch (l) {
            case Points p -> {
                g.setColor(p.color);
                double r = p.radius;
                for (int i = 0; i < p.xs.length; i++)
                    if (f.ok(p.xs[i], p.ys[i])) g.fill(new Ellipse2D.Double(f.sx(p.xs[i]) - r, f.sy(p.ys[i]) - r, 2 * r, 2 * r));
            }
            case Line p -> {
                g.setColor(p.color);
                g.setStroke(new BasicStroke(p.width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D.Double path = new Path2D.Double();
                boolean pen = false;
                for (int i = 0; i < p.xs.length; i++) {
                    if (!f.ok(p.xs[i], p.ys[i])) { pen = false; continue; }
                    if (pen) path.lineTo(f.sx(p.xs[i]), f.sy(p.ys[i])); else path.moveTo(f.sx(p.xs[i]), f.sy(p.ys[i]));
                    pen = true;
                }
                g.draw(path);
            }
            case Paths p -> {
                g.setStroke(new BasicStroke(p.width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                for (int k = 0; k < p.xs.length; k++)
                    for (int i = 0; i + 1 < p.xs[k].length; i++) {
                        if (!f.ok(p.xs[k][i], p.ys[k][i]) || !f.ok(p.xs[k][i + 1], p.ys[k][i + 1])) continue;
                        g.setColor(Colors.viridis(p.values[k][i], p.alpha));
                        g.draw(new Line2D.Double(f.sx(p.xs[k][i]), f.sy(p.ys[k][i]), f.sx(p.xs[k][i + 1]), f.sy(p.ys[k][i + 1])));
                    }
            }
            case Texts p -> {
                g.setColor(p.color);
                Text.Metrics fm = Text.use(g, TICK);
                for (int i = 0; i < p.xs.length; i++)
                    if (f.ok(p.xs[i], p.ys[i])) Text.draw(g, fm, p.texts[i], (float) f.sx(p.xs[i]) + 6, (float) f.sy(p.ys[i]) - 6);
            }
        }
    }

    private void legend(Graphics2D g, int px, int py, int pw) {
        List<Layer> shown = layers.stream().filter(l -> switch (l) {
            case Points p -> p.label != null;
            case Line p -> p.label != null;
            case Paths p -> false;
            case Texts p -> false;
        }).toList();
        if (shown.isEmpty()) return;
        Text.Metrics fm = Text.use(g, TICK);
        int lh = fm.height() + 2, tw = 0;
        for (Layer l : shown) tw = Math.max(tw, fm.width(label(l)));
        int bw = tw + 36, bh = lh * shown.size() + 8, bx = px + pw - bw - 8, by = py + 8;
        g.setColor(new Color(255, 255, 255, 225));
        g.fill(new Rectangle2D.Double(bx, by, bw, bh));
        g.setColor(new Color(0, 0, 0, 90));
        g.setStroke(new BasicStroke(1f));
        g.draw(new Rectangle2D.Double(bx, by, bw, bh));
        for (int i = 0; i < shown.size(); i++) {
            int cy = by + 4 + i * lh + lh / 2;
            switch (shown.get(i)) {
                case Points p -> {
                    g.setColor(new Color(p.color.getRed(), p.color.getGreen(), p.color.getBlue()));
                    g.fill(new Ellipse2D.Double(bx + 12, cy - 4, 8, 8));
                }
                case Line p -> {
                    g.setColor(p.color);
                    g.setStroke(new BasicStroke(Math.max(2f, p.width)));
                    g.draw(new Line2D.Double(bx + 6, cy, bx + 26, cy));
                }
                case Paths p -> { }
                case Texts p -> { }
            }
            g.setColor(Color.BLACK);
            Text.draw(g, fm, label(shown.get(i)), bx + 30, cy + fm.ascent() / 2 - 1);
        }
    }

    private static String label(Layer l) {
        return switch (l) { case Points p -> p.label; case Line p -> p.label; case Paths p -> ""; case Texts p -> ""; };
    }

    private void drawColorBar(Graphics2D g, int bx, int by, int bh) {
        int bw = 14;
        for (int i = 0; i < bh; i++) {
            g.setColor(Colors.viridis(1 - i / (double) (bh - 1)));
            g.fillRect(bx, by + i, bw, 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(bx, by, bw, bh);
        Text.Metrics fm = Text.use(g, TICK);
        double[] ticks = Ticks.linear(colorBar.lo, colorBar.hi, 4);
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        DoubleFunction<Double> toY = v -> by + bh - (v - colorBar.lo) / (colorBar.hi - colorBar.lo) * bh;
        for (double v : ticks) {
            double sy = toY.apply(v);
            g.draw(new Line2D.Double(bx + bw, sy, bx + bw + 4, sy));
            Text.draw(g, fm, Ticks.label(v, step), bx + bw + 6, (float) (sy + fm.ascent() / 2.0 - 1));
        }
        fm = Text.use(g, LABEL);
        AffineTransform saved = g.getTransform();
        int lx = bx + bw + 46, cy = by + bh / 2;
        g.rotate(-Math.PI / 2, lx, cy);
        Text.draw(g, fm, colorBar.label, lx - fm.width(colorBar.label) / 2, cy + fm.ascent() / 2);
        g.setTransform(saved);
    }
}
