package org.jdiffusion.samples.data;

import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The 2-D toy sets: seeded, in range, and each with its defining geometry. */
class Toy2DTest {
    @Test void seededAndInRange() {
        for (Toy2D d : Toy2D.values()) {
            Tensor a = d.sample(new Generator(3), 500), b = d.sample(new Generator(3), 500), c = d.sample(new Generator(4), 500);
            assertArrayEquals(new int[]{500, 2}, a.shape());
            assertArrayEquals(a.toFloatArray(), b.toFloatArray());
            assertTrue(!java.util.Arrays.equals(a.toFloatArray(), c.toFloatArray()));
            for (float v : a.toFloatArray()) assertTrue(Math.abs(v) < 2.6, d + " " + v);
            assertEquals(d, Toy2D.parse(d.key()));
        }
    }

    @Test void geometry() {
        float[] s = Toy2D.SPIRAL.sample(new Generator(1), 2000, 0).toFloatArray();
        for (int i = 0; i < 2000; i++) {
            double r = Math.hypot(s[2 * i], s[2 * i + 1]);
            assertTrue(r >= 0.3 - 1e-5 && r <= 1.8 + 1e-5, "spiral radius " + r);
        }
        float[] c = Toy2D.CHECKERBOARD.sample(new Generator(2), 4000).toFloatArray();
        int[] counts = new int[16];
        for (int i = 0; i < 4000; i++) {
            int col = (int) Math.floor(c[2 * i] + 2), row = (int) Math.floor(c[2 * i + 1] + 2);
            assertEquals(0, (col + row) % 2, "point in a white square: " + c[2 * i] + ", " + c[2 * i + 1]);
            counts[row * 4 + col]++;
        }
        for (int k = 0; k < 16; k++) if ((k / 4 + k % 4) % 2 == 0) assertTrue(counts[k] > 350 && counts[k] < 650, "square " + k + ": " + counts[k]);
        float[] g = Toy2D.EIGHT_GAUSSIANS.sample(new Generator(5), 4000, 0).toFloatArray();
        int[] modes = new int[8];
        for (int i = 0; i < 4000; i++) {
            assertEquals(1.6, Math.hypot(g[2 * i], g[2 * i + 1]), 1e-5);
            modes[(int) Math.round(Math.atan2(g[2 * i + 1], g[2 * i]) / (Math.PI / 4) + 8) % 8]++;
        }
        for (int m : modes) assertTrue(m > 400 && m < 600, java.util.Arrays.toString(modes));
        float[] moons = Toy2D.MOONS.sample(new Generator(6), 1000, 0).toFloatArray();
        double mx = 0, my = 0;
        for (int i = 0; i < 1000; i++) { mx += moons[2 * i]; my += moons[2 * i + 1]; }
        assertEquals(0, mx / 1000, 0.1);
        assertEquals(0, my / 1000, 0.1);
    }

    @Test void errors() {
        String m = assertThrows(IllegalArgumentException.class, () -> Toy2D.parse("swiss")).getMessage();
        assertTrue(m.contains("unknown 2-D data set 'swiss'") && m.contains("checkerboard"), m);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Toy2D.SPIRAL.sample(new Generator(0), 0)).getMessage().contains(">= 1"));
    }
}
