package org.jdiffusion.samples.plot;

import java.awt.Color;

/** The plots' colours: a ten-colour categorical palette and the viridis map for a value in [0, 1]. */
public final class Colors {
    private Colors() {}

    /** Categorical (the widely used "tab10" hues). */
    public static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    public static Color palette(int i) { return PALETTE[Math.floorMod(i, PALETTE.length)]; }

    /** Viridis sampled at nine evenly spaced points, interpolated linearly in RGB. */
    private static final int[][] VIRIDIS = {
            {68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141},
            {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};

    /** Viridis at v (clamped to [0, 1]): dark purple at 0, yellow at 1. */
    public static Color viridis(double v) { return viridis(v, 255); }

    public static Color viridis(double v, int alpha) {
        double x = Math.max(0, Math.min(1, Double.isNaN(v) ? 0 : v)) * (VIRIDIS.length - 1);
        int i = Math.min(VIRIDIS.length - 2, (int) x);
        double f = x - i;
        int[] a = VIRIDIS[i], b = VIRIDIS[i + 1];
        return new Color((int) Math.round(a[0] + f * (b[0] - a[0])), (int) Math.round(a[1] + f * (b[1] - a[1])),
                (int) Math.round(a[2] + f * (b[2] - a[2])), alpha);
    }

    public static Color withAlpha(Color c, double alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), (int) Math.round(255 * Math.max(0, Math.min(1, alpha))));
    }
}
