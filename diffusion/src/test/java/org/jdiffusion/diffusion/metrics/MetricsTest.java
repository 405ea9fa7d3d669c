package org.jdiffusion.diffusion.metrics;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fréchet distance, sliced Wasserstein and MMD against closed forms and their defining properties. */
class MetricsTest {

    private static Tensor gaussian(long seed, int n, int d, double shift) {
        return Rand.normal(new Generator(seed), 0, 1, DType.FLOAT64, Device.CPU, n, d).add(shift);
    }

    @Test
    void eigenDecompositionReconstructsARandomSymmetricMatrix() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 7;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = i; j < n; j++) a[i][j] = a[j][i] = r.nextDouble() * 2 - 1;
        SymmetricEigen.Result e = SymmetricEigen.of(a);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += e.vectors()[i][k] * e.values()[k] * e.vectors()[j][k];
                assertEquals(a[i][j], s, 1e-12, "A[" + i + "][" + j + "]");
            }
        double[][] spd = FrechetDistance.multiply(a, a);
        double[][] root = SymmetricEigen.sqrtPsd(spd);
        double[][] back = FrechetDistance.multiply(root, root);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) assertEquals(spd[i][j], back[i][j], 1e-10);
    }

    @Test
    void frechetDistanceOfASetWithItselfIsZero() {
        GaussianStats s = GaussianStats.of(gaussian(1, 500, 8, 0));
        assertEquals(0, FrechetDistance.of(s, s), 1e-9);
    }

    @Test
    void shiftingASetByCAddsExactlyTheSquaredNormOfC() {
        Tensor x = gaussian(2, 400, 5, 0);
        Tensor c = Tensor.of(new double[]{0.5, -1, 2, 0, 0.25}, 5);
        double fd = FrechetDistance.of(GaussianStats.of(x), GaussianStats.of(x.add(c)));
        assertEquals(0.25 + 1 + 4 + 0.0625, fd, 1e-9);
    }

    @Test
    void matchesTheClosedFormBetweenTwoGaussiansIn2d() {
        // for 2×2 SPD M: Tr(√M) = √(Tr M + 2√det M)
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 20; trial++) {
            double[][] s1 = randomSpd(r), s2 = randomSpd(r);
            double[] m1 = {r.nextDouble(), r.nextDouble()}, m2 = {r.nextDouble(), r.nextDouble()};
            double[][] p = FrechetDistance.multiply(s1, s2);
            double trP = p[0][0] + p[1][1], detP = p[0][0] * p[1][1] - p[0][1] * p[1][0];
            double expected = sq(m1[0] - m2[0]) + sq(m1[1] - m2[1]) + s1[0][0] + s1[1][1] + s2[0][0] + s2[1][1]
                    - 2 * Math.sqrt(trP + 2 * Math.sqrt(detP));
            double fd = FrechetDistance.of(new GaussianStats(m1, s1, 100), new GaussianStats(m2, s2, 100));
            assertEquals(expected, fd, 1e-10, "trial " + trial);
        }
    }

    @Test
    void sampleFrechetDistanceApproachesTheClosedFormForDiagonalCovariances() {
        // N(0, I) vs N(μ, diag(4)): FD = ‖μ‖² + d·(1 − 2)² with d = 3
        Tensor a = gaussian(7, 20000, 3, 0), b = gaussian(8, 20000, 3, 0).mul(2).add(1);
        double fd = FrechetDistance.of(GaussianStats.of(a), GaussianStats.of(b));
        assertEquals(3 + 3, fd, 0.15);
    }

    @Test
    void slicedWassersteinIsZeroForOneSetAndScalesWithAShift() {
        Tensor x = gaussian(3, 2000, 2, 0);
        assertEquals(0, SlicedWasserstein.of(x, x), 1e-12);
        // shifting by c: SW₂² = E_θ (θ·c)² = ‖c‖²/d
        double sw = SlicedWasserstein.of(x, x.add(Tensor.of(new double[]{3, 4}, 2)), 2000, 1);
        assertEquals(5 / Math.sqrt(2), sw, 0.1);
        assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.of(x, gaussian(4, 10, 3, 0)));
    }

    @Test
    void mmdSeparatesDifferentDistributionsOnly() {
        double same = Mmd.squared(gaussian(10, 300, 2, 0), gaussian(11, 300, 2, 0));
        double diff = Mmd.squared(gaussian(12, 300, 2, 0), gaussian(13, 300, 2, 1.5));
        assertTrue(Math.abs(same) < 0.01, "same-distribution MMD² " + same);
        assertTrue(diff > 0.1, "shifted MMD² " + diff);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mmd.squared(gaussian(1, 5, 2, 0), gaussian(1, 5, 3, 0)));
        assertTrue(e.getMessage().contains("[5, 2]") && e.getMessage().contains("[5, 3]"), e.getMessage());
    }

    @Test
    void badFeatureSetsAreRejectedWithTheirShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GaussianStats.of(gaussian(1, 1, 4, 0)));
        assertTrue(e.getMessage().contains("[1, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FrechetDistance.of(
                GaussianStats.of(gaussian(1, 5, 2, 0)), GaussianStats.of(gaussian(1, 5, 3, 0))));
        assertTrue(e.getMessage().contains("2 vs 3"), e.getMessage());
    }

    private static double[][] randomSpd(SplittableRandom r) {
        double a = r.nextDouble() * 2 - 1, b = r.nextDouble() * 2 - 1, c = r.nextDouble() * 2 - 1, d = r.nextDouble() * 2 - 1;
        // LLᵀ + 0.1·I
        return new double[][]{{a * a + b * b + 0.1, a * c + b * d}, {a * c + b * d, c * c + d * d + 0.1}};
    }

    private static double sq(double v) { return v * v; }
}
