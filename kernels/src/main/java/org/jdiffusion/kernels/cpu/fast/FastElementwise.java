package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Float32 elementwise kernels over {@link FastRows} runs: vector loops where the output run has unit
 * stride and each input unit or zero stride (a broadcast), a scalar loop otherwise. Bytes moved
 * 4·(inputs + 1)·numel; the transcendental ones cost a few dozen FLOPs per element (see {@link VMath}).
 * Unary ops without a vector form here (gelu with erf, floor, sign) are left to the reference.
 */
public final class FastElementwise {
    private FastElementwise() {}

    public static boolean handles(UnaryOp op) {
        return switch (op) {
            case GELU, FLOOR, SIGN -> false;
            default -> true;
        };
    }

    public static boolean handles(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM -> true;
            default -> false;
        };
    }

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

    public static void unary(UnaryOp op, Tensor x, Tensor out) {
        float[] xs = data(x), ys = data(out);
        FastRows.forEach(out.shape(), new Tensor[]{x, out}, (offs, st, n) -> {
            int i = 0, p = offs[0], q = offs[1];
            if (st[0] == 1 && st[1] == 1) i = unaryRun(op, xs, p, ys, q, n);
            for (; i < n; i++) ys[q + i * st[1]] = (float) op.apply(xs[p + i * st[0]]);
        });
    }

    /** The vector part of a unit-stride unary run; returns how many elements it did. */
    private static int unaryRun(UnaryOp op, float[] x, int p, float[] y, int q, int n) {
        int i = 0, end = n - L;
        switch (op) {
            case NEG -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).neg().intoArray(y, q + i); }
            case ABS -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).abs().intoArray(y, q + i); }
            case EXP -> { for (; i <= end; i += L) VMath.exp(FloatVector.fromArray(S, x, p + i)).intoArray(y, q + i); }
            case LOG -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).lanewise(VectorOperators.LOG).intoArray(y, q + i); }
            case SQRT -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).sqrt().intoArray(y, q + i); }
            case RSQRT -> {
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (; i <= end; i += L) one.div(FloatVector.fromArray(S, x, p + i).sqrt()).intoArray(y, q + i);
            }
            case SQUARE -> {
                for (; i <= end; i += L) { FloatVector v = FloatVector.fromArray(S, x, p + i); v.mul(v).intoArray(y, q + i); }
            }
            case TANH -> { for (; i <= end; i += L) VMath.tanh(FloatVector.fromArray(S, x, p + i)).intoArray(y, q + i); }
            case SIGMOID -> { for (; i <= end; i += L) VMath.sigmoid(FloatVector.fromArray(S, x, p + i)).intoArray(y, q + i); }
            case RELU -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).max(0f).intoArray(y, q + i); }
            case SILU -> { for (; i <= end; i += L) VMath.silu(FloatVector.fromArray(S, x, p + i)).intoArray(y, q + i); }
            case GELU_TANH -> {
                // x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                for (; i <= end; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, p + i);
                    FloatVector inner = v.mul(v).fma(0.044715f, 1f).mul(v).mul(0.7978845608028654f);
                    VMath.tanh(inner).add(1f).mul(v).mul(0.5f).intoArray(y, q + i);
                }
            }
            case SIN -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).lanewise(VectorOperators.SIN).intoArray(y, q + i); }
            case COS -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).lanewise(VectorOperators.COS).intoArray(y, q + i); }
            default -> { }
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
     * 0); returns how many elements it did.
     */
    private static int binaryRun(BinaryOp op, float[] x, int p, int sx, float[] y, int q, int sy, float[] z, int r, int n) {
        int i = 0, end = n - L;
        if (sx == 1 && sy == 1) {
            switch (op) {
                case ADD -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).add(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case SUB -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).sub(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case MUL -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).mul(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case DIV -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).div(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case MAXIMUM -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).max(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case MINIMUM -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).min(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                default -> { }
            }
        } else if (sx == 1) {
            FloatVector w = FloatVector.broadcast(S, y[q]);
            switch (op) {
                case ADD -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).add(w).intoArray(z, r + i); }
                case SUB -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).sub(w).intoArray(z, r + i); }
                case MUL -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).mul(w).intoArray(z, r + i); }
                case DIV -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).div(w).intoArray(z, r + i); }
                case MAXIMUM -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).max(w).intoArray(z, r + i); }
                case MINIMUM -> { for (; i <= end; i += L) FloatVector.fromArray(S, x, p + i).min(w).intoArray(z, r + i); }
                default -> { }
            }
        } else {
            FloatVector w = FloatVector.broadcast(S, x[p]);
            switch (op) {
                case ADD -> { for (; i <= end; i += L) w.add(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case SUB -> { for (; i <= end; i += L) w.sub(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case MUL -> { for (; i <= end; i += L) w.mul(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case DIV -> { for (; i <= end; i += L) w.div(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case MAXIMUM -> { for (; i <= end; i += L) w.max(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                case MINIMUM -> { for (; i <= end; i += L) w.min(FloatVector.fromArray(S, y, q + i)).intoArray(z, r + i); }
                default -> { }
            }
        }
        return i;
    }
}
