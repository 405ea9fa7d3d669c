package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HalfFloats;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Float32 elementwise kernels over {@link FastRows} runs: vector loops where the output run has unit
 * stride and each input unit or zero stride (a broadcast), a scalar loop otherwise. Bytes moved
 * 4·(inputs + 1)·numel; the transcendental ones cost a few dozen FLOPs per element (see {@link VMath}).
 * Which ops have a vector form here is declared with each op ({@code UnaryOp/BinaryOp.hasFastKernel}); the
 * others (gelu with erf, floor, sign, pow, comparisons) are left to the reference.
 */
public final class FastElementwise {
    private FastElementwise() {}

    /** Whether a vector kernel runs op: its declaration says so ({@link UnaryOp#hasFastKernel}), {@link #unaryRun} holds it. */
    public static boolean handles(UnaryOp op) { return op.hasFastKernel(); }

    /** Whether a vector kernel runs op ({@link BinaryOp#hasFastKernel}). */
    public static boolean handles(BinaryOp op) { return op.hasFastKernel(); }

    public static void fill(Tensor out, float v) {
        float[] o = data(out);
        FastRows.forEach(out.shape(), new Tensor[]{out}, (offs, st, n) -> {
            if (st[0] == 1) java.util.Arrays.fill(o, offs[0], offs[0] + n, v);
            else for (int i = 0, p = offs[0]; i < n; i++, p += st[0]) o[p] = v;
        });
    }

    public static void copy(Tensor src, Tensor out) {
        float[] x = data(src), y = data(out);
        FastRows.forEach(out.shape(), new Tensor[]{src, out}, (offs, st, n) -> {
            if (st[0] == 1 && st[1] == 1) System.arraycopy(x, offs[0], y, offs[1], n);
            else for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) y[q] = x[p];
        });
    }

    /**
     * float32 → bfloat16 (round to nearest even, NaN to the canonical quiet NaN, as HalfFloats) or
     * bfloat16 → float32 (exact), any strides: the casts of bf16 autocast, which the reference does
     * through float64 one element at a time.
     */
    public static void castBf16(Tensor src, Tensor out) {
        if (src.dtype() == DType.FLOAT32) {
            float[] x = data(src);
            short[] y = ((HostStorage.BF16) out.storage()).data();
            FastRows.forEach(out.shape(), new Tensor[]{src, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) y[q] = HalfFloats.bf16FromFloat(x[p]);
            });
        } else {
            short[] x = ((HostStorage.BF16) src.storage()).data();
            float[] y = data(out);
            FastRows.forEach(out.shape(), new Tensor[]{src, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) y[q] = HalfFloats.bf16ToFloat(x[p]);
            });
        }
    }

    public static void unary(UnaryOp op, Tensor x, Tensor out) {
        float[] xs = data(x), ys = data(out);
        FastRows.forEach(out.shape(), new Tensor[]{x, out}, (offs, st, n) -> {
            int i = 0, p = offs[0], q = offs[1];
            if (st[0] == 1 && st[1] == 1) i = unaryRun(op, xs, p, ys, q, n);
            for (; i < n; i++) ys[q + i * st[1]] = (float) op.apply(xs[p + i * st[0]]);
        });
    }

    /**
     * The vector part of a unit-stride unary run; returns how many elements it did. One small method
     * per op, each a single loop: a large method with many vector loops can fail C1's register
     * allocation and then never reach C2, where the vectors stop being objects (bench/.../bench/lab/README.md).
     */
    private static int unaryRun(UnaryOp op, float[] x, int p, float[] y, int q, int n) {
        return switch (op) {
            case NEG -> neg(x, p, y, q, n);
            case ABS -> abs(x, p, y, q, n);
            case EXP -> exp(x, p, y, q, n);
            case LOG -> log(x, p, y, q, n);
            case SQRT -> sqrt(x, p, y, q, n);
            case RSQRT -> rsqrt(x, p, y, q, n);
            case SQUARE -> square(x, p, y, q, n);
            case TANH -> tanh(x, p, y, q, n);
            case SIGMOID -> sigmoid(x, p, y, q, n);
            case RELU -> relu(x, p, y, q, n);
            case SILU -> silu(x, p, y, q, n);
            case GELU_TANH -> geluTanh(x, p, y, q, n);
            case SIN -> sin(x, p, y, q, n);
            case COS -> cos(x, p, y, q, n);
            case SOFTPLUS -> softplus(x, p, y, q, n);
            case GELU, FLOOR, SIGN -> throw new IllegalStateException(op + " has no vector kernel: UnaryOp." + op + " declares none");
        };
    }

    private static int neg(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.neg().intoArray(y, q + i);
        }
        return i;
    }

    private static int abs(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.abs().intoArray(y, q + i);
        }
        return i;
    }

    private static int exp(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            VMath.exp(v).intoArray(y, q + i);
        }
        return i;
    }

    private static int log(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.lanewise(VectorOperators.LOG).intoArray(y, q + i);
        }
        return i;
    }

    private static int sqrt(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.sqrt().intoArray(y, q + i);
        }
        return i;
    }

    private static int rsqrt(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            FloatVector.broadcast(S, 1f).div(v.sqrt()).intoArray(y, q + i);
        }
        return i;
    }

    private static int square(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.mul(v).intoArray(y, q + i);
        }
        return i;
    }

    private static int tanh(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            VMath.tanh(v).intoArray(y, q + i);
        }
        return i;
    }

    private static int sigmoid(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            VMath.sigmoid(v).intoArray(y, q + i);
        }
        return i;
    }

    private static int relu(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.max(0f).intoArray(y, q + i);
        }
        return i;
    }

    private static int silu(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            VMath.silu(v).intoArray(y, q + i);
        }
        return i;
    }

    /** gelu_tanh(x) = x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    private static int geluTanh(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            VMath.tanh(v.mul(v).fma(0.044715f, 1f).mul(v).mul(0.7978845608028654f)).add(1f).mul(v).mul(0.5f).intoArray(y, q + i);
        }
        return i;
    }

    private static int sin(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.lanewise(VectorOperators.SIN).intoArray(y, q + i);
        }
        return i;
    }

    private static int cos(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.lanewise(VectorOperators.COS).intoArray(y, q + i);
        }
        return i;
    }

    /** softplus(x) = max(x, 0) + log1p(e^−|x|): e^−|x| ≤ 1 never overflows, log1p keeps it where it is tiny. */
    private static int softplus(float[] x, int p, float[] y, int q, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, p + i);
            v.max(0f).add(VMath.exp(v.abs().neg()).lanewise(VectorOperators.LOG1P)).intoArray(y, q + i);
        }
        return i;
    }

    public static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        float[] xs = data(a), ys = data(b), zs = data(out);
        FastRows.forEach(out.shape(), new Tensor[]{a, b, out}, (offs, st, n) -> {
            int i = 0, p = offs[0], q = offs[1], r = offs[2];
            if (st[2] == 1 && (st[0] | st[1]) >>> 1 == 0 && (st[0] | st[1]) != 0) i = binaryRun(op, xs, p, st[0], ys, q, st[1], zs, r, n);
            for (; i < n; i++) zs[r + i * st[2]] = (float) op.apply(xs[p + i * st[0]], ys[q + i * st[1]]);
        });
    }

    /**
     * The vector part of a binary run with unit-stride output and inputs of stride 1 or 0 (not both
     * 0); returns how many elements it did. One small method per op, as for the unary ones.
     */
    private static int binaryRun(BinaryOp op, float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        return switch (op) {
            case ADD -> addRun(x, p, sx, y, q, sy, z, r, n);
            case SUB -> subRun(x, p, sx, y, q, sy, z, r, n);
            case MUL -> mulRun(x, p, sx, y, q, sy, z, r, n);
            case DIV -> divRun(x, p, sx, y, q, sy, z, r, n);
            case MAXIMUM -> maxRun(x, p, sx, y, q, sy, z, r, n);
            case MINIMUM -> minRun(x, p, sx, y, q, sy, z, r, n);
            case POW, EQ, NE, LT, LE, GT, GE -> throw new IllegalStateException(op + " has no vector kernel: BinaryOp." + op + " declares none");
        };
    }

    private static int addRun(float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        int i = 0, end = n - L;
        if (sx == 1 && sy == 1) {
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).add(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        } else if (sx == 1) {
            FloatVector w = FloatVector.broadcast(S, y[q]);
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).add(w).intoArray(z, r + i);
        } else {
            FloatVector w = FloatVector.broadcast(S, x[p]);
            for (; i <= end; i += L) w.add(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        }
        return i;
    }

    private static int subRun(float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        int i = 0, end = n - L;
        if (sx == 1 && sy == 1) {
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).sub(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        } else if (sx == 1) {
            FloatVector w = FloatVector.broadcast(S, y[q]);
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).sub(w).intoArray(z, r + i);
        } else {
            FloatVector w = FloatVector.broadcast(S, x[p]);
            for (; i <= end; i += L) w.sub(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        }
        return i;
    }

    private static int mulRun(float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        int i = 0, end = n - L;
        if (sx == 1 && sy == 1) {
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).mul(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        } else if (sx == 1) {
            FloatVector w = FloatVector.broadcast(S, y[q]);
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).mul(w).intoArray(z, r + i);
        } else {
            FloatVector w = FloatVector.broadcast(S, x[p]);
            for (; i <= end; i += L) w.mul(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        }
        return i;
    }

    private static int divRun(float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        int i = 0, end = n - L;
        if (sx == 1 && sy == 1) {
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).div(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        } else if (sx == 1) {
            FloatVector w = FloatVector.broadcast(S, y[q]);
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).div(w).intoArray(z, r + i);
        } else {
            FloatVector w = FloatVector.broadcast(S, x[p]);
            for (; i <= end; i += L) w.div(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        }
        return i;
    }

    private static int maxRun(float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        int i = 0, end = n - L;
        if (sx == 1 && sy == 1) {
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).max(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        } else if (sx == 1) {
            FloatVector w = FloatVector.broadcast(S, y[q]);
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).max(w).intoArray(z, r + i);
        } else {
            FloatVector w = FloatVector.broadcast(S, x[p]);
            for (; i <= end; i += L) w.max(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        }
        return i;
    }

    private static int minRun(float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        int i = 0, end = n - L;
        if (sx == 1 && sy == 1) {
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).min(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        } else if (sx == 1) {
            FloatVector w = FloatVector.broadcast(S, y[q]);
            for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).min(w).intoArray(z, r + i);
        } else {
            FloatVector w = FloatVector.broadcast(S, x[p]);
            for (; i <= end; i += L) w.min(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i);
        }
        return i;
    }
}
