package org.jdiffusion.samples.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Axis ticks at "nice" values: a step of 1, 2, 2.5 or 5 × 10^k giving about {@code target} ticks
 * over the range; on a log axis, the powers of ten (with 2 and 5 between them when the range
 * spans less than two decades).
 */
final class Ticks {
    private Ticks() {}

    static double niceStep(double range, int target) {
        double raw = range / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 2.5, 5, 10}) if (m * mag >= raw) return m * mag;
        return 10 * mag;
    }

    static double[] linear(double lo, double hi, int target) {
        if (!(hi > lo)) return new double[]{lo};
        double step = niceStep(hi - lo, target);
        List<Double> t = new ArrayList<>();
        for (double v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double[] log(double lo, double hi) {
        List<Double> t = new ArrayList<>();
        int a = (int) Math.floor(Math.log10(lo)), b = (int) Math.ceil(Math.log10(hi));
        double[] mult = Math.log10(hi / lo) <= 2.5 ? new double[]{1, 2, 5} : new double[]{1};
        for (int k = a; k <= b; k++)
            for (double m : mult) {
                double v = m * Math.pow(10, k);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t.add(v);
            }
        if (t.size() < 2) return linear(lo, hi, 4);
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A label with as few digits as the step needs ("0.25", "1e-3", "1,000" is written "1000"). */
    static String label(double v, double step) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e5 || a < 1e-3) {
            String s = String.format(Locale.ROOT, "%.1e", v).replace("e+0", "e").replace("e-0", "e-").replace("e+", "e");
            return s.replace(".0e", "e");
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (step * Math.pow(10, decimals) % 1 > 1e-6) decimals++;
        return String.format(Locale.ROOT, "%." + Math.min(decimals, 6) + "f", v);
    }

    static String logLabel(double v) {
        double k = Math.log10(v);
        if (Math.abs(k - Math.rint(k)) < 1e-9 && (k >= 4 || k <= -3)) return "1e" + (int) Math.rint(k);
        if (v >= 1e5 || v < 1e-3) return label(v, v);
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
