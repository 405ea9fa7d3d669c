package org.jdiffusion.kernels;

import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleBinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Every unary and binary op against float64 definitions written here with java.lang.Math, on fresh
 * random inputs of odd shapes, contiguous and strided, in float32 and float64; broadcasting, scalar
 * and in-place forms, where, clamp, exact int64 arithmetic and copyFrom.
 */
class ElementwiseTest {
    private static final Device CPU = Device.CPU;
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    private static long seed = 1000;

    private static Generator gen() { return new Generator(seed++); }

    /**
     * The definitions, written independently of UnaryOp.apply for the ops that were here before the op
     * table; an op declared since is checked against its declaration's float64 formula (and its
     * backward rule by gradcheck in autograd's OpTableRulesTest).
     */
    static double ref(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case SQUARE -> x * x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> Math.max(x, 0);
            case SILU -> x / (1 + Math.exp(-x));
            case GELU -> Double.isNaN(x) ? x : Math.abs(x) <= 10 ? Expect.gelu(x) : x > 0 ? x : -0.0; // beyond ±10: x, or 0 below 1e-22
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case FLOOR -> Math.floor(x);
            case SIGN -> Math.signum(x);
            default -> op.apply(x);
        };
    }

    static double ref(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAXIMUM -> a != a || b != b ? Double.NaN : Math.max(a, b);
            case MINIMUM -> a != a || b != b ? Double.NaN : Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
        };
    }

    /** Inputs inside each op's domain. */
    private static Tensor unaryInput(UnaryOp op, DType dt, int... shape) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> TestTensors.uniform(gen(), 0.05, 5, dt, shape);
            case EXP -> TestTensors.uniform(gen(), -20, 20, dt, shape);
            case SIN, COS -> TestTensors.uniform(gen(), -10, 10, dt, shape);
            default -> Rand.normal(gen(), 0, 3, dt, CPU, shape);
        };
    }

    private static double[] map(double[] x, java.util.function.DoubleUnaryOperator f) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) r[i] = f.applyAsDouble(x[i]);
        return r;
    }

    /** The Tensor method of each op that has one, {@code Tensor.apply} for the others. */
    static Tensor call(UnaryOp op, Tensor x) {
        return switch (op) {
            case NEG -> x.neg();
            case ABS -> x.abs();
            case EXP -> x.exp();
            case LOG -> x.log();
            case SQRT -> x.sqrt();
            case RSQRT -> x.rsqrt();
            case SQUARE -> x.square();
            case TANH -> x.tanh();
            case SIGMOID -> x.sigmoid();
            case RELU -> x.relu();
            case SILU -> x.silu();
            case GELU -> x.gelu();
            case GELU_TANH -> x.geluTanh();
            case SIN -> x.sin();
            case COS -> x.cos();
            case FLOOR -> x.floor();
            case SIGN -> x.sign();
            default -> x.apply(op);
        };
    }

    static Tensor call(BinaryOp op, Tensor a, Tensor b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case POW -> a.pow(b);
            case MAXIMUM -> a.maximum(b);
            case MINIMUM -> a.minimum(b);
            case EQ -> a.eq(b);
            case NE -> a.ne(b);
            case LT -> a.lt(b);
            case LE -> a.le(b);
            case GT -> a.gt(b);
            case GE -> a.ge(b);
        };
    }

    @Test
    void everyUnaryOpInEveryFloatDtypeAndLayout() {
        for (UnaryOp op : UnaryOp.values())
            for (DType dt : FLOATS)
                for (boolean strided : new boolean[]{false, true}) {
                    Tensor x = unaryInput(op, dt, 3, 5, 7);
                    if (strided) x = TestTensors.strided(x);
                    double[] before = x.toDoubleArray(), expected = map(before, v -> ref(op, v));
                    String what = op + " " + dt + (strided ? " strided" : "");
                    Tensor y = call(op, x);
                    assertEquals(dt, y.dtype());
                    Expect.shape(y, 3, 5, 7);
                    Expect.close(what, expected, y);
                    assertArrayEquals(before, x.toDoubleArray(), 0, what + ": the input must not change");
                    // in place, through the same (possibly strided) layout
                    assertSame(x, x.unaryInPlace(op));
                    Expect.close(what + " in place", expected, x);
                }
    }

    @Test
    void unaryEdgeValues() {
        double inf = Double.POSITIVE_INFINITY, nan = Double.NaN;
        double[] finite = {0, -0.0, 1e-300, -1e-300, 700, -700, 40, -40, 0.5, -0.5, -2.5};
        double[] special = {inf, -inf, nan};
        for (UnaryOp op : UnaryOp.values()) {
            Expect.close(op + " edge values", map(finite, v -> ref(op, v)), call(op, Tensor.of(finite, finite.length)), 1e-300, 1e-12);
            // x·f(x) forms have no agreed value at ±∞; everything else follows its formula, NaN included
            boolean product = op == UnaryOp.SILU || op == UnaryOp.GELU || op == UnaryOp.GELU_TANH;
            double[] in = product ? new double[]{nan} : special;
            Expect.close(op + " at ±∞ / NaN", map(in, v -> ref(op, v)), call(op, Tensor.of(in, in.length)), 0, 0);
        }
    }

    @Test
    void geluMatchesAnErfComputedInFiftyDigits() {
        double[] x = {-9, -8, -6, -4.5, -3.54, -3.39, -3, -2.2, -2, -1, -1e-3, 0, 1e-3, 0.7, 1, 2.5, 3.54, 6, 8};
        Expect.close("gelu float64 fixed points", map(x, Expect::gelu), Tensor.of(x, x.length).gelu(), 1e-300, 1e-13);
        Tensor r = Rand.normal(gen(), 0, 3, DType.FLOAT64, CPU, 257);
        Expect.close("gelu float64 random", map(r.toDoubleArray(), Expect::gelu), r.gelu(), 1e-300, 1e-13);
        Tensor f = r.to(DType.FLOAT32);
        Expect.close("gelu float32", map(f.toDoubleArray(), Expect::gelu), f.gelu(), 1e-30, 1e-6);
        assertEquals(0.8413447460685429, Expect.gelu(1), 1e-16, "Φ(1) = 0.841344746068542948...");
    }

    /** a [3, 1, 5] and b [4, 1] broadcast to [3, 4, 5]. */
    @Test
    void everyBinaryOpBroadcastInEveryFloatDtypeAndLayout() {
        int[] as = {3, 1, 5}, bs = {4, 1}, os = {3, 4, 5};
        for (BinaryOp op : BinaryOp.values())
            for (DType dt : FLOATS)
                for (boolean strided : new boolean[]{false, true}) {
                    Tensor a, b;
                    if (op == BinaryOp.POW) {
                        a = TestTensors.uniform(gen(), 0.1, 3, dt, as);
                        b = TestTensors.uniform(gen(), -2.5, 2.5, dt, bs);
                    } else if (op.isComparison() || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM) {
                        a = halves(dt, as);    // coarse values, so ties occur
                        b = halves(dt, bs);
                    } else {
                        a = TestTensors.randn(gen(), dt, as);
                        b = TestTensors.uniform(gen(), 0.5, 2, dt, bs).mul(Rand.bernoulli(gen(), 0.5, dt, CPU, bs).mul(2).sub(1));
                    }
                    if (strided) { a = TestTensors.strided(a); b = TestTensors.strided(b); }
                    double[] av = a.toDoubleArray(), bv = b.toDoubleArray(), e = new double[60];
                    for (int i = 0; i < 60; i++) e[i] = ref(op, av[Expect.broadcastIndex(i, os, as)], bv[Expect.broadcastIndex(i, os, bs)]);
                    String what = op + " " + dt + (strided ? " strided" : "");
                    Tensor z = call(op, a, b);
                    assertEquals(dt, z.dtype(), what);
                    Expect.shape(z, os);
                    Expect.close(what, e, z);
                    if (op.isComparison()) {
                        double ones = 0;
                        for (double v : e) ones += v;
                        assertEquals(true, ones > 0 && ones < 60, what + ": inputs should give both outcomes");
                    }
                }
    }

    /** Values k/2 for small integers k, as dtype. */
    private static Tensor halves(DType dt, int... shape) {
        return Rand.randint(gen(), -3, 4, CPU, shape).to(dt).mul(0.5);
    }

    @Test
    void maximumAndMinimumPropagateNaN() {
        for (DType dt : FLOATS) {
            Tensor a = Tensor.of(new double[]{1, Double.NaN, 3, Double.NaN, -0.5}, 5).to(dt);
            Tensor b = Tensor.of(new double[]{Double.NaN, 2, -1, Double.NaN, -0.25}, 5).to(dt);
            double nan = Double.NaN;
            Expect.close("maximum " + dt, new double[]{nan, nan, 3, nan, -0.25}, a.maximum(b), 0, 0);
            Expect.close("minimum " + dt, new double[]{nan, nan, -1, nan, -0.5}, a.minimum(b), 0, 0);
            Expect.close("maximum scalar " + dt, new double[]{1, nan, 3, nan, 0}, a.maximum(0), 0, 0);
            Expect.close("clamp " + dt, new double[]{1, nan, 2, nan, -0.25}, a.clamp(-0.25, 2), 0, 0);
            Expect.close("eq with NaN " + dt, new double[]{0, 0, 0, 0, 0}, a.eq(b), 0, 0);
            Expect.close("ne with NaN " + dt, new double[]{1, 1, 1, 1, 1}, a.ne(b), 0, 0);
        }
    }

    @Test
    void scalarForms() {
        for (DType dt : FLOATS) {
            Tensor x = TestTensors.strided(TestTensors.uniform(gen(), 0.1, 3, dt, 4, 6));
            double[] v = x.toDoubleArray();
            double s = 1.25;
            Object[][] cases = {
                    {"add", x.add(s), (DoubleBinaryOperator) (p, q) -> p + q},
                    {"sub", x.sub(s), (DoubleBinaryOperator) (p, q) -> p - q},
                    {"mul", x.mul(s), (DoubleBinaryOperator) (p, q) -> p * q},
                    {"div", x.div(s), (DoubleBinaryOperator) (p, q) -> p / q},
                    {"pow", x.pow(s), (DoubleBinaryOperator) Math::pow},
                    {"maximum", x.maximum(s), (DoubleBinaryOperator) Math::max},
                    {"minimum", x.minimum(s), (DoubleBinaryOperator) Math::min},
                    {"lt", x.lt(s), (DoubleBinaryOperator) (p, q) -> p < q ? 1 : 0},
                    {"gt", x.gt(s), (DoubleBinaryOperator) (p, q) -> p > q ? 1 : 0},
                    {"ge", x.ge(s), (DoubleBinaryOperator) (p, q) -> p >= q ? 1 : 0},
                    {"eq", x.eq(v[3]), (DoubleBinaryOperator) (p, q) -> p == v[3] ? 1 : 0},
            };
            for (Object[] c : cases) {
                DoubleBinaryOperator f = (DoubleBinaryOperator) c[2];
                Tensor out = (Tensor) c[1];
                Expect.shape(out, 4, 6);
                assertEquals(dt, out.dtype());
                Expect.close(c[0] + " scalar " + dt, map(v, p -> f.applyAsDouble(p, s)), out);
            }
            // a 0-d operand broadcasts like a scalar
            Expect.close("0-d operand " + dt, map(v, p -> p * -2), x.mul(Tensor.scalar(-2, dt, CPU)));
            Expect.close("0-d on the left " + dt, map(v, p -> 3 - p), Tensor.scalar(3, dt, CPU).sub(x));
        }
    }

    @Test
    void inPlaceFormsBroadcastTheOperandAndWriteThroughViews() {
        for (DType dt : FLOATS) {
            Tensor base = TestTensors.randn(gen(), dt, 5, 4);
            Tensor target = base.transpose(0, 1);                 // [4, 5], non-contiguous
            Tensor row = TestTensors.uniform(gen(), 0.5, 2, dt, 5), col = TestTensors.randn(gen(), dt, 4, 1);
            double[] t = target.toDoubleArray(), r = row.toDoubleArray(), c = col.toDoubleArray(), e = new double[20];
            for (int i = 0; i < 20; i++) e[i] = ((((t[i] + r[i % 5]) - c[i / 5]) * r[i % 5]) / r[i % 5] + 2) * -3;
            assertSame(target, target.addInPlace(row));
            target.subInPlace(col).mulInPlace(row).divInPlace(row).addInPlace(2.0).mulInPlace(-3.0);
            Expect.close("in place chain " + dt, e, target);
            Expect.close("visible in the base " + dt, e, base.transpose(0, 1));
            base.fillInPlace(0.5);
            Expect.close("fill " + dt, map(new double[20], p -> 0.5), base);
        }
    }

    @Test
    void whereSelectsWithBroadcasting() {
        for (DType dt : FLOATS) {
            Tensor cond = Rand.bernoulli(gen(), 0.5, DType.INT64, CPU, 3, 1);
            Tensor a = TestTensors.randn(gen(), dt, 1, 4), b = Tensor.scalar(-7, dt, CPU);
            Tensor w = Tensor.where(cond, a, b);
            Expect.shape(w, 3, 4);
            double[] cv = cond.toDoubleArray(), av = a.toDoubleArray(), e = new double[12];
            for (int i = 0; i < 12; i++) e[i] = cv[i / 4] != 0 ? av[i % 4] : -7;
            Expect.close("where " + dt, e, w, 0, 0);
            // a float condition from a comparison, on strided operands
            Tensor x = TestTensors.strided(TestTensors.randn(gen(), dt, 3, 5)), y = TestTensors.strided(TestTensors.randn(gen(), dt, 3, 5));
            double[] xv = x.toDoubleArray(), yv = y.toDoubleArray(), m = new double[15];
            for (int i = 0; i < 15; i++) m[i] = Math.max(xv[i], yv[i]);
            Expect.close("where(x > y, x, y) " + dt, m, Tensor.where(x.gt(y), x, y), 0, 0);
        }
    }

    @Test
    void clampBoundsEveryElement() {
        Tensor x = TestTensors.strided(TestTensors.randn(gen(), DType.FLOAT32, 6, 7).mul(3));
        Expect.close("clamp", map(x.toDoubleArray(), v -> Math.min(Math.max(v, -1.5), 2)), x.clamp(-1.5, 2), 0, 0);
    }

    @Test
    void whereOnInt64IsExact() {
        long p = (1L << 60) + 1;
        Tensor w = Tensor.where(Tensor.of(new float[]{1, 0}, 2), Tensor.ofLongs(new long[]{p, 1}, 2), Tensor.ofLongs(new long[]{2, -p}, 2));
        assertArrayEquals(new long[]{p, -p}, w.toLongArray());
    }

    @Test
    void int64ArithmeticIsExactBeyondTwoToThe53() {
        long p = (1L << 53) + 1, q = (1L << 31) + 3, r = -((1L << 40) + 7);
        Tensor a = Tensor.ofLongs(new long[]{p, q, r, p, -9}, 5), b = Tensor.ofLongs(new long[]{p - 1, q, 3, 1L << 54, 4}, 5);
        assertArrayEquals(new long[]{2 * p - 1, 2 * q, r + 3, p + (1L << 54), -5}, a.add(b).toLongArray());
        assertArrayEquals(new long[]{1, 0, r - 3, p - (1L << 54), -13}, a.sub(b).toLongArray());
        assertArrayEquals(new long[]{p * (p - 1), q * q, 3 * r, p * (1L << 54), -36}, a.mul(b).toLongArray(), "products wrap like Java longs");
        assertArrayEquals(new long[]{1, 1, r / 3, 0, -2}, a.div(b).toLongArray(), "division truncates toward zero");
        assertArrayEquals(new long[]{p, q, 3, 1L << 54, 4}, a.maximum(b).toLongArray());
        assertArrayEquals(new long[]{p - 1, q, r, p, -9}, a.minimum(b).toLongArray());
        assertArrayEquals(new long[]{0, 1, 0, 0, 0}, a.eq(b).toLongArray());
        assertArrayEquals(new long[]{1, 0, 0, 0, 0}, a.gt(b).toLongArray(), "2^53+1 > 2^53 needs exact comparison");
        assertArrayEquals(new long[]{0, 0, 1, 1, 1}, a.lt(b).toLongArray());
        assertArrayEquals(new long[]{p + 1, q + 1, r + 1, p + 1, -8}, a.add(Tensor.ofLongs(new long[]{1}, 1)).toLongArray());
        Tensor acc = Tensor.ofLongs(new long[]{p, p}, 2);
        acc.addInPlace(Tensor.ofLongs(new long[]{1L << 60}, 1));
        assertArrayEquals(new long[]{p + (1L << 60), p + (1L << 60)}, acc.toLongArray());
    }

    @Test
    void int64UnaryOpsAreExact() {
        long p = (1L << 53) + 1;
        Tensor a = Tensor.ofLongs(new long[]{p, -p, 0, -3, 5}, 5);
        assertArrayEquals(new long[]{-p, p, 0, 3, -5}, a.neg().toLongArray());
        assertArrayEquals(new long[]{p, p, 0, 3, 5}, a.abs().toLongArray());
        assertArrayEquals(new long[]{p, 0, 0, 0, 5}, a.relu().toLongArray());
        assertArrayEquals(new long[]{1, -1, 0, -1, 1}, a.sign().toLongArray());
        assertArrayEquals(new long[]{p, -p, 0, -3, 5}, a.floor().toLongArray());
        long q = (1L << 30) + 1;
        assertArrayEquals(new long[]{q * q, 9}, Tensor.ofLongs(new long[]{q, -3}, 2).square().toLongArray());
    }

    @Test
    void copyFromBroadcastsAndCasts() {
        Tensor dst = Tensor.zeros(DType.FLOAT32, CPU, 4, 3).transpose(0, 1);     // [3, 4] non-contiguous
        Tensor src = TestTensors.randn(gen(), DType.FLOAT64, 4);
        dst.copyFrom(src);
        double[] s = src.toDoubleArray(), e = new double[12];
        for (int i = 0; i < 12; i++) e[i] = (float) s[i % 4];
        Expect.close("copyFrom float64 [4] into float32 [3, 4]", e, dst, 0, 0);
        Tensor ints = Tensor.zeros(DType.INT64, CPU, 2, 3);
        ints.copyFrom(Tensor.of(new float[]{-1.7f, 2.2f, 9.99f}, 3));
        assertArrayEquals(new long[]{-1, 2, 9, -1, 2, 9}, ints.toLongArray());
        Tensor f = Tensor.zeros(DType.FLOAT64, CPU, 2);
        f.copyFrom(Tensor.ofLongs(new long[]{7}, 1));
        assertArrayEquals(new double[]{7, 7}, f.toDoubleArray(), 0);
    }

    @Test
    void copyFromAnOverlappingViewOfTheSameStorage() {
        Tensor t = Tensor.arange(0, 6, 1, DType.FLOAT64, CPU);
        t.narrow(0, 1, 5).copyFrom(t.narrow(0, 0, 5));
        assertArrayEquals(new double[]{0, 0, 1, 2, 3, 4}, t.toDoubleArray(), 0);
        Tensor m = Tensor.arange(0, 9, 1, DType.FLOAT64, CPU).view(3, 3);
        m.copyFrom(m.transpose(0, 1));
        assertArrayEquals(new double[]{0, 3, 6, 1, 4, 7, 2, 5, 8}, m.toDoubleArray(), 0);
    }
}
