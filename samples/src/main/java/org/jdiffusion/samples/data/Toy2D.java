package org.jdiffusion.samples.data;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Two-dimensional toy distributions for diffusion experiments, each drawn from a seeded
 * {@link Generator} as float32 [n, 2] and scaled to lie roughly in [−2, 2]²: a spiral, two moons,
 * eight Gaussians on a circle and a 4×4 checkerboard (eight filled squares).
 */
public enum Toy2D {
    /** r = 0.3 + 1.5·s, θ = 0.5π + 3.5π·s for s ~ U(0, 1) (1¾ turns), plus N(0, noise²) per coordinate. */
    SPIRAL("spiral", 0.04),
    /** The upper moon (cos a, sin a) and the lower (1 − cos a, 0.5 − sin a), a ~ U(0, π), centred and scaled by 1.6. */
    MOONS("moons", 0.06),
    /** N(c_k, 0.12²) around eight centres c_k = 1.6·(cos kπ/4, sin kπ/4), k uniform. */
    EIGHT_GAUSSIANS("8gaussians", 0.12),
    /** Uniform on the eight black squares of a 4×4 board on [−2, 2]². */
    CHECKERBOARD("checkerboard", 0);

    private final String key;
    private final double noise;

    Toy2D(String key, double noise) { this.key = key; this.noise = noise; }

    public String key() { return key; }

    /** The default noise (standard deviation) of this distribution. */
    public double noise() { return noise; }

    public static Toy2D parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT);
        for (Toy2D t : values()) if (t.key.equals(k) || t.name().toLowerCase(Locale.ROOT).equals(k)) return t;
        if (k.equals("two-moons") || k.equals("two_moons")) return MOONS;
        throw new IllegalArgumentException("unknown 2-D data set '" + s + "': expected one of " + Arrays.toString(keys()));
    }

    public static String[] keys() { return Arrays.stream(values()).map(Toy2D::key).toArray(String[]::new); }

    public Tensor sample(Generator g, int n) { return sample(g, n, noise); }

    /** n points as float32 [n, 2]. */
    public Tensor sample(Generator g, int n, double noiseStd) {
        if (n < 1) throw new IllegalArgumentException(key + ": number of points must be >= 1, got " + n);
        double[] u = Rand.uniform(g, 0, 1, DType.FLOAT64, Device.CPU, n, 2).toDoubleArray();
        double[] z = Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, n, 2).toDoubleArray();
        float[] out = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double a = u[2 * i], b = u[2 * i + 1], x, y;
            switch (this) {
                case SPIRAL -> {
                    double r = 0.3 + 1.5 * a, th = 0.5 * Math.PI + 3.5 * Math.PI * a;
                    x = r * Math.cos(th);
                    y = r * Math.sin(th);
                }
                case MOONS -> {
                    double ang = Math.PI * a;
                    boolean upper = b < 0.5;
                    x = upper ? Math.cos(ang) : 1 - Math.cos(ang);
                    y = upper ? Math.sin(ang) : 0.5 - Math.sin(ang);
                    x = 1.6 * (x - 0.5);
                    y = 1.6 * (y - 0.25);
                }
                case EIGHT_GAUSSIANS -> {
                    int k = Math.min(7, (int) (b * 8));
                    x = 1.6 * Math.cos(k * Math.PI / 4);
                    y = 1.6 * Math.sin(k * Math.PI / 4);
                }
                case CHECKERBOARD -> {
                    // x ~ U(−2, 2); y in the two squares of x's column whose (col + row) is even
                    x = 4 * a - 2;
                    int col = (int) Math.floor(x + 2);
                    int row = 2 * Math.min(1, (int) (b * 2)) + (col % 2);
                    y = row + (b * 2 - Math.floor(b * 2)) - 2;
                }
                default -> throw new IllegalStateException();
            }
            out[2 * i] = (float) (x + noiseStd * z[2 * i]);
            out[2 * i + 1] = (float) (y + noiseStd * z[2 * i + 1]);
        }
        return Tensor.of(out, n, 2);
    }
}
