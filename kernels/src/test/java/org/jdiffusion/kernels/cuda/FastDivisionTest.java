package org.jdiffusion.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** conv.cu's multiply-and-shift division against Java's division, as the device computes it. */
class FastDivisionTest {
    static void check(int n, int d) {
        int[] ms = FastDivision.of(d);
        int q = FastDivision.divide(n, ms[0], ms[1]);
        if (q != n / d) throw new AssertionError(n + " / " + d + ": expected " + n / d + ", got " + q + " (mul " + Integer.toUnsignedString(ms[0]) + ", l " + ms[1] + ")");
    }

    @Test void everyNumeratorBelow2To16ForEveryDivisorUpTo1024() {
        for (int d = 1; d <= 1024; d++)
            for (int n = 0; n < 1 << 16; n++) check(n, d);
    }

    @Test void randomLargeNumeratorsAndDivisorsAndTheEdges() {
        SplittableRandom r = new SplittableRandom(2026);
        int[] divisors = {1, 2, 3, 5, 7, 9, 25, 49, 196, 784, 3136, 12544, 50176, 641, 6700417, 1 << 30, (1 << 30) + 1, Integer.MAX_VALUE - 1, Integer.MAX_VALUE};
        for (int d : divisors) {
            for (int i = 0; i < 20_000; i++) check(r.nextInt(Integer.MAX_VALUE), d);
            for (long k = 0; k * d <= Integer.MAX_VALUE; k += Math.max(1, Integer.MAX_VALUE / d / 5000)) {  // multiples and their neighbours
                int m = (int) (k * d);
                check(m, d);
                if (m > 0) check(m - 1, d);
                if (m < Integer.MAX_VALUE) check(m + 1, d);
            }
            check(Integer.MAX_VALUE, d);
        }
        for (int i = 0; i < 2_000_000; i++) {
            int d = 1 + r.nextInt(Integer.MAX_VALUE - 1) >>> r.nextInt(31);  // divisors of every magnitude
            check(r.nextInt(Integer.MAX_VALUE), Math.max(1, d));
        }
    }

    @Test void theMultiplierFitsOneUnsignedWordAndTheShiftIsCeilLog2() {
        assertEquals(0, FastDivision.of(1)[1]);
        assertEquals(1L << 31, Integer.toUnsignedLong(FastDivision.of(1)[0]));
        assertEquals(1, FastDivision.of(2)[1]);
        assertEquals(2, FastDivision.of(3)[1]);
        assertEquals(2, FastDivision.of(4)[1]);
        assertEquals(31, FastDivision.of(Integer.MAX_VALUE)[1]);
        assertEquals(2863311531L, Integer.toUnsignedLong(FastDivision.of(3)[0]));  // ⌈2^33 / 3⌉
        for (int d : new int[]{5, 9, 1000, Integer.MAX_VALUE})
            assertTrue(Integer.toUnsignedLong(FastDivision.of(d)[0]) > 1L << 31, "mul ≥ 2^31 for d " + d);
    }

    @Test void umulhiIsTheHighWordOfTheUnsignedProduct() {
        assertEquals(0, FastDivision.umulhi(0xFFFFFFFF, 1));
        assertEquals(0xFFFFFFFE, FastDivision.umulhi(0xFFFFFFFF, 0xFFFFFFFF));  // (2^32 − 1)² = 2^64 − 2^33 + 1
        assertEquals(1, FastDivision.umulhi(1 << 16, 1 << 16));
        assertEquals(0x7FFFFFFF, FastDivision.umulhi(0xFFFFFFFE, 1 << 31));
    }

    @Test void aDivisorBelowOneIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FastDivision.of(0));
        assertEquals("fast division: divisor must be at least 1, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FastDivision.of(-3));
    }
}
