package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HalfFloats;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * bfloat16/float16 fill and casts on each device, bit for bit against {@link HalfFloats} (itself
 * checked against a float64 reference in the tensor module): crafted edges (ties, overflow,
 * subnormals, ±0, ±∞, NaN) and random values of every magnitude, dense and strided.
 */
class HalfCastOnDeviceTest {
    static final DType[] HALVES = {DType.BFLOAT16, DType.FLOAT16};

    static Stream<Device> devices() { return OpSuite.devices(); }

    /** Edge values in float64, each with its neighbours one double ulp either side. */
    static double[] edges() {
        double[] base = {0.0, -0.0, 1.0, 1 + 0x1p-11, 1 + 0x1p-8, 1 + 0x1p-11 + 0x1p-40, 65504, 65520, 0x1p-24, 0x1p-25, 0x1p-14,
                0x1p-133, 0x1p-134, 0x1p-126, Float.MAX_VALUE, 1e300, 1e-300, Double.POSITIVE_INFINITY, Double.NaN, 3.0e38, 0.1};
        double[] out = new double[base.length * 6];
        for (int i = 0; i < base.length; i++) {
            double b = base[i];
            double[] six = {b, Math.nextUp(b), Math.nextDown(b), -b, -Math.nextUp(b), -Math.nextDown(b)};
            System.arraycopy(six, 0, out, 6 * i, 6);
        }
        return out;
    }

    static short expected(DType half, double v) {
        return half == DType.BFLOAT16 ? HalfFloats.bf16FromDouble(v) : HalfFloats.f16FromDouble(v);
    }

    static short[] bits(Tensor t) {
        HostStorage h = t.to(Device.CPU).toHost();
        return h instanceof HostStorage.BF16(short[] b) ? b : ((HostStorage.F16) h).data();
    }

    @ParameterizedTest @MethodSource("devices")
    void float64AndFloat32EdgesAndRandomValuesRoundBitExactly(Device d) {
        OpSuite.backend(d);
        Generator g = new Generator(41);
        double[] edge = edges();
        double[] random = Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 4000).toDoubleArray();
        double[] scale = Rand.randint(g, -150, 130, Device.CPU, 4000).toDoubleArray();
        for (int i = 0; i < random.length; i++) random[i] = Math.scalb(random[i], (int) scale[i]);
        for (double[] vs : new double[][]{edge, random}) {
            Tensor f64 = Tensor.of(vs, vs.length);
            Tensor f32 = f64.to(DType.FLOAT32);
            float[] fv = f32.toFloatArray();
            for (DType half : HALVES) {
                short[] want64 = new short[vs.length], want32 = new short[vs.length];
                for (int i = 0; i < vs.length; i++) {
                    want64[i] = expected(half, vs[i]);
                    want32[i] = expected(half, fv[i]);
                }
                assertArrayEquals(want64, bits(f64.to(d).to(half)), half + " from float64 on " + d);
                assertArrayEquals(want32, bits(f32.to(d).to(half)), half + " from float32 on " + d);
                Tensor strided = f64.to(d).view(-1, 2).transpose(0, 1);               // non-contiguous source
                Tensor out = Tensor.full(Double.NaN, half, d, 2, vs.length / 2);
                out.copyFrom(strided);
                assertArrayEquals(bits(Tensor.of(vs, vs.length).view(-1, 2).transpose(0, 1).contiguous().to(half)), bits(out),
                        half + " strided cast on " + d);
            }
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void wideningHalfToHalfAndIntegersAreExact(Device d) {
        OpSuite.backend(d);
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        for (DType half : HALVES) {
            Tensor h = Tensor.fromHost(half == DType.BFLOAT16 ? new HostStorage.BF16(all.clone()) : new HostStorage.F16(all.clone()),
                    new int[]{all.length}, Device.CPU);
            double[] got64 = h.to(d).to(DType.FLOAT64).toDoubleArray();
            float[] got32 = h.to(d).to(DType.FLOAT32).toFloatArray();
            long[] gotI = h.to(d).to(DType.INT64).toLongArray();
            for (int i = 0; i < all.length; i++) {
                float w = half == DType.BFLOAT16 ? HalfFloats.bf16ToFloat(all[i]) : HalfFloats.f16ToFloat(all[i]);
                assertEquals(Float.isNaN(w) ? Double.NaN : (double) w, got64[i], half + " pattern " + i + " to float64 on " + d);
                assertEquals(w, got32[i], half + " pattern " + i + " to float32 on " + d);
                assertEquals((long) w, gotI[i], half + " pattern " + i + " to int64 on " + d);
            }
            assertArrayEquals(all, bits(h.to(d).copy()), half + " copy keeps every pattern, NaN payloads too, on " + d);
            DType other = half == DType.BFLOAT16 ? DType.FLOAT16 : DType.BFLOAT16;
            short[] cross = bits(h.to(d).to(other));
            for (int i = 0; i < all.length; i++) {
                float w = half == DType.BFLOAT16 ? HalfFloats.bf16ToFloat(all[i]) : HalfFloats.f16ToFloat(all[i]);
                assertEquals(expected(other, w), cross[i], half + " → " + other + " pattern " + i + " on " + d);
            }
        }
        long[] ints = {0, -1, 255, 257, 65519, 65520, -70000, (1L << 53) + 1, Long.MIN_VALUE};
        for (DType half : HALVES) {
            short[] want = new short[ints.length];
            for (int i = 0; i < ints.length; i++) want[i] = expected(half, (double) ints[i]);
            assertArrayEquals(want, bits(Tensor.ofLongs(ints, ints.length).to(d).to(half)), "int64 → " + half + " on " + d);
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void fillRoundsItsValueOnceIntoDenseAndStridedTargets(Device d) {
        Backend be = OpSuite.backend(d);
        for (DType half : HALVES)
            for (double v : new double[]{0.1, -65520, 1 + 0x1p-11 + 0x1p-40, 0x1p-140, Double.NaN, -0.0}) {
                Tensor dense = Tensor.zeros(half, d, 7, 5);
                be.fill(dense, v);
                short[] want = new short[35];
                java.util.Arrays.fill(want, expected(half, v));
                assertArrayEquals(want, bits(dense), half + " fill " + v + " on " + d);
                Tensor base = Tensor.zeros(half, d, 7, 5);
                be.fill(base.transpose(0, 1).slice(0, 1, 5, 2), v);                    // columns 1 and 3
                short[] got = bits(base);
                for (int i = 0; i < 35; i++) assertEquals(i % 5 == 1 || i % 5 == 3 ? want[0] : 0, got[i], half + " strided fill " + v);
            }
    }
}
