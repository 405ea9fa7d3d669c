package org.jdiffusion.kernels.cuda;

/**
 * Division by a divisor fixed for a launch as a multiply and a shift (conv.cu's FastDiv): for
 * 0 ≤ n < 2³¹ and d ≥ 1, with l = ⌈log₂ d⌉ and mul = ⌈2^(31+l) / d⌉,
 * ⌊n / d⌋ = ⌊n · mul / 2^(31+l)⌋ = umulhi(2n, mul) >> l (Granlund and Montgomery, "Division by
 * invariant integers using multiplication", PLDI 1994, theorem 4.2 with N = 31 bits of numerator:
 * the error mul·d − 2^(31+l) is below d ≤ 2^l). mul < 2³² since d > 2^(l−1), so it is one unsigned
 * 32-bit word, and 2n < 2³² too: the device needs an add, a multiply-high and a shift, all 32-bit.
 */
final class FastDivision {
    private FastDivision() {}

    /** {mul (unsigned, as int bits), l} for divisor d ≥ 1. */
    static int[] of(int d) {
        if (d < 1) throw new IllegalArgumentException("fast division: divisor must be at least 1, got " + d);
        int l = 32 - Integer.numberOfLeadingZeros(d - 1);  // ⌈log₂ d⌉: 0 for d = 1
        long mul = ((1L << (31 + l)) + d - 1) / d;
        return new int[]{(int) mul, l};
    }

    /** What the device computes: __umulhi(n + n, mul) >> l, all unsigned 32-bit. */
    static int divide(int n, int mul, int l) {
        return umulhi(n + n, mul) >>> l;
    }

    /** CUDA's __umulhi: the high 32 bits of the 64-bit product of two unsigned 32-bit words. */
    static int umulhi(int a, int b) {
        return (int) ((Integer.toUnsignedLong(a) * Integer.toUnsignedLong(b)) >>> 32);
    }
}
