package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Autocast;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

import java.util.ArrayList;
import java.util.List;

/**
 * One input set of a {@link GpuBenchCase} on the CUDA backend: fresh random float32 inputs (normal,
 * never zeros), outputs allocated once, and the runnable that enqueues the case's backend calls.
 * Inputs that the backward ops need from a forward (mean and rstd of a norm, attention's out and
 * lse) are computed here, once, so only the timed op runs in the runnable.
 */
final class GpuBenchOps {
    private GpuBenchOps() {}

    static final Device GPU = Device.cuda(0);

    static Runnable setup(CudaBackend be, GpuBenchCase c, Generator g) {
        return switch (c.kind()) {
            case "d2d" -> {
                int n = c.integer("n");
                CudaStorage src = (CudaStorage) rnd(g, n).storage(), dst = (CudaStorage) zeros(n).storage();
                yield () -> be.copyDeviceToDevice(src, dst, 4L * n);
            }
            case "unary" -> {
                Tensor x = rnd(g, c.integer("n")), out = zeros(c.integer("n"));
                UnaryOp op = UnaryOp.valueOf(c.param("op"));
                yield () -> be.unary(op, x, out);
            }
            case "binary" -> {
                Tensor a = rnd(g, c.integer("n")), b = rnd(g, c.integer("n")), out = zeros(c.integer("n"));
                BinaryOp op = BinaryOp.valueOf(c.param("op"));
                yield () -> be.binary(op, a, b, out);
            }
            case "binary_row" -> {
                int r = c.integer("rows"), n = c.integer("cols");
                Tensor a = rnd(g, r, n), row = rnd(g, n).expand(r, n), out = zeros(r, n);
                BinaryOp op = BinaryOp.valueOf(c.param("op"));
                yield () -> be.binary(op, a, row, out);
            }
            case "reduce" -> reduce(be, c, g);
            case "softmax", "softmax_bwd" -> {
                int r = c.integer("rows"), n = c.integer("cols");
                Tensor x = rnd(g, r, n), out = zeros(r, n);
                if (c.kind().equals("softmax")) yield () -> be.softmax(x, 1, false, out);
                Tensor y = Rand.uniform(g, 0.01, 1, DType.FLOAT32, GPU, r, n);
                yield () -> be.softmaxBackward(x, y, 1, false, out);
            }
            case "groupnorm", "groupnorm_bwd" -> groupNorm(be, c, g);
            case "layernorm", "layernorm_bwd" -> layerNorm(be, c, g);
            case "adamw" -> adamW(be, c, g);
            case "matmul" -> {
                int b = c.integer("b"), m = c.integer("m"), k = c.integer("k"), n = c.integer("n");
                Tensor x = rnd(g, b, m, k), y = rnd(g, b, k, n), out = zeros(b, m, n);
                yield inMode(c, () -> be.matmul(x, y, out), () -> CudaMatmul.matmul(be.context(), x, y, out, MatmulMode.TF32));
            }
            case "conv" -> conv(be, c, g);
            case "attention" -> attention(be, c, g);
            default -> throw new IllegalArgumentException("GpuBench: unknown case kind '" + c.kind() + "' of " + c.id());
        };
    }

    private static Runnable reduce(CudaBackend be, GpuBenchCase c, Generator g) {
        int[] shape = c.ints("shape"), dims = c.ints("dims"), outShape = shape.clone();
        for (int d : dims) outShape[d] = 1;
        ReduceOp op = ReduceOp.valueOf(c.param("op"));
        Tensor x = rnd(g, shape);
        Tensor out = Tensor.zeros(op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN ? DType.INT64 : DType.FLOAT32, GPU, outShape);
        return () -> be.reduce(op, x, dims, out);
    }

    private static Runnable groupNorm(CudaBackend be, GpuBenchCase c, Generator g) {
        int[] s = c.ints("shape");
        int groups = c.integer("groups");
        Tensor x = rnd(g, s), gamma = rnd(g, s[1]), beta = rnd(g, s[1]), out = zeros(s);
        Tensor mean = zeros(s[0], groups), rstd = zeros(s[0], groups);
        if (c.kind().equals("groupnorm")) return () -> be.groupNorm(x, gamma, beta, groups, 1e-5, out, mean, rstd);
        be.groupNorm(x, gamma, beta, groups, 1e-5, out, mean, rstd);
        Tensor dY = rnd(g, s), dX = zeros(s), dGamma = zeros(s[1]), dBeta = zeros(s[1]);
        return () -> be.groupNormBackward(dY, x, gamma, mean, rstd, groups, dX, dGamma, dBeta);
    }

    private static Runnable layerNorm(CudaBackend be, GpuBenchCase c, Generator g) {
        int r = c.integer("rows"), n = c.integer("cols");
        Tensor x = rnd(g, r, n), gamma = rnd(g, n), beta = rnd(g, n), out = zeros(r, n), mean = zeros(r), rstd = zeros(r);
        if (c.kind().equals("layernorm")) return () -> be.layerNorm(x, gamma, beta, 1, 1e-5, out, mean, rstd);
        be.layerNorm(x, gamma, beta, 1, 1e-5, out, mean, rstd);
        Tensor dY = rnd(g, r, n), dX = zeros(r, n), dGamma = zeros(n), dBeta = zeros(n);
        return () -> be.layerNormBackward(dY, x, gamma, mean, rstd, 1, dX, dGamma, dBeta);
    }

    private static Runnable conv(CudaBackend be, GpuBenchCase c, Generator g) {
        int n = c.integer("n"), ci = c.integer("c"), co = c.integer("o"), h = c.integer("h"), w = c.integer("w"), k = c.integer("k");
        Conv2dParams p = Conv2dParams.of(c.integer("stride"), c.integer("pad"));
        int ho = p.outH(h, k), wo = p.outW(w, k);
        Tensor x = rnd(g, n, ci, h, w), wt = rnd(g, co, ci, k, k), bias = rnd(g, co), out = zeros(n, co, ho, wo);
        CudaContext ctx = be.context();
        GemmVersion tf32 = CudaMatmul.version(DType.FLOAT32, MatmulMode.TF32);
        if (c.integer("bwd") == 0) return inMode(c, () -> be.conv2d(x, wt, bias, p, out), () -> CudaConv.forward(ctx, x, wt, bias, p, out, tf32));
        Tensor dY = rnd(g, n, co, ho, wo), dX = zeros(n, ci, h, w), dW = zeros(co, ci, k, k), dB = zeros(1, co, 1, 1);
        int[] nhw = {0, 2, 3};
        return inMode(c, () -> {
            be.conv2d(x, wt, bias, p, out);
            be.conv2dBackwardInput(dY, wt, p, dX);
            be.conv2dBackwardWeight(dY, x, p, dW);
            be.reduce(ReduceOp.SUM, dY, nhw, dB);
        }, () -> {
            CudaConv.forward(ctx, x, wt, bias, p, out, tf32);
            CudaConv.backwardInput(ctx, dY, wt, p, dX, tf32);
            CudaConv.backwardWeight(ctx, dY, x, p, dW, tf32);
            be.reduce(ReduceOp.SUM, dY, nhw, dB);
        });
    }

    /**
     * The runnable of a GEMM or convolution case in its mode (GpuBenchCases.inMode): none, the
     * backend's calls as they are (float32 FMA, the process's default mode); bf16, the same calls
     * inside an {@link Autocast} scope, the path of a training step under {@code --precision bf16};
     * tf32, {@code tf32Calls}: the kernels the backend runs when its GEMM mode is TF32
     * ({@code -Djdiffusion.cuda.matmul=tf32}), called directly since that mode is fixed per process.
     */
    private static Runnable inMode(GpuBenchCase c, Runnable calls, Runnable tf32Calls) {
        String mode = c.params().get("mode");
        if (mode == null) return calls;
        return switch (mode) {
            case GpuBenchCases.TF32 -> tf32Calls;
            case GpuBenchCases.BF16 -> () -> {
                try (Autocast ignored = Autocast.bf16()) {
                    calls.run();
                }
            };
            default -> throw new IllegalArgumentException("GpuBench: unknown mode '" + mode + "' of " + c.id() + " (expected tf32 or bf16)");
        };
    }

    private static Runnable attention(CudaBackend be, GpuBenchCase c, Generator g) {
        int b = c.integer("b"), h = c.integer("h"), t = c.integer("t"), d = c.integer("d");
        double scale = 1 / Math.sqrt(d);
        Tensor q = rnd(g, b, h, t, d), k = rnd(g, b, h, t, d), v = rnd(g, b, h, t, d), out = zeros(b, h, t, d), lse = zeros(b, h, t);
        if (c.integer("bwd") == 0) return () -> be.attention(q, k, v, null, scale, out, lse);
        Tensor dOut = rnd(g, b, h, t, d), dQ = zeros(b, h, t, d), dK = zeros(b, h, t, d), dV = zeros(b, h, t, d);
        return () -> {
            be.attention(q, k, v, null, scale, out, lse);
            be.attentionBackward(dOut, q, k, v, null, scale, out, lse, dQ, dK, dV);
        };
    }

    /** The fused AdamW step over the case's parameter sizes (one launch per 64 tensors). */
    private static Runnable adamW(CudaBackend be, GpuBenchCase c, Generator g) {
        org.jdiffusion.tensor.AdamHyper hyper = new org.jdiffusion.tensor.AdamHyper(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 10L);
        List<Tensor> p = new ArrayList<>(), gr = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
        for (int n : c.ints("sizes")) {
            p.add(rnd(g, n));
            gr.add(rnd(g, n));
            m.add(rnd(g, n));
            v.add(Rand.uniform(g, 0.01, 1, DType.FLOAT32, GPU, n));
        }
        return () -> be.adamStep(p, gr, m, v, hyper);
    }

    static Tensor rnd(Generator g, int... shape) { return Rand.normal(g, 0, 1, DType.FLOAT32, GPU, shape); }

    static Tensor zeros(int... shape) { return Tensor.zeros(DType.FLOAT32, GPU, shape); }
}
