package org.jdiffusion.samples.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar for a run of {@code total} steps showing the step, named metrics (loss ...),
 * steps per second and the time left. On a terminal it redraws one line in place at most ten
 * times a second; otherwise (a pipe, a file, CI) it prints a plain line about every 10% of the run
 * and at least every 30 seconds, so logs stay short and readable.
 */
public final class Progress {
    private final String label, unit;
    private final long total;
    private final PrintStream out;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long lastDraw = Long.MIN_VALUE / 2, lastPlainStep = -1, startStep = -1;
    private int lastWidth;

    public Progress(String label, long total, PrintStream out, boolean tty) { this(label, total, out, tty, "steps"); }

    /** {@code unit} names what is counted in the rate ("steps", "samples", "images"). */
    public Progress(String label, long total, PrintStream out, boolean tty, String unit) {
        this.label = label;
        this.unit = unit;
        this.total = Math.max(1, total);
        this.out = out;
        this.tty = tty;
    }

    /** A bar on System.out, redrawn in place only when it is an interactive terminal and CI is unset. */
    public static Progress onStdout(String label, long total) { return onStdout(label, total, "steps"); }

    public static Progress onStdout(String label, long total, String unit) { return new Progress(label, total, System.out, interactive(), unit); }

    public static boolean interactive() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal() && System.getenv("CI") == null && !"dumb".equals(System.getenv("TERM"));
    }

    /** Reports that {@code step} (1-based) of total is done; metrics alternate name, value. */
    public void update(long step, Object... metrics) {
        if (startStep < 0) startStep = step - 1;
        long now = System.nanoTime();
        boolean last = step >= total;
        if (tty) {
            if (!last && now - lastDraw < 100_000_000L) return;
            lastDraw = now;
            String line = line(step, now, metrics, true);
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
            if (last) out.println();
            out.flush();
        } else {
            long every = Math.max(1, total / 10);
            boolean due = step == 1 || last || step / every != lastPlainStep / every || now - lastDraw > 30_000_000_000L;
            if (!due || step == lastPlainStep) return;
            lastPlainStep = step;
            lastDraw = now;
            out.println(line(step, now, metrics, false));
        }
    }

    /** A line of its own (a warning during the run), without breaking the bar on a terminal. */
    public void note(String line) {
        if (tty && lastWidth > 0) { out.print("\r" + " ".repeat(lastWidth) + "\r"); lastWidth = 0; lastDraw = Long.MIN_VALUE / 2; }
        out.println(line);
        out.flush();
    }

    /** Ends the line after an interrupted run on a terminal. */
    public void finish() {
        if (tty && lastWidth > 0) { out.println(); out.flush(); lastWidth = 0; }
    }

    String line(long step, long now, Object[] metrics, boolean bar) {
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? (step - startStep) / secs : 0;
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (bar) {
            int w = 24, filled = (int) (w * Math.min(1.0, step / (double) total));
            sb.append('[').append("#".repeat(filled)).append(".".repeat(w - filled)).append("] ");
        }
        int digits = Long.toString(total).length();
        sb.append(String.format(Locale.ROOT, "%" + digits + "d/%d", step, total));
        for (int i = 0; i + 1 < metrics.length; i += 2) {
            Object v = metrics[i + 1];
            sb.append("  ").append(metrics[i]).append(' ')
                    .append(v instanceof Double || v instanceof Float ? fmt(((Number) v).doubleValue()) : String.valueOf(v));
        }
        sb.append(String.format(Locale.ROOT, "  %.1f %s/s", rate, unit));
        if (step < total) sb.append("  ETA ").append(rate > 0 ? duration((total - step) / rate) : "?");
        else sb.append("  done in ").append(duration(secs));
        return sb.toString();
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.3e", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    /** 42s, 3m07s, 1h02m. */
    public static String duration(double secs) {
        long s = Math.round(secs);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
