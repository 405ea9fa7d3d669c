package org.jdiffusion.kernels.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The GPU benchmark cases, declared once: GpuBench runs them on cuda:0 and writes them as
 * {@code cases.tsv} for the PyTorch baseline. All float32, except the GEMM and convolution cases
 * with a tensor-core mode ({@link #inMode}). Memory-bound cases count compulsory
 * bytes; compute-bound ones count FLOPs (2 per multiply-add). U-Net shapes are those of the
 * reference network (shared/spec/unet-mnist.md) at batch 128: 32 channels at 28×28, 64 at 14×14 and
 * 7×7, 128 where the decoder concatenates skips, attention with 4 heads of 16 over 7×7 = 49 tokens.
 */
final class GpuBenchCases {
    private GpuBenchCases() {}

    static final int N = 1 << 26;          // 64 Mi float32 = 256 MiB per tensor: several times any L2
    static final int SIDE = 1 << 13;       // SIDE² = N
    static final int BATCH = 128;          // the U-Net benchmark batch

    static List<GpuBenchCase> all() {
        List<GpuBenchCase> c = new ArrayList<>();
        long f = 4L * N;
        String big = "64Mi";
        c.add(mem("d2d", "d2d", p("n", N), 2 * f, "driver device-to-device copy of " + big + " float32 (the bandwidth reference)"));
        for (String op : new String[]{"RELU", "EXP", "SILU", "GELU"})
            c.add(mem("unary." + op.toLowerCase(), "unary", p("op", op, "n", N), 2 * f, op.toLowerCase() + " over " + big));
        for (String op : new String[]{"ADD", "MUL"})
            c.add(mem("binary." + op.toLowerCase(), "binary", p("op", op, "n", N), 3 * f, op.toLowerCase() + " of two " + big));
        c.add(mem("binary.add.row", "binary_row", p("op", "ADD", "rows", SIDE, "cols", SIDE), 2 * f + 4L * SIDE,
                "[8192,8192] + a broadcast row [8192]"));

        c.add(reduce("reduce.sum.all", "SUM", new int[]{N}, new int[]{0}, "sum of " + big + " to one value"));
        c.add(reduce("reduce.sum.rows", "SUM", new int[]{SIDE, SIDE}, new int[]{1}, "sum over the last dim of [8192,8192]"));
        c.add(reduce("reduce.sum.cols", "SUM", new int[]{SIDE, SIDE}, new int[]{0}, "sum over the first dim of [8192,8192]"));
        c.add(reduce("reduce.max.rows", "MAX", new int[]{SIDE, SIDE}, new int[]{1}, "max over the last dim of [8192,8192]"));
        c.add(reduce("reduce.sum.unet-bias", "SUM", new int[]{BATCH, 32, 28, 28}, new int[]{0, 2, 3},
                "a conv bias gradient: sum of [128,32,28,28] over N, H, W"));

        for (int[] rc : new int[][]{{65536, 1024}, {BATCH * 4 * 49, 49}}) {
            long bytes = 4L * rc[0] * rc[1];
            String shape = "[" + rc[0] + "," + rc[1] + "]" + (rc[1] == 49 ? " (U-Net attention scores)" : "");
            c.add(mem("softmax." + rc[0] + "x" + rc[1], "softmax", p("rows", rc[0], "cols", rc[1]), 2 * bytes, "softmax over the last dim of " + shape));
            c.add(mem("softmax-bwd." + rc[0] + "x" + rc[1], "softmax_bwd", p("rows", rc[0], "cols", rc[1]), 3 * bytes,
                    "softmax backward (dY, y → dX) of " + shape));
        }

        int[][] gn = {{64, 256, 64, 64, 32}, {BATCH, 32, 28, 28, 8}, {BATCH, 64, 14, 14, 8}, {BATCH, 128, 14, 14, 8}, {BATCH, 64, 7, 7, 8}};
        for (int[] s : gn) {
            long bytes = 4L * s[0] * s[1] * s[2] * s[3];
            String shape = "[" + s[0] + "," + s[1] + "," + s[2] + "," + s[3] + "] G=" + s[4];
            Map<String, String> q = p("shape", s[0] + "," + s[1] + "," + s[2] + "," + s[3], "groups", s[4]);
            String id = s[0] + "x" + s[1] + "x" + s[2] + "x" + s[3];
            c.add(mem("groupnorm." + id, "groupnorm", q, 2 * bytes, "group norm (affine) of " + shape));
            c.add(mem("groupnorm-bwd." + id, "groupnorm_bwd", q, 3 * bytes, "group norm backward (dX, dγ, dβ) of " + shape));
        }
        for (int[] rc : new int[][]{{65536, 1024}, {8192, 4096}}) {
            long bytes = 4L * rc[0] * rc[1];
            Map<String, String> q = p("rows", rc[0], "cols", rc[1]);
            c.add(mem("layernorm." + rc[0] + "x" + rc[1], "layernorm", q, 2 * bytes, "layer norm (affine) of [" + rc[0] + "," + rc[1] + "]"));
            c.add(mem("layernorm-bwd." + rc[0] + "x" + rc[1], "layernorm_bwd", q, 3 * bytes,
                    "layer norm backward (dX, dγ, dβ) of [" + rc[0] + "," + rc[1] + "]"));
        }
        // AdamW reads p, g, m, v and writes p, m, v: 7 float32 per element
        c.add(mem("adamw.64Mi", "adamw", p("sizes", N), 28.0 * N, "fused AdamW step over one tensor of " + big));
        int[] unet = unetParameterSizes();
        c.add(mem("adamw.unet", "adamw", p("sizes", IntStream.of(unet).mapToObj(Integer::toString).collect(Collectors.joining(","))),
                28.0 * IntStream.of(unet).asLongStream().sum(), "fused AdamW step over the U-Net's " + unet.length + " parameter tensors"));

        GpuBenchCase gemm = matmul("matmul.4096", 1, 4096, 4096, 4096, "[4096,4096]·[4096,4096]");
        c.addAll(List.of(gemm, inMode(gemm, TF32), inMode(gemm, BF16)));
        c.add(matmul("matmul.unet-temb", 1, BATCH, 128, 128, "time-embedding linear: [128,128]·[128,128]"));
        c.add(matmul("matmul.unet-qkv", 1, BATCH * 49, 64, 192, "qkv 1×1 conv as GEMM: [6272,64]·[64,192]"));
        c.add(matmul("matmul.unet-scores", BATCH * 4, 49, 16, 49, "attention scores q·kᵀ: 512 × [49,16]·[16,49]"));
        c.add(matmul("matmul.unet-pv", BATCH * 4, 49, 49, 16, "attention output p·v: 512 × [49,49]·[49,16]"));
        c.add(matmul("matmul.unet-im2col", 1, BATCH * 784, 576, 64, "the 3×3 64→64 conv at 28×28 as an im2col GEMM: [100352,576]·[576,64]"));

        // conv: n, c, o, h=w, k, stride, pad
        int[][] conv = {{64, 64, 64, 28, 3, 1, 1}, {BATCH, 64, 64, 28, 3, 1, 1}, {BATCH, 32, 32, 28, 3, 1, 1}, {BATCH, 64, 64, 14, 3, 1, 1},
                {BATCH, 128, 64, 7, 3, 1, 1}, {BATCH, 32, 32, 28, 3, 2, 1}, {BATCH, 64, 192, 7, 1, 1, 0}};
        for (int[] s : conv)
            for (boolean bwd : new boolean[]{false, true}) c.add(conv(s, bwd));
        GpuBenchCase unetConv = c.stream().filter(x -> x.id().equals("conv-fwdbwd.3x3.64to64.28.b128")).findFirst().orElseThrow();
        c.add(inMode(unetConv, TF32));
        c.add(inMode(unetConv, BF16));

        // attention: b, heads, tokens, head dim
        int[][] att = {{BATCH, 4, 49, 16}, {BATCH, 4, 49, 32}, {BATCH, 4, 49, 64}, {BATCH, 4, 49, 128}, {BATCH, 4, 196, 64}, {32, 4, 784, 64}};
        for (int[] s : att)
            for (boolean bwd : new boolean[]{false, true}) c.add(attention(s, bwd));
        return c;
    }

    /** The tensor-core modes of a GEMM or convolution case (parameter {@code mode}; absent: float32 FMA). */
    static final String TF32 = "tf32", BF16 = "bf16";

    /**
     * Case {@code c} in a tensor-core mode: id and what get the mode, the work stays. tf32: float32
     * tensors on both sides, inputs rounded to a 10-bit mantissa in the tensor cores, fp32 accumulate
     * (ours: the backend's TF32 GEMM mode; PyTorch: allow_tf32 for this case only). bf16: ours as a
     * training step under {@code --precision bf16} runs it (Autocast: float32 tensors, rounded to
     * bfloat16 while staged for the tensor cores, fp32 accumulate, float32 out); PyTorch: bfloat16
     * tensors in and out, fp32 accumulate.
     */
    static GpuBenchCase inMode(GpuBenchCase c, String mode) {
        Map<String, String> q = new LinkedHashMap<>(c.params());
        q.put("mode", mode);
        String what = c.what() + (mode.equals(TF32) ? ", TF32 tensor cores (fp32 accumulate)"
                : ", bf16 tensor cores (fp32 accumulate; ours: float32 operands rounded to bf16 as autocast does, float32 out; PyTorch: bf16 tensors)");
        return new GpuBenchCase(c.id() + "." + mode, c.kind(), q, c.work(), c.unit(), what);
    }

    static GpuBenchCase mem(String id, String kind, Map<String, String> params, double bytes, String what) {
        return new GpuBenchCase(id, kind, params, bytes, GpuBenchCase.GBS, what);
    }

    private static GpuBenchCase reduce(String id, String op, int[] shape, int[] dims, String what) {
        long in = 1, out = 1;
        for (int i = 0; i < shape.length; i++) {
            in *= shape[i];
            final int d = i;
            if (IntStream.of(dims).noneMatch(x -> x == d)) out *= shape[i];
        }
        return mem(id, "reduce", p("op", op, "shape", join(shape), "dims", join(dims)), 4.0 * (in + out), what);
    }

    private static GpuBenchCase matmul(String id, int b, int m, int k, int n, String what) {
        return new GpuBenchCase(id, "matmul", p("b", b, "m", m, "k", k, "n", n), 2.0 * b * m * n * k, GpuBenchCase.TFLOPS, what);
    }

    /** FLOPs 2·N·O·C·k²·Ho·Wo forward; the backward (dX and dW) is twice that. */
    private static GpuBenchCase conv(int[] s, boolean bwd) {
        int n = s[0], ci = s[1], co = s[2], hw = s[3], k = s[4], st = s[5], pad = s[6], ho = (hw + 2 * pad - k) / st + 1;
        double fwd = 2.0 * n * co * ci * k * k * ho * ho;
        String id = (bwd ? "conv-fwdbwd." : "conv.") + k + "x" + k + (st > 1 ? "s" + st : "") + "." + ci + "to" + co + "." + hw + ".b" + n;
        String what = "conv " + k + "×" + k + (st > 1 ? " stride " + st : "") + " " + ci + "→" + co + " at " + hw + "×" + hw + ", batch " + n
                + (bwd ? ", forward + backward (dX, dW, db)" : ", forward");
        return new GpuBenchCase(id, "conv", p("n", n, "c", ci, "o", co, "h", hw, "w", hw, "k", k, "stride", st, "pad", pad, "bwd", bwd ? 1 : 0),
                bwd ? 3 * fwd : fwd, GpuBenchCase.TFLOPS, what);
    }

    /** FLOPs: q·kᵀ and p·v are 4·B·H·T²·D forward; the backward's four products (dV, dP, dQ, dK) are twice that. */
    private static GpuBenchCase attention(int[] s, boolean bwd) {
        int b = s[0], h = s[1], t = s[2], d = s[3];
        double fwd = 4.0 * b * h * (double) t * t * d;
        String id = (bwd ? "attention-fwdbwd." : "attention.") + "b" + b + "h" + h + "t" + t + "d" + d;
        String what = "attention [" + b + "," + h + "," + t + "," + d + "]" + (t == 49 && d == 16 ? " (the U-Net's)" : "")
                + (bwd ? ", forward + backward" : ", forward");
        return new GpuBenchCase(id, "attention", p("b", b, "h", h, "t", t, "d", d, "bwd", bwd ? 1 : 0), bwd ? 3 * fwd : fwd, GpuBenchCase.TFLOPS, what);
    }

    /**
     * The element counts of the reference U-Net's parameters, module by module as the spec lists
     * them (1,624,577 in all): Res(cin, cout) = GroupNorm(cin), Conv3×3, Linear(128→cout),
     * GroupNorm(cout), Conv3×3 and a 1×1 skip when cin ≠ cout; Attn(c) = GroupNorm, 1×1 qkv, 1×1 o.
     */
    static int[] unetParameterSizes() {
        List<Integer> s = new ArrayList<>();
        linear(s, 32, 128);
        linear(s, 128, 128);
        s.add(11 * 128);
        conv(s, 1, 32, 3);
        res(s, 32, 32);
        res(s, 32, 32);
        conv(s, 32, 32, 3);
        res(s, 32, 64);
        res(s, 64, 64);
        conv(s, 64, 64, 3);
        res(s, 64, 64);
        attn(s, 64);
        res(s, 64, 64);
        attn(s, 64);
        res(s, 64, 64);      // mid
        attn(s, 64);
        res(s, 64, 64);
        for (int i = 0; i < 3; i++) {  // up.0 .. up.5
            res(s, 128, 64);
            attn(s, 64);
        }
        conv(s, 64, 64, 3);
        res(s, 128, 64);
        res(s, 128, 64);
        res(s, 96, 64);
        conv(s, 64, 64, 3);
        res(s, 96, 32);
        res(s, 64, 32);
        res(s, 64, 32);
        groupNorm(s, 32);    // out
        conv(s, 32, 1, 3);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void linear(List<Integer> s, int in, int out) { s.add(out * in); s.add(out); }

    private static void conv(List<Integer> s, int in, int out, int k) { s.add(out * in * k * k); s.add(out); }

    private static void groupNorm(List<Integer> s, int c) { s.add(c); s.add(c); }

    private static void res(List<Integer> s, int cin, int cout) {
        groupNorm(s, cin);
        conv(s, cin, cout, 3);
        linear(s, 128, cout);
        groupNorm(s, cout);
        conv(s, cout, cout, 3);
        if (cin != cout) conv(s, cin, cout, 1);
    }

    private static void attn(List<Integer> s, int c) {
        groupNorm(s, c);
        conv(s, c, 3 * c, 1);
        conv(s, c, c, 1);
    }

    private static String join(int[] v) { return IntStream.of(v).mapToObj(Integer::toString).collect(Collectors.joining(",")); }

    /** Parameters from alternating keys and values. */
    static Map<String, String> p(Object... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i].toString(), kv[i + 1].toString());
        return m;
    }
}
