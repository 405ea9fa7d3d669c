package org.jdiffusion.kernels;

import org.jdiffusion.kernels.cpu.CpuReferenceBackend;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HalfFloats;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Index;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Linalg;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bfloat16/float16 through the tensor API on the CPU: creation, casts, views, printing, and the
 * ops that compute on them (float64 on the widened values, rounded once: compared bit for bit with
 * that definition); every other op refuses them by name.
 */
class HalfDTypeTest {
    static final DType[] HALVES = {DType.BFLOAT16, DType.FLOAT16};

    static short round(DType half, double v) { return half == DType.BFLOAT16 ? HalfFloats.bf16FromDouble(v) : HalfFloats.f16FromDouble(v); }

    static short[] bits(Tensor t) {
        HostStorage h = t.toHost();
        return h instanceof HostStorage.BF16(short[] b) ? b : ((HostStorage.F16) h).data();
    }

    static short[] rounded(DType half, double[] values) {
        short[] r = new short[values.length];
        for (int i = 0; i < r.length; i++) r[i] = round(half, values[i]);
        return r;
    }

    @Test void creationCastsAndViews() {
        Generator g = new Generator(5);
        for (DType half : HALVES) {
            float[] f = Rand.normal(g, 0, 3, DType.FLOAT32, Device.CPU, 12).toFloatArray();
            double[] fd = new double[12];
            for (int i = 0; i < 12; i++) fd[i] = f[i];
            Tensor t = Tensor.of(f, half, 3, 4);
            assertEquals(half, t.dtype());
            assertEquals(12 * 2, t.numel() * t.dtype().byteSize());
            assertArrayEquals(rounded(half, fd), bits(t));
            double[] widened = t.toDoubleArray();
            for (int i = 0; i < 12; i++) assertEquals(TestTensors.roundTo(half, f[i]), widened[i], 0);
            short[] full = bits(Tensor.full(0.1, half, Device.CPU, 5));
            for (short s : full) assertEquals(round(half, 0.1), s);
            assertArrayEquals(new short[4], bits(Tensor.zeros(half, Device.CPU, 2, 2)));
            // views share storage and copy() keeps bits
            Tensor tt = t.transpose(0, 1);
            assertEquals(t.storage(), tt.storage());
            assertArrayEquals(bits(t.transpose(0, 1).contiguous()), bits(tt.copy()));
            tt.narrow(0, 1, 1).fillInPlace(-2.5);                               // writes column 1 of t through the view
            for (int r = 0; r < 3; r++) assertEquals(-2.5, t.toDoubleArray()[r * 4 + 1], 0);
            Tensor cat = Join.cat(List.of(t, t.neg()), 0);
            assertEquals(half, cat.dtype());
            assertArrayEquals(new int[]{6, 4}, cat.shape());
        }
    }

    @Test void printingNamesTheDtypeAndShowsTheStoredValues() {
        String s = Tensor.of(new float[]{0.1f, -65520f, 5e-8f}, DType.FLOAT16, 3).toString();
        assertTrue(s.contains("dtype=float16"), s);
        assertTrue(s.contains("[0.09998, -Infinity, 5.960e-08]"), s);   // the tie 65520 overflows; 5e-8 is nearest the smallest subnormal 2^-24
        String b = Tensor.of(new float[]{0.1f, 3.0e38f}, DType.BFLOAT16, 2).toString();
        assertTrue(b.contains("dtype=bfloat16") && b.contains("0.1001") && b.contains("3.004e+38"), b);
    }

    @Test void elementwiseOpsAndReductionsComputeOnTheWidenedValuesAndRoundOnce() {
        Generator g = new Generator(9);
        for (DType half : HALVES) {
            Tensor a = TestTensors.randn(g, half, 4, 6).mul(3), b = TestTensors.randn(g, half, 6);
            double[] av = a.toDoubleArray(), bv = b.toDoubleArray();
            for (UnaryOp op : new UnaryOp[]{UnaryOp.EXP, UnaryOp.TANH, UnaryOp.GELU, UnaryOp.SQUARE, UnaryOp.NEG}) {
                double[] e = new double[24];
                for (int i = 0; i < 24; i++) e[i] = op.apply(av[i]);
                Tensor r = TestTensors.strided(a).unaryInPlace(op);
                assertEquals(half, r.dtype());
                assertArrayEquals(rounded(half, e), bits(r.contiguous()), op + " " + half);
            }
            for (BinaryOp op : new BinaryOp[]{BinaryOp.ADD, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM, BinaryOp.LT, BinaryOp.EQ}) {
                double[] e = new double[24];
                // eq against a's own first row, so some elements are equal
                for (int i = 0; i < 24; i++) e[i] = op == BinaryOp.EQ ? op.apply(av[i], av[i % 6]) : op.apply(av[i], bv[i % 6]);
                Tensor r = switch (op) {
                    case ADD -> a.add(b);
                    case MUL -> a.mul(b);
                    case DIV -> a.div(b);
                    case MAXIMUM -> a.maximum(b);
                    case LT -> a.lt(b);
                    default -> a.eq(a.select(0, 0));
                };
                assertArrayEquals(rounded(half, e), bits(r), op + " " + half);
            }
            double[] sums = new double[4];
            for (int i = 0; i < 24; i++) sums[i / 6] += av[i];
            assertArrayEquals(rounded(half, sums), bits(a.sum(new int[]{1}, false)), "sum " + half);
            Tensor arg = a.argmax(1, false);
            assertEquals(DType.INT64, arg.dtype());
            long[] am = arg.toLongArray();
            for (int r = 0; r < 4; r++) for (int c = 0; c < 6; c++) assertTrue(av[r * 6 + c] <= av[r * 6 + (int) am[r]]);
            Tensor w = Tensor.where(a.gt(0), a, b);
            double[] we = new double[24];
            for (int i = 0; i < 24; i++) we[i] = av[i] > 0 ? av[i] : bv[i % 6];
            assertArrayEquals(rounded(half, we), bits(w), "where " + half);
            Tensor m = a.mean(new int[]{0, 1}, false);
            assertEquals(half, m.dtype());
            double mean = 0;
            for (double v : av) mean += v;
            // mean = round(round(Σ)/24): the sum is rounded once, then the division
            assertEquals(round(half, TestTensors.roundTo(half, mean) / 24), bits(m)[0], "mean " + half);
        }
    }

    @Test void theDefaultCpuBackendAgreesWithTheReferenceForHalves() {
        Generator g = new Generator(13);
        for (DType half : HALVES) {
            Tensor x = TestTensors.randn(g, half, 5, 33), y = TestTensors.randn(g, half, 5, 33);
            Tensor ref = Tensor.zeros(half, Device.CPU, 5, 33), fast = Tensor.zeros(half, Device.CPU, 5, 33);
            CpuReferenceBackend.INSTANCE.binary(BinaryOp.MUL, x, y, ref);
            x.backend().binary(BinaryOp.MUL, x, y, fast);
            assertArrayEquals(bits(ref), bits(fast));
            Tensor rs = Tensor.zeros(half, Device.CPU, 5, 1), fs = Tensor.zeros(half, Device.CPU, 5, 1);
            CpuReferenceBackend.INSTANCE.reduce(org.jdiffusion.tensor.ReduceOp.SUM, x, new int[]{1}, rs);
            x.backend().reduce(org.jdiffusion.tensor.ReduceOp.SUM, x, new int[]{1}, fs);
            assertArrayEquals(bits(rs), bits(fs));
        }
    }

    /** Asserts an IllegalArgumentException naming the op, the dtype and the cast to make. */
    static void refuses(String op, DType half, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String m = e.getMessage();
        assertTrue(m.startsWith(op + ":") && m.contains(half.toString()) && m.contains("FLOAT32"), m);
    }

    @Test void opsThatComputeOnlyInFloat32OrFloat64RefuseHalvesByName() {
        Generator g = new Generator(17);
        for (DType half : HALVES) {
            Tensor m = TestTensors.randn(g, half, 3, 4), x4 = TestTensors.randn(g, half, 1, 4, 6, 6);
            Tensor idx = Tensor.ofLongs(new long[]{0, 2}, 2);
            refuses("matmul", half, () -> Linalg.matmul(m, m.transpose(0, 1)));
            refuses("linear", half, () -> Linalg.linear(m, m, null));
            refuses("conv2d", half, () -> Conv.conv2d(x4, TestTensors.randn(g, half, 2, 4, 3, 3), null, 1, 1));
            refuses("avgPool2d", half, () -> Conv.avgPool2d(x4, 2, 2));
            refuses("upsampleNearest", half, () -> Conv.upsampleNearest(x4, 2));
            refuses("groupNorm", half, () -> Norm.groupNorm(x4, null, null, 2, 1e-5));
            refuses("softmax", half, () -> Norm.softmax(m, 1));
            refuses("indexSelect", half, () -> Index.indexSelect(m, 0, idx));
            refuses("normal", half, () -> Rand.normal(g, 0, 1, half, Device.CPU, 3));
            refuses("bernoulli", half, () -> Rand.bernoulli(g, 0.5, half, Device.CPU, 3));
            IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class, () -> m.add(m.to(DType.FLOAT32)));
            assertTrue(mixed.getMessage().contains("dtype mismatch") && mixed.getMessage().contains(".to(FLOAT32)"), mixed.getMessage());
        }
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> Tensor.ones(DType.BFLOAT16, Device.CPU, 2).add(Tensor.ones(DType.FLOAT16, Device.CPU, 2)));
        assertTrue(both.getMessage().contains(".to(FLOAT32)"), both.getMessage());
    }
}
