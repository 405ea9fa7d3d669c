package org.jdiffusion.diffusion.metrics;

import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * Sliced 2-Wasserstein distance between two point sets in ℝ^d (Rabin et al. 2011; Bonneel et al.
 * 2015): SW₂ = (E_θ W₂²(θᵀX, θᵀY))^½ over directions θ uniform on the sphere, each 1-D W₂ computed
 * from sorted projections (quantile functions at (i + ½)/m, m = max(n_x, n_y), so the sets may
 * differ in size). Directions come from a seeded {@link Generator}, so the value is reproducible.
 */
public final class SlicedWasserstein {
    private SlicedWasserstein() {}

    /** SW₂ between the rows of x [n, d] and y [m, d] over {@code directions} random projections. */
    public static double of(Tensor x, Tensor y, int directions, long seed) {
        if (x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1) || x.size(0) == 0 || y.size(0) == 0)
            throw new IllegalArgumentException("SlicedWasserstein: expected point sets [n, d] and [m, d] with the same d, got "
                    + x.describe() + " and " + y.describe());
        if (directions < 1) throw new IllegalArgumentException("SlicedWasserstein: directions must be >= 1, got " + directions);
        int d = x.size(1);
        double[] xs = x.toDoubleArray(), ys = y.toDoubleArray();
        int nx = x.size(0), ny = y.size(0), m = Math.max(nx, ny);
        int[] scratch = new int[4];
        double total = 0;
        double[] px = new double[nx], py = new double[ny];
        for (int k = 0; k < directions; k++) {
            double[] theta = new double[d];
            double norm = 0;
            for (int j = 0; j < d; j++) {
                theta[j] = Philox.value(Philox.Distribution.NORMAL, DType.FLOAT64, seed, (long) k * d + j, 0, 1, scratch);
                norm += theta[j] * theta[j];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < nx; i++) { double s = 0; for (int j = 0; j < d; j++) s += xs[i * d + j] * theta[j]; px[i] = s / norm; }
            for (int i = 0; i < ny; i++) { double s = 0; for (int j = 0; j < d; j++) s += ys[i * d + j] * theta[j]; py[i] = s / norm; }
            Arrays.sort(px);
            Arrays.sort(py);
            double w = 0;
            for (int i = 0; i < m; i++) {
                double q = (i + 0.5) / m;
                double diff = px[(int) (q * nx)] - py[(int) (q * ny)];
                w += diff * diff;
            }
            total += w / m;
        }
        return Math.sqrt(total / directions);
    }

    /** With 256 directions and a fixed seed. */
    public static double of(Tensor x, Tensor y) { return of(x, y, 256, 0x5eed); }
}
