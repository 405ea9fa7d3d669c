package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.NoiseSchedule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SpacingTest {
    private final NoiseSchedule lin = NoiseSchedule.linear(1000);

    @Test
    void tableTwoOfLinEtAl() {
        assertArrayEquals(new long[]{999, 888, 777, 666, 555, 444, 333, 222, 111, 0}, Spacing.LINSPACE.timesteps(lin, 10));
        assertArrayEquals(new long[]{900, 800, 700, 600, 500, 400, 300, 200, 100, 0}, Spacing.LEADING.timesteps(lin, 10));
        assertArrayEquals(new long[]{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, Spacing.TRAILING.timesteps(lin, 10));
        assertArrayEquals(new long[]{999, 666, 332}, Spacing.TRAILING.timesteps(lin, 3));
        assertArrayEquals(new long[]{999, 500, 0}, Spacing.LINSPACE.timesteps(lin, 3));   // 499.5 rounds half to even
        assertArrayEquals(new long[]{999, 444, 111, 0}, Spacing.QUADRATIC.timesteps(lin, 4));
    }

    @Test
    void everySpacingGivesDistinctDescendingTimesteps() {
        NoiseSchedule[] schedules = {lin, NoiseSchedule.cosine(1000).rescaleZeroTerminalSnr(), NoiseSchedule.cosine(37)};
        for (NoiseSchedule s : schedules)
            for (Spacing sp : Spacing.values())
                for (int n : new int[]{1, 2, 3, 7, 20, 50, 333, s.timesteps()}) {
                    if (n > s.timesteps()) continue;
                    long[] ts = sp.timesteps(s, n);
                    assertEquals(n, ts.length, sp + " n=" + n);
                    for (int i = 0; i < n; i++) {
                        assertTrue(ts[i] >= 0 && ts[i] < s.timesteps(), sp + " n=" + n + " t=" + ts[i]);
                        if (i > 0) assertTrue(ts[i] < ts[i - 1], sp + " n=" + n + " not decreasing at " + i);
                    }
                    if (n == s.timesteps()) assertEquals(0, ts[n - 1], sp + " with every step ends at 0");
                    if (sp == Spacing.TRAILING || sp == Spacing.LINSPACE) assertEquals(s.timesteps() - 1, ts[0]);
                }
    }

    @Test
    void logSnrIsUniformInLambda() {
        long[] ts = Spacing.LOG_SNR.timesteps(lin, 12);
        assertEquals(999, ts[0]);
        assertEquals(0, ts[11]);
        double step = (lin.lambda(0) - lin.lambda(999)) / 11;
        for (int i = 1; i < 11; i++)
            assertEquals(lin.lambda(999) + i * step, lin.lambda((int) ts[i]), 0.5 * step, "λ at " + i);
        NoiseSchedule z = lin.rescaleZeroTerminalSnr();
        long[] zs = Spacing.LOG_SNR.timesteps(z, 12);
        assertEquals(999, zs[0]);
        assertEquals(998, zs[1]);   // then uniform from the last finite λ
        assertEquals(0, zs[11]);
    }

    @Test
    void badStepCountsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Spacing.TRAILING.timesteps(lin, 0));
        assertTrue(e.getMessage().contains("TRAILING") && e.getMessage().contains("1..1000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Spacing.LINSPACE.timesteps(lin, 1001));
        assertTrue(e.getMessage().contains("1001"), e.getMessage());
    }
}
