package org.jdiffusion.kernels;

import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random tensors on the CPU: every element is Philox.value at its counter, the distributions have
 * the right moments (tolerances are 5 standard errors on 100k draws), and draws depend only on
 * (seed, offset), never on the batch they were drawn in.
 */
class RandomTest {
    private static final int N = 100_000;
    private static final Device CPU = Device.CPU;

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    private static double variance(double[] x) {
        double m = mean(x), s = 0;
        for (double v : x) s += (v - m) * (v - m);
        return s / (x.length - 1);
    }

    @Test
    void elementsAreThePhiloxValuesOfTheirCounters() {
        int[] s = new int[4];
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            Generator g = new Generator(0xC0FFEE, 1000);
            double[] u = Rand.uniform(g, -1, 2, dt, CPU, 3, 7).toDoubleArray();
            double[] n = Rand.normal(g, 1, 3, dt, CPU, 5, 2).toDoubleArray();
            for (int i = 0; i < u.length; i++) {
                double e = Philox.value(Philox.Distribution.UNIFORM, dt, 0xC0FFEE, 1000 + i, -1, 2, s);
                assertEquals(dt == DType.FLOAT32 ? (float) e : e, u[i], 0, "uniform " + dt + " element " + i);
            }
            for (int i = 0; i < n.length; i++) {
                double e = Philox.value(Philox.Distribution.NORMAL, dt, 0xC0FFEE, 1021 + i, 1, 3, s);
                assertEquals(dt == DType.FLOAT32 ? (float) e : e, n[i], 0, "normal " + dt + " element " + i);
            }
            assertEquals(1031, g.offset(), "each draw advances the generator by its numel");
        }
    }

    @Test
    void uniformIsInsideTheOpenIntervalWithUniformMoments() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            double[] u = Rand.uniform(new Generator(11), 0, 1, dt, CPU, N).toDoubleArray();
            for (double v : u) assertTrue(v > 0 && v < 1, dt + " value " + v);
            assertEquals(0.5, mean(u), 5 * Math.sqrt(1.0 / 12 / N), dt + " mean");
            assertEquals(1.0 / 12, variance(u), 5 * Math.sqrt(1.0 / 180 / N), dt + " variance");
        }
    }

    @Test
    void float32AndFloat64UniformsShareTheirLeadingBits() {
        // float32 uses the top 24 bits of x0, float64 x0 then 21 bits of x1: same stream, finer grid
        double[] f = Rand.uniform(new Generator(5), 0, 1, DType.FLOAT32, CPU, 4096).toDoubleArray();
        double[] d = Rand.uniform(new Generator(5), 0, 1, DType.FLOAT64, CPU, 4096).toDoubleArray();
        boolean anyDiffer = false;
        for (int i = 0; i < f.length; i++) {
            assertEquals(d[i], f[i], 0x1.0p-24, "element " + i);
            anyDiffer |= f[i] != d[i];
        }
        assertTrue(anyDiffer, "the float64 path must carry more than 24 bits");
        double[] d64 = Rand.uniform(new Generator(5), 0, 1, DType.FLOAT64, CPU, 4096).toDoubleArray();
        long distinctLowBits = Arrays.stream(d64).filter(v -> (Double.doubleToLongBits(v) & 0xFFFFFFF) != 0).count();
        assertTrue(distinctLowBits > 4000, "float64 uniforms should use low mantissa bits");
    }

    @Test
    void normalHasTheRequestedMeanAndVariance() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            double[] z = Rand.normal(new Generator(12), 0, 1, dt, CPU, N).toDoubleArray();
            assertEquals(0, mean(z), 5 / Math.sqrt(N), dt + " mean");
            assertEquals(1, variance(z), 5 * Math.sqrt(2.0 / N), dt + " variance");
            double[] y = Rand.normal(new Generator(13), -3, 0.5, dt, CPU, N).toDoubleArray();
            assertEquals(-3, mean(y), 5 * 0.5 / Math.sqrt(N), dt + " shifted mean");
            assertEquals(0.25, variance(y), 5 * 0.25 * Math.sqrt(2.0 / N), dt + " scaled variance");
            long beyond = Arrays.stream(z).filter(v -> Math.abs(v) > 1.959964).count();
            assertEquals(0.05 * N, beyond, 5 * Math.sqrt(N * 0.05 * 0.95), dt + " two-sided 5% tail");
        }
    }

    @Test
    void randintCoversItsRangeEvenly() {
        long lo = -3, hi = 7;
        long[] v = Rand.randint(new Generator(14), lo, hi, CPU, N).toLongArray();
        assertEquals(DType.INT64, Rand.randint(new Generator(14), lo, hi, CPU, 2).dtype());
        int[] counts = new int[(int) (hi - lo)];
        for (long x : v) {
            assertTrue(x >= lo && x < hi, "value " + x);
            counts[(int) (x - lo)]++;
        }
        double expected = (double) N / counts.length, chi2 = 0;
        for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
        // 9 degrees of freedom: P(chi2 > 33.7) < 1e-4
        assertTrue(chi2 < 33.7, "chi-square " + chi2 + " for counts " + Arrays.toString(counts));
        long[] big = Rand.randint(new Generator(15), 1L << 40, (1L << 40) + 3, CPU, 1000).toLongArray();
        for (long x : big) assertTrue(x >= 1L << 40 && x < (1L << 40) + 3, "value " + x);
    }

    @Test
    void bernoulliHitsItsRate() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64, DType.INT64}) {
            double[] b = Rand.bernoulli(new Generator(16), 0.3, dt, CPU, N).toDoubleArray();
            for (double x : b) assertTrue(x == 0 || x == 1, "value " + x);
            assertEquals(0.3, mean(b), 5 * Math.sqrt(0.3 * 0.7 / N), dt + " rate");
        }
        assertEquals(0, Rand.bernoulli(new Generator(17), 0, DType.FLOAT32, CPU, 1000).sum().item());
        assertEquals(1000, Rand.bernoulli(new Generator(17), 1, DType.FLOAT32, CPU, 1000).sum().item());
    }

    @Test
    void randpermIsAReproduciblePermutation() {
        Generator g = new Generator(18, 3);
        Generator.State s = g.state();
        long[] p = Rand.randperm(g, 257, CPU).toLongArray();
        assertEquals(3 + 257, g.offset());
        long[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
        assertArrayEquals(p, Rand.randperm(Generator.restore(s), 257, CPU).toLongArray());
        assertFalse(Arrays.equals(p, Rand.randperm(new Generator(19, 3), 257, CPU).toLongArray()));
        long fixed = 0;
        for (int i = 0; i < p.length; i++) if (p[i] == i) fixed++;
        assertTrue(fixed < 10, fixed + " fixed points: hardly a shuffle");
        assertArrayEquals(new long[]{0}, Rand.randperm(new Generator(1), 1, CPU).toLongArray());
        assertEquals(0, Rand.randperm(new Generator(1), 0, CPU).numel());
    }

    @Test
    void aDrawDependsOnlyOnSeedAndOffsetNotOnTheBatch() {
        long seed = 99, offset = 12345;
        Tensor[][] pairs = {
                {Rand.uniform(new Generator(seed, offset), 0, 1, DType.FLOAT32, CPU, 2, 3), Rand.uniform(new Generator(seed, offset), 0, 1, DType.FLOAT32, CPU, 10)},
                {Rand.normal(new Generator(seed, offset), 0, 1, DType.FLOAT64, CPU, 2, 3), Rand.normal(new Generator(seed, offset), 0, 1, DType.FLOAT64, CPU, 10)},
                {Rand.randint(new Generator(seed, offset), 0, 1000, CPU, 2, 3), Rand.randint(new Generator(seed, offset), 0, 1000, CPU, 10)},
                {Rand.bernoulli(new Generator(seed, offset), 0.5, DType.FLOAT32, CPU, 2, 3), Rand.bernoulli(new Generator(seed, offset), 0.5, DType.FLOAT32, CPU, 10)},
        };
        for (Tensor[] p : pairs) assertArrayEquals(p[1].narrow(0, 0, 6).toDoubleArray(), p[0].toDoubleArray(), 0);
        // two consecutive draws equal one draw of the combined size
        Generator g = new Generator(seed);
        double[] a = Rand.normal(g, 0, 1, DType.FLOAT32, CPU, 4).toDoubleArray(), b = Rand.normal(g, 0, 1, DType.FLOAT32, CPU, 3).toDoubleArray();
        double[] all = Rand.normal(new Generator(seed), 0, 1, DType.FLOAT32, CPU, 7).toDoubleArray();
        assertArrayEquals(all, concat(a, b), 0);
    }

    @Test
    void differentSeedsAndOffsetsGiveDifferentStreams() {
        double[] a = Rand.uniform(new Generator(1), 64).toDoubleArray();
        assertFalse(Arrays.equals(a, Rand.uniform(new Generator(2), 64).toDoubleArray()));
        assertFalse(Arrays.equals(a, Rand.uniform(new Generator(1, 1L << 32), 64).toDoubleArray()), "the counter's high word must matter");
        assertFalse(Arrays.equals(a, Rand.uniform(new Generator(1L | 1L << 32), 64).toDoubleArray()), "the seed's high word must matter");
    }

    @Test
    void theKernelWritesNonContiguousOutputsInRowMajorOrder() {
        var be = Backends.of(CPU);
        int[] s = new int[4];
        // a [4, 5] output stored transposed, and a [3, 4] window at an offset inside a bigger buffer
        Tensor t = TestTensors.poisoned(DType.FLOAT64, 5, 4).transpose(0, 1);
        be.random(Philox.Distribution.UNIFORM, 7, 50, 0, 1, t);
        Tensor base = TestTensors.poisoned(DType.FLOAT32, 6, 9);
        Tensor w2 = base.slice(0, 1, 4, 1).slice(1, 2, 9, 2);
        be.random(Philox.Distribution.NORMAL, 8, 60, 0, 1, w2);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 5; j++)
                assertEquals(Philox.value(Philox.Distribution.UNIFORM, DType.FLOAT64, 7, 50 + i * 5 + j, 0, 1, s),
                        t.select(0, i).select(0, j).item(), 0, "[" + i + ", " + j + "]");
        assertArrayEquals(new int[]{3, 4}, w2.shape());
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                assertEquals((float) Philox.value(Philox.Distribution.NORMAL, DType.FLOAT32, 8, 60 + i * 4 + j, 0, 1, s),
                        w2.select(0, i).select(0, j).item(), 0, "[" + i + ", " + j + "]");
        // elements outside the window stay untouched (NaN)
        double[] all = base.toDoubleArray();
        long written = Arrays.stream(all).filter(v -> !Double.isNaN(v)).count();
        assertEquals(12, written);
    }

    @Test
    void badParametersAreRejectedNamingTheOp() {
        var e = assertThrows(IllegalArgumentException.class, () -> Rand.uniform(new Generator(1), 0, 1, DType.INT64, CPU, 3));
        assertTrue(e.getMessage().contains("uniform") && e.getMessage().contains("int64"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> Rand.normal(new Generator(1), 0, 1, DType.INT64, CPU, 3));
        assertTrue(f.getMessage().contains("normal") && f.getMessage().contains("int64"), f.getMessage());
        var g = assertThrows(IllegalArgumentException.class, () -> Rand.randint(new Generator(1), 5, 5, CPU, 3));
        assertTrue(g.getMessage().contains("randint") && g.getMessage().contains("[5, 5)"), g.getMessage());
        var h = assertThrows(IllegalArgumentException.class, () -> Rand.bernoulli(new Generator(1), 1.5, DType.FLOAT32, CPU, 3));
        assertTrue(h.getMessage().contains("bernoulli") && h.getMessage().contains("1.5"), h.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rand.bernoulli(new Generator(1), Double.NaN, DType.FLOAT32, CPU, 3));
    }

    private static double[] concat(double[] a, double[] b) {
        double[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
