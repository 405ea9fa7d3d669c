package org.jdiffusion.kernels;

import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reductions and their composites against float64 folds written here: the values each output
 * element reduces are collected in row-major order of the reduced dims, then folded.
 */
class ReduceTest {
    private static final Device CPU = Device.CPU;
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    private static long seed = 5000;

    private static Generator gen() { return new Generator(seed++); }

    /** For each output element (row-major over the kept dims), its reduced values in row-major order. */
    static List<double[]> groups(double[] x, int[] shape, int[] dims) {
        boolean[] red = new boolean[shape.length];
        for (int d : dims) red[d] = true;
        int outN = 1;
        for (int d = 0; d < shape.length; d++) if (!red[d]) outN *= shape[d];
        List<List<Double>> g = new ArrayList<>();
        for (int i = 0; i < outN; i++) g.add(new ArrayList<>());
        for (int i = 0; i < x.length; i++) {
            int rem = i, key = 0, mul = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                int idx = rem % shape[d];
                rem /= shape[d];
                if (!red[d]) { key += idx * mul; mul *= shape[d]; }
            }
            g.get(key).add(x[i]);
        }
        return g.stream().map(l -> l.stream().mapToDouble(Double::doubleValue).toArray()).toList();
    }

    static double[] fold(double[] x, int[] shape, int[] dims, ToDoubleFunction<double[]> f) {
        return groups(x, shape, dims).stream().mapToDouble(f).toArray();
    }

    static double sum(double[] v) { double s = 0; for (double x : v) s += x; return s; }

    static double max(double[] v) { double m = Double.NEGATIVE_INFINITY; for (double x : v) m = x != x || m != m ? Double.NaN : Math.max(m, x); return m; }

    static double min(double[] v) { double m = Double.POSITIVE_INFINITY; for (double x : v) m = x != x || m != m ? Double.NaN : Math.min(m, x); return m; }

    static double argmax(double[] v) { int a = 0; for (int i = 1; i < v.length; i++) if (v[i] > v[a]) a = i; return a; }

    static double argmin(double[] v) { int a = 0; for (int i = 1; i < v.length; i++) if (v[i] < v[a]) a = i; return a; }

    static double var(double[] v, int correction) {
        double m = sum(v) / v.length, s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return s / (v.length - correction);
    }

    static double logsumexp(double[] v) {
        double m = max(v);
        if (m == Double.NEGATIVE_INFINITY) return m;
        double s = 0;
        for (double x : v) s += Math.exp(x - m);
        return m + Math.log(s);
    }

    /** The shape after reducing dims (normalised), kept as 1 or dropped. */
    static int[] reducedShape(int[] shape, int[] dims, boolean keepdim) {
        List<Integer> r = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            int dim = d;
            boolean reduced = dims.length == 0 || Arrays.stream(dims).anyMatch(k -> k == dim);
            if (!reduced) r.add(shape[d]);
            else if (keepdim) r.add(1);
        }
        return r.stream().mapToInt(Integer::intValue).toArray();
    }

    private static final int[][] DIM_SETS = {{0}, {1}, {2}, {-1}, {0, 2}, {-1, 0}, {1, 2}, {0, 1, 2}, {}};

    @Test
    void everyReductionOverEveryDimSetKeepdimAndLayout() {
        int[] shape = {3, 4, 5};
        for (DType dt : FLOATS)
            for (boolean strided : new boolean[]{false, true}) {
                Tensor x = TestTensors.randn(gen(), dt, shape).mul(2).add(0.5);
                if (strided) x = TestTensors.strided(x);
                double[] v = x.toDoubleArray();
                for (int[] dims : DIM_SETS)
                    for (boolean keep : new boolean[]{true, false}) {
                        int[] nd = Shapes.dims("test", dims, shape), rs = reducedShape(shape, nd, keep);
                        String at = dt + (strided ? " strided" : "") + " dims " + Arrays.toString(dims) + " keepdim " + keep;
                        check("sum " + at, fold(v, shape, nd, ReduceTest::sum), x.sum(dims, keep), rs);
                        check("mean " + at, fold(v, shape, nd, g -> sum(g) / g.length), x.mean(dims, keep), rs);
                        check("max " + at, fold(v, shape, nd, ReduceTest::max), x.max(dims, keep), rs);
                        check("min " + at, fold(v, shape, nd, ReduceTest::min), x.min(dims, keep), rs);
                        check("var0 " + at, fold(v, shape, nd, g -> var(g, 0)), x.var(dims, 0, keep), rs);
                        check("var1 " + at, fold(v, shape, nd, g -> var(g, 1)), x.var(dims, 1, keep), rs);
                        check("std1 " + at, fold(v, shape, nd, g -> Math.sqrt(var(g, 1))), x.std(dims, 1, keep), rs);
                        check("logsumexp " + at, fold(v, shape, nd, ReduceTest::logsumexp), x.logsumexp(dims, keep), rs);
                    }
                for (int d = -3; d < 3; d++)
                    for (boolean keep : new boolean[]{true, false}) {
                        int nd = d < 0 ? d + 3 : d;
                        int[] rs = reducedShape(shape, new int[]{nd}, keep);
                        Tensor am = x.argmax(d, keep), an = x.argmin(d, keep);
                        assertEquals(DType.INT64, am.dtype());
                        check("argmax dim " + d, fold(v, shape, new int[]{nd}, ReduceTest::argmax), am, rs);
                        check("argmin dim " + d, fold(v, shape, new int[]{nd}, ReduceTest::argmin), an, rs);
                    }
            }
    }

    private static void check(String what, double[] expected, Tensor actual, int[] shape) {
        assertArrayEquals(shape, actual.shape(), what + ": shape");
        Expect.close(what, expected, actual);
    }

    @Test
    void fullReductionsGiveZeroDimTensors() {
        Tensor x = TestTensors.randn(gen(), DType.FLOAT64, 2, 3);
        double[] v = x.toDoubleArray();
        assertEquals(0, x.sum().dim());
        assertEquals(sum(v), x.sum().item(), 1e-12);
        assertEquals(sum(v) / 6, x.mean().item(), 1e-12);
        assertEquals(max(v), x.max().item(), 0);
        assertEquals(min(v), x.min().item(), 0);
        assertEquals(7.5, Tensor.scalar(7.5).sum().item());
        assertEquals(0, Tensor.zeros(DType.FLOAT32, CPU, 3, 0).sum(new int[]{1}, false).sum().item(), "an empty sum is 0");
        assertArrayEquals(new int[]{3}, Tensor.zeros(DType.FLOAT32, CPU, 3, 0).sum(new int[]{1}, false).shape());
    }

    @Test
    void logsumexpIsStableForLargeValuesAndAllMinusInfinityRows() {
        for (DType dt : FLOATS) {
            double ninf = Double.NEGATIVE_INFINITY;
            Tensor x = Tensor.of(new double[]{1000, 1000, 999, ninf, ninf, ninf, -1000, -1001, ninf, 0, ninf, 5}, 4, 3).to(dt);
            double l2 = Math.log(2 + Math.exp(-1));
            double[] e = {1000 + l2, ninf, -1000 + Math.log(1 + Math.exp(-1)), 5 + Math.log(1 + Math.exp(-5))};
            Expect.close("logsumexp rows " + dt, e, x.logsumexp(new int[]{1}, false));
            Expect.close("logsumexp keepdim " + dt, e, x.logsumexp(new int[]{-1}, true).view(4));
            Expect.close("logsumexp all " + dt, new double[]{1000 + l2}, x.logsumexp(new int[]{}, false));
        }
        Tensor inf = Tensor.of(new double[]{Double.POSITIVE_INFINITY, 0}, 1, 2);
        assertEquals(Double.POSITIVE_INFINITY, inf.logsumexp(new int[]{1}, false).item());
    }

    @Test
    void argmaxAndArgminTakeTheFirstOfTies() {
        Tensor x = Tensor.of(new float[]{1, 3, 3, 0, 0, 3, 2, 2, 2, 2, 2, 2}, 3, 4);
        assertArrayEquals(new long[]{1, 1, 0}, x.argmax(1, false).toLongArray());
        assertArrayEquals(new long[]{3, 0, 0}, x.argmin(1, false).toLongArray());
        assertArrayEquals(new long[]{2, 0, 0, 1}, x.argmax(0, false).toLongArray());
        assertArrayEquals(new long[]{1, 2, 1, 0}, x.argmin(0, false).toLongArray());
        Tensor allNegInf = Tensor.full(Double.NEGATIVE_INFINITY, DType.FLOAT32, CPU, 2, 3);
        assertArrayEquals(new long[]{0, 0}, allNegInf.argmax(1, false).toLongArray());
        assertArrayEquals(new long[]{1, 1}, Tensor.ofLongs(new long[]{-5, 9, 9, -5, 9, 1}, 2, 3).argmax(1, false).toLongArray());
    }

    @Test
    void nanPropagatesThroughMaxAndMin() {
        Tensor x = Tensor.of(new double[]{1, Double.NaN, 3, 4, 5, 6}, 2, 3);
        double[] mx = x.max(new int[]{1}, false).toDoubleArray(), mn = x.min(new int[]{1}, false).toDoubleArray();
        assertTrue(Double.isNaN(mx[0]) && Double.isNaN(mn[0]));
        assertEquals(6, mx[1]);
        assertEquals(4, mn[1]);
        assertTrue(Double.isNaN(x.sum().item()));
        assertArrayEquals(new long[]{1, 2}, x.argmax(1, false).toLongArray(), "a NaN is the maximum, as in NumPy");
    }

    @Test
    void int64ReductionsAreExact() {
        long p = (1L << 60) + 1;
        Tensor x = Tensor.ofLongs(new long[]{p, 1, 1, p + 2, -3, 1L << 53}, 2, 3);
        assertArrayEquals(new long[]{p + 2, p + 2 - 3 + (1L << 53)}, x.sum(new int[]{1}, false).toLongArray());
        assertEquals(DType.INT64, x.sum().dtype());
        assertArrayEquals(new long[]{2 * p + 1 + (1L << 53)}, x.sum().view(1).toLongArray());
        assertArrayEquals(new long[]{p, p + 2}, x.max(new int[]{1}, false).toLongArray());
        assertArrayEquals(new long[]{1, -3}, x.min(new int[]{1}, false).toLongArray());
        Tensor near = Tensor.ofLongs(new long[]{p, p + 1, p - 1}, 3);
        assertEquals(1, near.argmax(0, false).item(), "2^60+2 > 2^60+1 needs exact comparison");
        assertEquals(2, near.argmin(0, false).item());
    }

    @Test
    void float32SumsStayWithinAFewUlp() {
        // naive float32 accumulation of 200,000 × 0.1f drifts by hundreds of ulp; the reference
        // accumulates in double and the fast kernel compensates (Kahan lanes): both within 4 ulp
        Tensor x = Tensor.full(0.1, DType.FLOAT32, CPU, 200_000);
        assertEquals(200_000 * (double) 0.1f, x.sum().item(), 4 * Math.ulp(20_000f));
        Tensor ref = Tensor.zeros(DType.FLOAT32, CPU);
        org.jdiffusion.kernels.cpu.CpuReferenceBackend.INSTANCE.reduce(ReduceOp.SUM, x, new int[]{0}, ref.view(1));
        assertEquals(200_000 * (double) 0.1f, ref.item(), Math.ulp(20_000f));
    }

    @Test
    void theKernelHonoursAPoisonedNonContiguousOutput() {
        Tensor x = TestTensors.strided(TestTensors.randn(gen(), DType.FLOAT64, 4, 3, 5));
        double[] v = x.toDoubleArray();
        Tensor outBase = TestTensors.poisoned(DType.FLOAT64, 5, 1, 4);        // [4, 1, 5] stored transposed
        Tensor out = outBase.permute(2, 1, 0);
        Backends.of(CPU).reduce(ReduceOp.SUM, x, new int[]{1}, out);
        Expect.close("sum into a transposed output", fold(v, new int[]{4, 3, 5}, new int[]{1}, ReduceTest::sum), out);
        Tensor arg = Tensor.full(-99, DType.INT64, CPU, 4, 1, 5);
        Backends.of(CPU).reduce(ReduceOp.ARGMAX, x, new int[]{1}, arg);
        Expect.close("argmax kernel", fold(v, new int[]{4, 3, 5}, new int[]{1}, ReduceTest::argmax), arg);
    }
}
