package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * HalfFloats against an independent reference: every finite half value decoded from its fields in
 * float64, and round-to-nearest-even done by search over that table and comparison with the exact
 * midpoint of the two neighbours, the pattern one past the largest finite standing for the overflow
 * threshold.
 */
class HalfFloatsTest {

    /** One 16-bit format: its decoded non-negative values, index = bit pattern, up to and including the Inf pattern. */
    private record Format(String name, int mantissaBits, int bias, int infBits) {
        double decode(int bits) {
            int m = bits & ((1 << mantissaBits) - 1), e = (bits & 0x7FFF) >>> mantissaBits;
            double mag = e == 0 ? Math.scalb((double) m, 1 - bias - mantissaBits) : Math.scalb(1.0 + Math.scalb((double) m, -mantissaBits), e - bias);
            return (bits & 0x8000) != 0 ? -mag : mag;
        }

        /** Value of pattern i, i ≤ infBits; the Inf pattern stands for 2^(emax+1), where rounding overflows. */
        double[] table() {
            double[] t = new double[infBits + 1];
            for (int i = 0; i < infBits; i++) t[i] = decode(i);
            t[infBits] = Math.scalb(1.0, (infBits >>> mantissaBits) - bias);
            return t;
        }
    }

    static final Format BF16 = new Format("bf16", 7, 127, 0x7F80), F16 = new Format("f16", 10, 15, 0x7C00);
    static final double[] BF16_T = BF16.table(), F16_T = F16.table();

    /** Round-to-nearest-even of a non-NaN double by search and comparison with the neighbours' midpoint. */
    static short reference(Format f, double[] t, double d) {
        int sign = (Double.doubleToRawLongBits(d) < 0) ? 0x8000 : 0;
        double a = Math.abs(d);
        int i = Arrays.binarySearch(t, a);
        int bits;
        if (i >= 0) bits = i;
        else if (-i - 1 > f.infBits) bits = f.infBits;
        else {
            int hi = -i - 1, lo = hi - 1;
            double mid = t[lo] + (t[hi] - t[lo]) / 2;   // exact: 12 significant bits at most
            bits = a < mid ? lo : a > mid ? hi : (lo % 2 == 0 ? lo : hi);
        }
        return (short) (sign | bits);
    }

    static short bf16(double d) { return HalfFloats.bf16FromDouble(d); }

    static short f16(double d) { return HalfFloats.f16FromDouble(d); }

    static void check(double d) {
        if (Double.isNaN(d)) return;
        assertBits(reference(BF16, BF16_T, d), bf16(d), "bf16 of double " + d);
        assertBits(reference(F16, F16_T, d), f16(d), "f16 of double " + d);
        float x = (float) d;
        assertBits(reference(BF16, BF16_T, x), HalfFloats.bf16FromFloat(x), "bf16 of float " + x);
        assertBits(reference(F16, F16_T, x), HalfFloats.f16FromFloat(x), "f16 of float " + x);
    }

    static void assertBits(short want, short got, String what) {
        if (want != got) fail(what + ": expected 0x" + Integer.toHexString(want & 0xFFFF) + ", got 0x" + Integer.toHexString(got & 0xFFFF));
    }

    @Test void wideningIsExactForEveryPattern() {
        for (int b = 0; b < 0x10000; b++) {
            short h = (short) b;
            double bf = BF16.decode(b), hf = F16.decode(b);
            boolean bfSpecial = (b & 0x7F80) == 0x7F80, hfSpecial = (b & 0x7C00) == 0x7C00;
            if (!bfSpecial) assertEquals(Double.doubleToRawLongBits(bf), Double.doubleToRawLongBits(HalfFloats.bf16ToFloat(h)), "bf16 0x" + Integer.toHexString(b));
            if (!hfSpecial) assertEquals(Double.doubleToRawLongBits(hf), Double.doubleToRawLongBits(HalfFloats.f16ToFloat(h)), "f16 0x" + Integer.toHexString(b));
            if (bfSpecial) assertTrue((b & 0x7F) == 0 ? Float.isInfinite(HalfFloats.bf16ToFloat(h)) : Float.isNaN(HalfFloats.bf16ToFloat(h)));
            if (hfSpecial) assertTrue((b & 0x3FF) == 0 ? Float.isInfinite(HalfFloats.f16ToFloat(h)) : Float.isNaN(HalfFloats.f16ToFloat(h)));
        }
    }

    @Test void everyFiniteAndInfinitePatternRoundTrips() {
        for (int b = 0; b < 0x10000; b++) {
            short h = (short) b;
            if (!Float.isNaN(HalfFloats.bf16ToFloat(h))) {
                assertBits(h, HalfFloats.bf16FromFloat(HalfFloats.bf16ToFloat(h)), "bf16 round trip");
                assertBits(h, bf16(HalfFloats.bf16ToFloat(h)), "bf16 round trip via double");
            }
            if (!Float.isNaN(HalfFloats.f16ToFloat(h))) {
                assertBits(h, HalfFloats.f16FromFloat(HalfFloats.f16ToFloat(h)), "f16 round trip");
                assertBits(h, f16(HalfFloats.f16ToFloat(h)), "f16 round trip via double");
            }
        }
    }

    @Test void randomDoublesAndFloatsOfEveryMagnitudeRoundLikeTheReference() {
        SplittableRandom r = new SplittableRandom(7);
        for (int k = 0; k < 100_000; k++) {
            check(Double.longBitsToDouble(r.nextLong()));                           // any double: huge, tiny, both signs
            check(Float.intBitsToFloat(r.nextInt()));                               // any float
            check(Math.scalb(r.nextDouble(-2, 2), r.nextInt(-160, 130)));          // the halves' own ranges
        }
    }

    @Test void tiesGoToEvenAndTheNeighboursOfTiesToTheNearer() {
        SplittableRandom r = new SplittableRandom(11);
        for (Format f : new Format[]{BF16, F16}) {
            double[] t = f == BF16 ? BF16_T : F16_T;
            for (int k = 0; k < 20_000; k++) {
                int i = r.nextInt(f.infBits);
                double mid = t[i] + (t[i + 1] - t[i]) / 2;                           // exact in double
                for (double d : new double[]{mid, Math.nextUp(mid), Math.nextDown(mid), -mid, -Math.nextUp(mid)}) check(d);
                short want = (short) (i % 2 == 0 ? i : i + 1);
                assertBits(want, f == BF16 ? bf16(mid) : f16(mid), f.name + " tie at pattern " + i);
            }
        }
    }

    @Test void edgeValues() {
        // overflow: the largest finite, the tie above it (to even: Inf), and just below that tie
        assertBits((short) 0x7BFF, f16(65504), "f16 max");
        assertBits((short) 0x7C00, f16(65520), "f16 tie above max");
        assertBits((short) 0x7BFF, f16(Math.nextDown(65520.0)), "f16 below the tie above max");
        assertBits((short) 0xFC00, f16(-1e300), "f16 of -1e300");
        assertBits((short) 0x7F80, bf16(Float.MAX_VALUE), "bf16 of float max");
        assertBits((short) 0x7F7F, bf16(Math.scalb(255.0, 120)), "bf16 max");
        assertBits((short) 0x7F80, bf16(1e300), "bf16 of a double beyond float32");
        assertBits((short) 0x7F80, bf16(Double.POSITIVE_INFINITY), "bf16 +Inf");
        assertBits((short) 0xFC00, f16(Double.NEGATIVE_INFINITY), "f16 -Inf");
        // zeros and subnormals
        assertBits((short) 0x8000, f16(-0.0), "f16 -0");
        assertBits((short) 0x8000, bf16(-0.0), "bf16 -0");
        assertBits((short) 0x0001, f16(0x1p-24), "f16 min subnormal");
        assertBits((short) 0x0000, f16(0x1p-25), "f16 half the min subnormal (tie to even 0)");
        assertBits((short) 0x0001, f16(Math.nextUp(0x1p-25)), "f16 just above half the min subnormal");
        assertBits((short) 0x8000, f16(-1e-300), "f16 of a tiny negative double");
        assertBits((short) 0x0400, f16(Math.nextDown(0x1p-14)), "f16 rounds up into the smallest normal");
        assertBits((short) 0x0001, bf16(0x1p-133), "bf16 min subnormal");
        assertBits((short) 0x8000, bf16(-0x1p-134), "bf16 half the min subnormal, negative");
        assertBits((short) 0x0001, bf16(Math.nextUp(0x1p-134)), "bf16 just above half its min subnormal, below float32's range");
        // NaN: the canonical quiet NaN (bf16 without sign; f16 keeps it)
        assertBits(HalfFloats.BF16_NAN, bf16(-Double.NaN), "bf16 NaN");
        assertBits(HalfFloats.BF16_NAN, HalfFloats.bf16FromFloat(Float.intBitsToFloat(0xFF800001)), "bf16 of a signalling float NaN");
        assertBits((short) 0x7E00, f16(Double.NaN), "f16 NaN");
        assertBits((short) 0xFE00, f16(Double.longBitsToDouble(0xFFF8000000000001L)), "f16 negative NaN");
    }

    @Test void float64RoundsOnceWhereTwoRoundingsThroughFloat32WouldNot() {
        double d = 1 + 0x1p-11 + 0x1p-40;                                    // just above the f16 tie between 1 and 1 + 2^-10
        assertEquals(1 + 0x1p-11, (float) d);                                  // float32 lands exactly on the tie ...
        assertBits((short) 0x3C00, HalfFloats.f16FromFloat((float) d), "via float32 (ties to even: 1)");
        assertBits((short) 0x3C01, f16(d), "correctly rounded: 1 + 2^-10");    // ... that the single rounding does not see
        double e = 1 + 0x1p-8 + 0x1p-40;                                       // the same for bfloat16
        assertBits((short) 0x3F81, bf16(e), "bf16 correctly rounded: 1 + 2^-7");
        assertBits((short) 0x3F80, HalfFloats.bf16FromFloat((float) e), "bf16 via float32");
    }

    @Test void promotionFollowsPyTorch() {
        assertEquals(DType.FLOAT32, DType.promote(DType.BFLOAT16, DType.FLOAT16));
        assertEquals(DType.FLOAT32, DType.promote(DType.BFLOAT16, DType.FLOAT32));
        assertEquals(DType.FLOAT32, DType.promote(DType.FLOAT32, DType.FLOAT16));
        assertEquals(DType.FLOAT64, DType.promote(DType.FLOAT16, DType.FLOAT64));
        assertEquals(DType.BFLOAT16, DType.promote(DType.INT64, DType.BFLOAT16));
        assertEquals(DType.FLOAT16, DType.promote(DType.FLOAT16, DType.FLOAT16));
        assertEquals(DType.FLOAT64, DType.promote(DType.FLOAT32, DType.FLOAT64));
        for (DType a : DType.values()) for (DType b : DType.values()) assertEquals(DType.promote(a, b), DType.promote(b, a));
        assertTrue(DType.BFLOAT16.isHalf() && DType.FLOAT16.isHalf() && !DType.FLOAT32.isHalf() && !DType.INT64.isHalf());
        assertEquals(2, DType.BFLOAT16.byteSize());
        assertEquals("bfloat16", DType.BFLOAT16.toString());
        assertEquals("F16", DType.FLOAT16.safetensorsName());
    }
}
