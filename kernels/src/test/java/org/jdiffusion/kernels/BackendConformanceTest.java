package org.jdiffusion.kernels;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Storage;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every method of {@link Backend} × every backend available here. The table below maps each method
 * to an exercise: fresh random inputs (strided where the op takes views), run through the public
 * frontend or, for backward and in-place kernels, the backend itself with NaN-poisoned outputs, and
 * compared with a float64 definition written in the tests ({@link ConformanceReference},
 * {@link ElementwiseTest#ref}, {@link ReduceTest}, {@link OptimTensors}). A method without an exercise fails the build, and
 * a backend without a kernel (UnsupportedOperationException) fails its op by name.
 */
class BackendConformanceTest {

    interface Exercise { void run(Backend be, Generator g); }

    static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

    /** Method name → exercise. Every declared method of Backend must appear here. */
    static final Map<String, Exercise> EXERCISES = new LinkedHashMap<>();

    static {
        EXERCISES.put("device", BackendConformanceTest::device);
        EXERCISES.put("allocate", BackendConformanceTest::allocate);
        EXERCISES.put("allocateUninitialized", BackendConformanceTest::allocateUninitialized);
        EXERCISES.put("fromHost", BackendConformanceTest::hostRoundTrip);
        EXERCISES.put("toHost", BackendConformanceTest::hostRoundTrip);
        EXERCISES.put("fill", BackendConformanceTest::fill);
        EXERCISES.put("copy", BackendConformanceTest::copy);
        EXERCISES.put("unary", BackendConformanceTest::unary);
        EXERCISES.put("binary", BackendConformanceTest::binary);
        EXERCISES.put("where", BackendConformanceTest::where);
        EXERCISES.put("reduce", BackendConformanceTest::reduce);
        EXERCISES.put("random", BackendConformanceTest::random);
        EXERCISES.put("matmul", StructuredExercises::matmul);
        EXERCISES.put("multipliesBf16", StructuredExercises::multipliesBf16);
        EXERCISES.put("conv2d", StructuredExercises::conv2d);
        EXERCISES.put("conv2dBackwardInput", StructuredExercises::conv2dBackwardInput);
        EXERCISES.put("conv2dBackwardWeight", StructuredExercises::conv2dBackwardWeight);
        EXERCISES.put("upsampleNearest", StructuredExercises::upsampleNearest);
        EXERCISES.put("upsampleNearestBackward", StructuredExercises::upsampleNearestBackward);
        EXERCISES.put("avgPool2d", StructuredExercises::avgPool2d);
        EXERCISES.put("avgPool2dBackward", StructuredExercises::avgPool2dBackward);
        EXERCISES.put("groupNorm", StructuredExercises::groupNorm);
        EXERCISES.put("groupNormBackward", StructuredExercises::groupNormBackward);
        EXERCISES.put("layerNorm", StructuredExercises::layerNorm);
        EXERCISES.put("layerNormBackward", StructuredExercises::layerNormBackward);
        EXERCISES.put("softmax", StructuredExercises::softmax);
        EXERCISES.put("softmaxBackward", StructuredExercises::softmaxBackward);
        EXERCISES.put("attention", StructuredExercises::attention);
        EXERCISES.put("attentionBackward", StructuredExercises::attentionBackward);
        EXERCISES.put("gather", StructuredExercises::gather);
        EXERCISES.put("scatterAdd", StructuredExercises::scatterAdd);
        EXERCISES.put("indexSelect", StructuredExercises::indexSelect);
        EXERCISES.put("indexAdd", StructuredExercises::indexAdd);
        EXERCISES.put("adamStep", OptimExercises::adamStep);
        EXERCISES.put("emaUpdate", OptimExercises::emaUpdate);
    }

    static Set<String> backendMethods() {
        Set<String> names = new TreeSet<>();
        for (Method m : Backend.class.getDeclaredMethods())
            if (!Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) names.add(m.getName());
        return names;
    }

    @Test
    void everyBackendMethodHasAnExercise() {
        Set<String> declared = backendMethods(), missing = new TreeSet<>(declared), stale = new TreeSet<>(EXERCISES.keySet());
        missing.removeAll(EXERCISES.keySet());
        stale.removeAll(declared);
        assertTrue(missing.isEmpty(), "Backend methods without a conformance exercise: " + missing);
        assertTrue(stale.isEmpty(), "exercises for methods Backend no longer declares: " + stale);
        assertTrue(declared.size() >= 30, "reflection found only " + declared);
    }

    /** The devices whose backend can be created on this machine. */
    static List<Device> availableDevices() {
        return Stream.of(Device.CPU, Device.cuda(0)).filter(Backends::isAvailable).toList();
    }

    @TestFactory
    Stream<DynamicTest> everyOpOnEveryAvailableBackend() {
        return availableDevices().stream().flatMap(dev -> backendMethods().stream().map(name -> DynamicTest.dynamicTest(dev + " " + name, () -> {
            Exercise ex = EXERCISES.get(name);
            if (ex == null) fail("no conformance exercise for Backend." + name);
            try {
                ex.run(Backends.of(dev), new Generator(name.hashCode() * 1_000_003L + dev.index()));
            } catch (UnsupportedOperationException e) {
                fail(dev + " backend lacks " + name + ": " + e.getMessage(), e);
            }
        })));
    }

    // ---- shared helpers -----------------------------------------------------------------------------

    static Tensor on(Backend be, Tensor cpu) { return cpu.to(be.device()); }

    /** cpu's values on the backend's device in a non-contiguous layout. */
    static Tensor strided(Backend be, Tensor cpu) { return TestTensors.strided(cpu.to(be.device())); }

    static Tensor poisoned(Backend be, DType dt, int... shape) { return Tensor.full(Double.NaN, dt, be.device(), shape); }

    static void check(String what, double[] expected, Tensor actual, DType dt) {
        Expect.close(what + " on " + actual.device(), expected, actual.to(Device.CPU), TestTensors.atol(dt), TestTensors.rtol(dt));
    }

    /** For outputs checked against central differences (float64 error near 1e-9). */
    static void checkGradient(String what, double[] expected, Tensor actual, DType dt) {
        double tol = dt == DType.FLOAT64 ? 1e-6 : 2e-3;
        Expect.close(what + " on " + actual.device(), expected, actual.to(Device.CPU), tol, tol);
    }

    static double[] values(Tensor t) { return t.toDoubleArray(); }

    // ---- memory -------------------------------------------------------------------------------------

    static void device(Backend be, Generator g) {
        assertSame(be, Backends.of(be.device()));
        assertTrue(be.device().isCpu() || be.device().type() == Device.Type.CUDA, be.device().toString());
    }

    static void allocate(Backend be, Generator g) {
        for (DType dt : DType.values())
            for (int n : new int[]{0, 1, 37}) {
                Storage s = be.allocate(dt, n);
                assertEquals(dt, s.dtype());
                assertEquals(n, s.length());
                assertEquals(be.device(), s.device());
                assertArrayEquals(new double[n], new Tensor(s, new int[]{n}, new int[]{1}, 0).toDoubleArray(), 0, "zero-filled " + dt);
            }
    }

    /** Any values, but the right dtype, length and device; released and allocated again, a storage is zeroed by allocate. */
    static void allocateUninitialized(Backend be, Generator g) {
        for (DType dt : DType.values())
            for (int n : new int[]{0, 1, 37}) {
                Storage s = be.allocateUninitialized(dt, n);
                assertEquals(dt, s.dtype());
                assertEquals(n, s.length());
                assertEquals(be.device(), s.device());
                be.fill(new Tensor(s, new int[]{n}, new int[]{1}, 0), 5);
                s.release();
                Storage z = be.allocate(dt, n);
                assertArrayEquals(new double[n], new Tensor(z, new int[]{n}, new int[]{1}, 0).toDoubleArray(), 0, "zero-filled after reuse " + dt);
            }
    }

    static void hostRoundTrip(Backend be, Generator g) {
        float[] f = {1.5f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -3e38f, (float) Math.PI};
        double[] d = {1.5, -0.0, Double.NaN, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, 1e308, Math.E};
        long[] l = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, (1L << 53) + 1};
        float[] fr = ((HostStorage.F32) be.toHost(be.fromHost(new HostStorage.F32(f.clone())))).data();
        double[] dr = ((HostStorage.F64) be.toHost(be.fromHost(new HostStorage.F64(d.clone())))).data();
        long[] lr = ((HostStorage.I64) be.toHost(be.fromHost(new HostStorage.I64(l.clone())))).data();
        short[] h = {0x3F80, (short) 0x8000, 0x7FC1, (short) 0xFF80, 0x0001, 0x7BFF, (short) 0xFE01};       // NaN payloads too
        assertArrayEquals(h, ((HostStorage.BF16) be.toHost(be.fromHost(new HostStorage.BF16(h.clone())))).data(), "bfloat16 bits");
        assertArrayEquals(h, ((HostStorage.F16) be.toHost(be.fromHost(new HostStorage.F16(h.clone())))).data(), "float16 bits");
        assertArrayEquals(f, fr, "float32 bits survive the round trip");
        assertArrayEquals(d, dr, "float64 bits survive the round trip");
        assertArrayEquals(l, lr, "int64 survives the round trip");
        Tensor r = TestTensors.randn(g, DType.FLOAT32, 3, 4);
        assertArrayEquals(r.toFloatArray(), on(be, r).toFloatArray(), 0);
    }

    // ---- elementwise --------------------------------------------------------------------------------

    static void fill(Backend be, Generator g) {
        for (DType dt : DType.values()) {
            Tensor t = Tensor.zeros(dt, be.device(), 4, 6);
            be.fill(t.slice(1, 1, 6, 2), -2.5);                     // columns 1, 3, 5 of a strided view
            double v = dt == DType.INT64 ? -2 : -2.5, e[] = new double[24];
            for (int i = 0; i < 24; i++) e[i] = i % 2 == 1 ? v : 0;
            Expect.close("fill " + dt + " on " + be.device(), e, t.to(Device.CPU), 0, 0);
            Expect.close("full " + dt, new double[]{7, 7, 7}, Tensor.full(7, dt, be.device(), 3).to(Device.CPU), 0, 0);
        }
        long big = (1L << 60) + 1;
        Tensor l = Tensor.zeros(DType.INT64, be.device(), 2);
        be.fill(l, (double) big);
        assertEquals((long) (double) big, l.toLongArray()[0], "int64 fill takes the double's value");
    }

    static Tensor randomOf(Generator g, DType dt, int... shape) {
        return dt == DType.INT64 ? Rand.randint(g, -50, 50, Device.CPU, shape) : TestTensors.randn(g, dt, shape).mul(10);
    }

    static void copy(Backend be, Generator g) {
        for (DType from : DType.values())
            for (DType to : DType.values()) {
                Tensor src = randomOf(g, from, 3, 5);
                double[] sv = values(src), e = new double[sv.length];
                for (int i = 0; i < sv.length; i++)
                    e[i] = TestTensors.roundTo(to, sv[i]);
                Tensor out = poisoned(be, to, 5, 3).transpose(0, 1);  // a non-contiguous output
                be.copy(strided(be, src), out);
                Expect.close("copy " + from + " → " + to + " on " + be.device(), e, out.to(Device.CPU), 0, 0);
            }
    }

    /** Inputs inside each op's domain. */
    static Tensor unaryInput(Generator g, UnaryOp op, DType dt, int... shape) {
        if (dt == DType.INT64) return Rand.randint(g, -50, 50, Device.CPU, shape);
        return switch (op) {
            case LOG, SQRT, RSQRT -> TestTensors.uniform(g, 0.05, 5, dt, shape);
            case EXP -> TestTensors.uniform(g, dt == DType.FLOAT16 ? -10 : -20, dt == DType.FLOAT16 ? 10 : 20, dt, shape);  // f16 overflows past 11
            default -> TestTensors.randn(g, dt, shape).mul(3);
        };
    }

    /**
     * bfloat16/float16 have fill and copy kernels only off the CPU: there a computing op must refuse
     * them loudly (true: the exercise is done), never fall back.
     */
    static boolean refusesHalf(Backend be, DType dt, Executable call) {
        if (!dt.isHalf() || be.device().isCpu()) return false;
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, call);
        assertTrue(e.getMessage().contains(dt.toString()) && e.getMessage().contains("FLOAT32"), e.getMessage());
        return true;
    }

    static void unary(Backend be, Generator g) {
        for (UnaryOp op : UnaryOp.values())
            for (DType dt : DType.values()) {
                if (dt == DType.INT64 && op.needsFloating()) continue;
                Tensor h = Tensor.ones(dt, be.device(), 2);
                if (refusesHalf(be, dt, () -> be.unary(op, h, h))) continue;
                Tensor x = unaryInput(g, op, dt, 3, 4, 5);
                double[] e = Arrays.stream(values(x)).map(v -> ElementwiseTest.ref(op, v)).toArray();
                check(op + " " + dt, e, ElementwiseTest.call(op, strided(be, x)), dt);
                Tensor inPlace = strided(be, x);
                be.unary(op, inPlace, inPlace);
                check(op + " " + dt + " in place", e, inPlace, dt);
                if (dt.isFloating())                                                          // NaN propagates through every op
                    check(op + " " + dt + " of NaN", new double[]{Double.NaN, Double.NaN},
                            ElementwiseTest.call(op, Tensor.full(Double.NaN, dt, be.device(), 2)), dt);
            }
    }

    static void binary(Backend be, Generator g) {
        int[] as = {3, 1, 5}, bs = {4, 1}, os = {3, 4, 5};
        for (BinaryOp op : BinaryOp.values())
            for (DType dt : DType.values()) {
                if (dt == DType.INT64 && op.needsFloating()) continue;
                Tensor h = Tensor.ones(dt, be.device(), 2);
                if (refusesHalf(be, dt, () -> be.binary(op, h, h, h))) continue;
                boolean ties = op.isComparison() || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM;
                Tensor a = op == BinaryOp.POW ? TestTensors.uniform(g, 0.1, 3, dt, as)
                        : ties ? Rand.randint(g, -3, 4, Device.CPU, as).to(dt) : randomOf(g, dt, as);
                Tensor b = op == BinaryOp.POW ? TestTensors.uniform(g, -2, 2, dt, bs)
                        : ties ? Rand.randint(g, -3, 4, Device.CPU, bs).to(dt) : randomOf(g, dt, bs);
                if (op == BinaryOp.DIV) b = b.abs().add(Tensor.ones(dt, Device.CPU, 1));   // no integer division by zero
                double[] av = values(a), bv = values(b), e = new double[Shapes.numel(os)];
                for (int i = 0; i < e.length; i++) {
                    double x = av[Expect.broadcastIndex(i, os, as)], y = bv[Expect.broadcastIndex(i, os, bs)];
                    e[i] = dt == DType.INT64 && op == BinaryOp.DIV ? (double) ((long) x / (long) y) : ElementwiseTest.ref(op, x, y);
                }
                check(op + " " + dt, e, ElementwiseTest.call(op, strided(be, a), strided(be, b)), dt);
                Tensor target = strided(be, a.expand(os).contiguous());                       // in place: out = a
                be.binary(op, target, on(be, b).expand(os), target);
                check(op + " " + dt + " in place", e, target, dt);
                // NaN on either side (pow left out: pow(1, NaN) is 1 in C99, NaN in java.lang.Math)
                if (dt.isFloating() && op != BinaryOp.POW) {
                    double nan = Double.NaN;
                    Tensor p = on(be, Tensor.of(new double[]{nan, 1, nan}, 3).to(dt)), q = on(be, Tensor.of(new double[]{2, nan, nan}, 3).to(dt));
                    double[] en = {ElementwiseTest.ref(op, nan, 2), ElementwiseTest.ref(op, 1, nan), ElementwiseTest.ref(op, nan, nan)};
                    check(op + " " + dt + " with NaN", en, ElementwiseTest.call(op, p, q), dt);
                }
            }
    }

    static void where(Backend be, Generator g) {
        for (DType dt : DType.values())
            for (DType condType : new DType[]{DType.INT64, DType.FLOAT32}) {
                Tensor h = Tensor.ones(dt, be.device(), 2), c1 = Tensor.ones(condType, be.device(), 2);
                if (refusesHalf(be, dt, () -> be.where(c1, h, h, h))) continue;
                Tensor cond = Rand.bernoulli(g, 0.5, condType, Device.CPU, 3, 1), a = randomOf(g, dt, 1, 4), b = randomOf(g, dt, 3, 4);
                double[] c = values(cond), av = values(a), bv = values(b), e = new double[12];
                for (int i = 0; i < 12; i++) e[i] = c[i / 4] != 0 ? av[i % 4] : bv[i];
                Tensor w = Tensor.where(on(be, cond), strided(be, a), strided(be, b));
                Expect.close("where " + dt + " on " + be.device(), e, w.to(Device.CPU), 0, 0);
            }
    }

    // ---- reductions and randomness ------------------------------------------------------------------

    static void reduce(Backend be, Generator g) {
        int[] shape = {3, 4, 5};
        for (ReduceOp op : ReduceOp.values())
            for (DType dt : DType.values()) {
                Tensor h = Tensor.ones(dt, be.device(), 2), ho = Tensor.ones(op.isArg() ? DType.INT64 : dt, be.device(), 1);
                if (refusesHalf(be, dt, () -> be.reduce(op, h, new int[]{0}, ho))) continue;
                Tensor x = randomOf(g, dt, shape);
                double[] v = values(x);
                Tensor xs = strided(be, x);
                int[][] dimSets = op.isArg() ? new int[][]{{0}, {1}, {-1}} : new int[][]{{1}, {0, 2}, {-1, 0}, {}};
                for (int[] dims : dimSets) {
                    int[] nd = Shapes.dims("reduce", dims, shape);
                    Tensor r = switch (op) {
                        case SUM -> xs.sum(dims, true);
                        case MAX -> xs.max(dims, true);
                        case MIN -> xs.min(dims, true);
                        case ARGMAX -> xs.argmax(dims[0], true);
                        case ARGMIN -> xs.argmin(dims[0], true);
                    };
                    double[] e = ReduceTest.fold(v, shape, nd, switch (op) {
                        case SUM -> ReduceTest::sum;
                        case MAX -> ReduceTest::max;
                        case MIN -> ReduceTest::min;
                        case ARGMAX -> ReduceTest::argmax;
                        case ARGMIN -> ReduceTest::argmin;
                    });
                    assertArrayEquals(ReduceTest.reducedShape(shape, nd, true), r.shape(), op + " shape");
                    check(op + " " + dt + " over " + Arrays.toString(dims), e, r, op.isArg() ? DType.INT64 : dt);
                }
            }
    }

    static void random(Backend be, Generator g) {
        record Draw(Philox.Distribution dist, DType dt, double a, double b) {}
        Draw[] draws = {
                new Draw(Philox.Distribution.UNIFORM, DType.FLOAT32, -1, 3), new Draw(Philox.Distribution.UNIFORM, DType.FLOAT64, -1, 3),
                new Draw(Philox.Distribution.NORMAL, DType.FLOAT32, 0.5, 2), new Draw(Philox.Distribution.NORMAL, DType.FLOAT64, 0.5, 2),
                new Draw(Philox.Distribution.INTEGER, DType.INT64, -7, 1000), new Draw(Philox.Distribution.BERNOULLI, DType.FLOAT32, 0.3, 0),
                new Draw(Philox.Distribution.BERNOULLI, DType.INT64, 0.7, 0),
        };
        int[] s = new int[4];
        long seed = 0x5EEDL + g.advance(1), offset = (1L << 32) - 7;                   // the counter crosses 2^32
        for (Draw d : draws) {
            Tensor out = d.dt == DType.INT64 ? Tensor.full(-99, d.dt, be.device(), 6, 5) : poisoned(be, d.dt, 6, 5);
            Tensor view = out.transpose(0, 1);                                           // [5, 6], non-contiguous
            be.random(d.dist, seed, offset, d.a, d.b, view);
            double[] e = new double[30];
            for (int i = 0; i < 30; i++) {
                double v = Philox.value(d.dist, d.dt, seed, offset + i, d.a, d.b, s);
                e[i] = d.dt == DType.FLOAT32 ? (float) v : v;
            }
            // exact bit patterns for every distribution, normals included
            Expect.close("random " + d + " on " + be.device(), e, view.to(Device.CPU), 0, 0);
        }
    }
}
