package org.jdiffusion.kernels.cpu;

import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Index;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.jdiffusion.kernels.TestTensors.assertClose;
import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.cpu.CpuNormTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** gather / scatterAdd / indexSelect / indexAdd against loops over their definitions. */
class CpuIndexTest {
    private static final DType F64 = DType.FLOAT64, F32 = DType.FLOAT32, I64 = DType.INT64;
    private static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;

    // ---- the definitions, as loops over row-major positions --------------------------------------

    /** Row-major offset in {@code shape} of position p (the index of element n of pshape) with p[dim] := at. */
    private static int offsetWith(int[] pshape, int n, int dim, long at, int[] shape) {
        int[] st = Shapes.contiguousStrides(shape);
        int off = 0;
        for (int d = pshape.length - 1; d >= 0; d--) {
            int i = n % pshape[d];
            n /= pshape[d];
            off += (d == dim ? (int) at : i) * st[d];
        }
        return off;
    }

    /** Coordinate of element n of shape along dim. */
    private static int coord(int[] shape, int n, int dim) {
        return n / Shapes.contiguousStrides(shape)[dim] % shape[dim];
    }

    static double[] gatherRef(Tensor x, int dim, Tensor index) {
        double[] xv = x.toDoubleArray();
        long[] iv = index.toLongArray();
        double[] out = new double[iv.length];
        for (int n = 0; n < iv.length; n++) out[n] = xv[offsetWith(index.shape(), n, dim, iv[n], x.shape())];
        return out;
    }

    static double[] scatterAddRef(Tensor src, int dim, Tensor index, Tensor acc) {
        double[] a = acc.toDoubleArray(), sv = src.toDoubleArray();
        long[] iv = index.toLongArray();
        for (int n = 0; n < iv.length; n++) a[offsetWith(index.shape(), n, dim, iv[n], acc.shape())] += sv[n];
        return a;
    }

    static double[] indexSelectRef(Tensor x, int dim, Tensor index, int[] outShape) {
        double[] xv = x.toDoubleArray(), out = new double[Shapes.numel(outShape)];
        long[] iv = index.toLongArray();
        for (int n = 0; n < out.length; n++) out[n] = xv[offsetWith(outShape, n, dim, iv[coord(outShape, n, dim)], x.shape())];
        return out;
    }

    static double[] indexAddRef(Tensor src, int dim, Tensor index, Tensor acc) {
        double[] a = acc.toDoubleArray(), sv = src.toDoubleArray();
        long[] iv = index.toLongArray();
        int[] ss = src.shape();
        for (int n = 0; n < sv.length; n++) a[offsetWith(ss, n, dim, iv[coord(ss, n, dim)], acc.shape())] += sv[n];
        return a;
    }

    private static Tensor randint(Generator g, long hi, int... shape) { return Rand.randint(g, 0, hi, Device.CPU, shape); }

    private static Tensor values(Generator g, DType dt, int... shape) {
        return dt == I64 ? Rand.randint(g, -1000, 1000, Device.CPU, shape) : randn(g, dt, shape);
    }

    private static void assertExact(double[] want, Tensor got) { assertArrayEquals(want, got.toDoubleArray()); }

    // ---- gather / scatterAdd -----------------------------------------------------------------

    @Test
    void gatherMatchesDefinitionOnEveryDim() {
        int seed = 400;
        int[] xs = {3, 4, 5};
        for (DType dt : new DType[]{F32, F64, I64}) {
            for (int dim : new int[]{0, 1, 2, -1}) {
                Generator g = TestTensors.gen(seed++);
                int d = Math.floorMod(dim, 3);
                int[] is = {2, 3, 4};
                is[d] = 6; // any length along dim; no larger than x elsewhere
                Tensor x = values(g, dt, xs), index = randint(g, xs[d], is);
                double[] want = gatherRef(x, d, index);
                assertExact(want, Index.gather(strided(x), dim, strided(index)));
                Tensor out = dt == I64 ? Tensor.full(-7, I64, Device.CPU, is) : strided(poisoned(dt, is));
                CPU.gather(strided(x), d, index, out);
                assertExact(want, out);
            }
        }
    }

    @Test
    void scatterAddAccumulatesDuplicatesIntoExistingValues() {
        int seed = 410;
        for (DType dt : new DType[]{F64, F32, I64}) {
            for (int dim : new int[]{0, 1, 2}) {
                Generator g = TestTensors.gen(seed++);
                int[] accShape = {3, 4, 5}, is = {3, 3, 4};
                is[dim] = 7;
                Tensor src = values(g, dt, is), index = randint(g, 2, is); // only 0 and 1: many duplicates
                Tensor acc = strided(values(g, dt, accShape));
                double[] want = scatterAddRef(src, dim, index, acc);
                CPU.scatterAdd(strided(src), dim, strided(index), acc);
                if (dt == F32) assertClose(want, acc, 1e-5, 1e-5);
                else assertExact(want, acc);
                Tensor fresh = Index.scatterAdd(src, dim - 3, index, accShape);
                assertClose(scatterAddRef(src, dim, index, Tensor.zeros(dt, Device.CPU, accShape)), fresh, 1e-5, 1e-5);
            }
        }
    }

    @Test
    void scatterAddIsTheAdjointOfGather() {
        Generator g = TestTensors.gen(420);
        Tensor x = randn(g, F64, 4, 6), index = randint(g, 6, 4, 9), r = randn(g, F64, 4, 9);
        double lhs = Index.gather(x, 1, index).mul(r).sum().item();
        double rhs = x.mul(Index.scatterAdd(r, 1, index, x.shape())).sum().item();
        assertEquals(lhs, rhs, 1e-12 * (1 + Math.abs(lhs)));
    }

    @Test
    void scatterAddWithDuplicatesIsRaceFreeInParallel() {
        Generator g = TestTensors.gen(430);
        int[] is = {64, 1024};
        Tensor src = randn(g, F64, is), index = randint(g, 3, is), acc = randn(g, F64, 3, 1024);
        double[] want = scatterAddRef(src, 0, index, acc);
        CPU.scatterAdd(src, 0, index, acc);
        assertClose(want, acc, 1e-12, 1e-12);
        Tensor lsrc = Rand.randint(g, 0, 1L << 40, Device.CPU, is), lacc = Tensor.zeros(I64, Device.CPU, 3, 1024);
        CPU.scatterAdd(lsrc, 0, index, lacc);
        long total = 0;
        for (long v : lsrc.toLongArray()) total += v;
        assertEquals(total, Arrays.stream(lacc.toLongArray()).sum(), "int64 sums are exact");
    }

    @Test
    void zeroDimGatherIsOneElement() {
        Tensor x = Tensor.scalar(2.5, F64, Device.CPU), i = Tensor.scalar(0, I64, Device.CPU);
        assertEquals(2.5, Index.gather(x, 0, i).item());
    }

    // ---- indexSelect / indexAdd / embedding ----------------------------------------------------

    @Test
    void indexSelectMatchesDefinitionWithRepeats() {
        int seed = 440;
        int[] xs = {4, 3, 5};
        for (DType dt : new DType[]{F32, I64}) {
            for (int dim : new int[]{0, 1, -1}) {
                Generator g = TestTensors.gen(seed++);
                int d = Math.floorMod(dim, 3);
                Tensor x = values(g, dt, xs), index = randint(g, xs[d], 7);
                int[] os = xs.clone();
                os[d] = 7;
                double[] want = indexSelectRef(x, d, index, os);
                assertExact(want, Index.indexSelect(strided(x), dim, strided(index)));
                Tensor out = dt == I64 ? Tensor.full(-7, I64, Device.CPU, os) : strided(poisoned(dt, os));
                CPU.indexSelect(x, d, strided(index), out);
                assertExact(want, out);
            }
        }
    }

    @Test
    void indexAddAccumulatesDuplicatesIntoExistingValues() {
        int seed = 450;
        for (int dim : new int[]{0, 1, 2}) {
            Generator g = TestTensors.gen(seed++);
            int[] accShape = {4, 3, 5}, ss = accShape.clone();
            ss[dim] = 9;
            Tensor src = randn(g, F64, ss), index = randint(g, accShape[dim], 9), acc = strided(randn(g, F64, accShape));
            double[] want = indexAddRef(src, dim, index, acc);
            CPU.indexAdd(strided(src), dim, strided(index), acc);
            assertClose(want, acc, 1e-12, 1e-12);
            assertClose(indexAddRef(src, dim, index, Tensor.zeros(F64, Device.CPU, accShape)), Index.indexAdd(src, dim, index, accShape),
                    1e-12, 1e-12);
        }
        // embedding backward shape: many ids onto few rows, in parallel
        Generator g = TestTensors.gen(459);
        Tensor src = randn(g, F32, 512, 64), index = randint(g, 5, 512), acc = randn(g, F32, 5, 64);
        double[] want = indexAddRef(src, 0, index, acc);
        CPU.indexAdd(src, 0, index, acc);
        assertClose(want, acc, 1e-4, 1e-5);
    }

    @Test
    void embeddingLooksUpRows() {
        Generator g = TestTensors.gen(460);
        Tensor w = randn(g, F32, 10, 4), ids = Tensor.ofLongs(new long[]{3, 0, 3, 9, 1, 3}, 2, 3);
        Tensor e = Index.embedding(w, ids);
        assertArrayEquals(new int[]{2, 3, 4}, e.shape());
        float[] wv = w.toFloatArray(), ev = e.toFloatArray();
        long[] iv = ids.toLongArray();
        for (int n = 0; n < 6; n++)
            for (int j = 0; j < 4; j++) assertEquals(wv[(int) iv[n] * 4 + j], ev[n * 4 + j]);
    }

    // ---- errors --------------------------------------------------------------------------------

    @Test
    void outOfRangeAndNegativeIndicesNameOpValueDimAndSize() {
        Generator g = TestTensors.gen(470);
        Tensor x = randn(g, F32, 3, 5);
        var e = assertThrows(IllegalArgumentException.class, () -> Index.gather(x, 1, Tensor.ofLongs(new long[]{0, 5, 1}, 1, 3)));
        assertContains(e, "gather", "index 5", "dim 1", "size 5");
        e = assertThrows(IllegalArgumentException.class, () -> Index.gather(x, 0, Tensor.ofLongs(new long[]{-1}, 1, 1)));
        assertContains(e, "gather", "index -1", "dim 0", "size 3", "negative");
        e = assertThrows(IllegalArgumentException.class, () -> Index.indexSelect(x, 0, Tensor.ofLongs(new long[]{2, 3}, 2)));
        assertContains(e, "indexSelect", "index 3", "dim 0", "size 3");
        e = assertThrows(IllegalArgumentException.class, () -> Index.embedding(x, Tensor.ofLongs(new long[]{-2}, 1)));
        assertContains(e, "index -2", "dim 0", "size 3");
        e = assertThrows(IllegalArgumentException.class, () -> Index.indexAdd(randn(g, F32, 3, 2), 1, Tensor.ofLongs(new long[]{0, 5}, 2), x.shape()));
        assertContains(e, "indexAdd", "index 5", "dim 1", "size 5");
        // a bad index leaves the accumulator untouched
        Tensor acc = randn(g, F32, 3, 5);
        double[] before = acc.toDoubleArray();
        e = assertThrows(IllegalArgumentException.class,
                () -> CPU.scatterAdd(randn(g, F32, 2, 2), 0, Tensor.ofLongs(new long[]{0, 1, 2, 7}, 2, 2), acc));
        assertContains(e, "scatterAdd", "index 7", "dim 0", "size 3");
        assertArrayEquals(before, acc.toDoubleArray());
    }

    @Test
    void badInputsThroughTheFrontendsNameTheProblem() {
        Generator g = TestTensors.gen(480);
        Tensor x = randn(g, F32, 3, 5);
        var e = assertThrows(IllegalArgumentException.class, () -> Index.gather(x, 1, randn(g, F32, 3, 2)));
        assertContains(e, "gather", "int64", "float32");
        e = assertThrows(IllegalArgumentException.class, () -> Index.gather(x, 1, Tensor.ofLongs(new long[]{0, 1}, 2)));
        assertContains(e, "gather", "[2]", "[3, 5]", "same rank");
        e = assertThrows(IllegalArgumentException.class, () -> Index.gather(x, 1, Tensor.zeros(I64, Device.CPU, 4, 2)));
        assertContains(e, "gather", "[4, 2]", "[3, 5]", "dim 1");
        e = assertThrows(IllegalArgumentException.class, () -> Index.gather(x, 2, Tensor.zeros(I64, Device.CPU, 3, 2)));
        assertContains(e, "gather", "dim 2", "[3, 5]");
        e = assertThrows(IllegalArgumentException.class,
                () -> Index.scatterAdd(randn(g, F32, 3, 3), 1, Tensor.zeros(I64, Device.CPU, 3, 2), new int[]{3, 5}));
        assertContains(e, "scatterAdd", "[3, 3]", "[3, 2]", "one shape");
        e = assertThrows(IllegalArgumentException.class, () -> Index.indexSelect(x, 0, Tensor.zeros(I64, Device.CPU, 2, 2)));
        assertContains(e, "indexSelect", "1-d", "[2, 2]");
        e = assertThrows(IllegalArgumentException.class, () -> Index.indexSelect(Tensor.scalar(1), 0, Tensor.zeros(I64, Device.CPU, 1)));
        assertContains(e, "indexSelect", "at least 1-d");
        e = assertThrows(IllegalArgumentException.class,
                () -> Index.indexAdd(randn(g, F32, 2, 5), 0, Tensor.zeros(I64, Device.CPU, 3), new int[]{4, 5}));
        assertContains(e, "indexAdd", "[2, 5]", "[3]", "[4, 5]", "expected src shape [3, 5]");
        e = assertThrows(IllegalArgumentException.class,
                () -> Index.indexAdd(randn(g, F32, 2, 5), 0, Tensor.zeros(I64, Device.CPU, 2, 1), new int[]{4, 5}));
        assertContains(e, "indexAdd", "1-d", "[2, 1]");
        e = assertThrows(IllegalArgumentException.class, () -> Index.embedding(randn(g, F32, 2, 3, 4), Tensor.zeros(I64, Device.CPU, 2)));
        assertContains(e, "embedding", "[num, dim]", "[2, 3, 4]");
        e = assertThrows(IllegalArgumentException.class, () -> Index.embedding(x, randn(g, F32, 2)));
        assertContains(e, "embedding", "int64", "float32");
    }
}
