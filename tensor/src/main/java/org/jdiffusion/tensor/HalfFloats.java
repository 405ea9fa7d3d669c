package org.jdiffusion.tensor;

/**
 * Bit-exact conversions between the 16-bit floating formats and float32/float64. A half value is
 * held as its bit pattern in a {@code short}.
 * <ul>
 *   <li>bfloat16: sign, 8 exponent bits (bias 127), 7 mantissa bits, the top half of a float32:
 *       float32's range, 8 bits of precision; largest finite (2 − 2⁻⁷)·2¹²⁷.</li>
 *   <li>float16 (IEEE 754 binary16): sign, 5 exponent bits (bias 15), 10 mantissa bits; largest
 *       finite 65504, smallest normal 2⁻¹⁴, smallest subnormal 2⁻²⁴.</li>
 * </ul>
 * Widening is exact. Narrowing rounds to nearest, ties to even, once: a magnitude at or past the
 * half-way point above the largest finite becomes ±∞, values below the smallest subnormal become ±0
 * (the sign kept), subnormals are produced exactly, and NaN becomes the canonical quiet NaN
 * (bfloat16 0x7FC0; float16 0x7E00 with the sign kept), as PyTorch's c10 conversions do.
 * <p>
 * float64 → half is correctly rounded (as numpy and CUDA's {@code __double2half}): the double is
 * first narrowed to float32 with round-to-odd (truncate, then set the last bit when inexact), which
 * keeps enough information for the final round-to-nearest-even to be exact, because float32 carries
 * at least two more bits than either half format at every magnitude (Boldo and Melquiond, "When
 * double rounding is odd", 2005). PyTorch's CPU cast rounds through float32 to nearest twice instead
 * and can differ by one unit in the last place for a float64 lying within 2⁻²⁴ (relative) of a tie.
 */
public final class HalfFloats {
    private HalfFloats() {}

    public static final short BF16_NAN = 0x7FC0, F16_NAN = 0x7E00;

    public static float bf16ToFloat(short h) { return Float.intBitsToFloat((h & 0xFFFF) << 16); }

    public static float f16ToFloat(short h) { return Float.float16ToFloat(h); }

    /** Round to nearest even: add 0x7FFF plus the kept part's last bit, then drop the low 16 bits. */
    public static short bf16FromFloat(float f) {
        if (Float.isNaN(f)) return BF16_NAN;
        int u = Float.floatToRawIntBits(f);
        return (short) ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16);
    }

    public static short f16FromFloat(float f) {
        if (Float.isNaN(f)) return (short) ((Float.floatToRawIntBits(f) >>> 16 & 0x8000) | F16_NAN);
        return Float.floatToFloat16(f);
    }

    public static short bf16FromDouble(double d) {
        return Double.isNaN(d) ? BF16_NAN : bf16FromFloat(toFloatRoundToOdd(d));
    }

    public static short f16FromDouble(double d) {
        if (Double.isNaN(d)) return (short) ((Double.doubleToRawLongBits(d) >>> 48 & 0x8000) | F16_NAN);
        return f16FromFloat(toFloatRoundToOdd(d));
    }

    /**
     * d narrowed to float32 rounding to odd: the float32 nearer zero when d lies between two, with
     * its last mantissa bit set (the "sticky" bit recording that something was dropped); exact values,
     * ±∞ and NaN unchanged. A finite d beyond float32's range becomes ±(2 − 2⁻²³)·2¹²⁷, which every
     * half format rounds on to ±∞.
     */
    static float toFloatRoundToOdd(double d) {
        float f = (float) d;
        if ((double) f == d || Float.isNaN(f)) return f;
        if (Math.abs((double) f) > Math.abs(d)) f = Math.nextAfter(f, 0.0);
        return Float.intBitsToFloat(Float.floatToRawIntBits(f) | 1);
    }
}
