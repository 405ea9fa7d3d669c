package org.jdiffusion.bench;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Linalg;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Optim;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our half of {@code bench/compare-torch}: times each named case through the public API (frontends
 * included, as PyTorch's side includes its own) and prints one tab-separated line per case:
 * {@code name, shape, median ms, work per call, unit (GFLOP or GB), MB allocated per call}.
 * {@code bench/compare_torch.py} runs the same cases, names and shapes in PyTorch.
 * Timing: warm up for at least 2 s (5 calls), then time calls for at least 3 s (5 calls), report the median.
 * Usage: {@code Compare [case ...]} (all cases when none are named); threads from {@code -Djdiffusion.threads}.
 */
public final class Compare {
    private Compare() {}

    /** One case: its shape text, work per call in {@code unit}, and a call to time. */
    record Case(String shape, double work, String unit, Runnable call) {}

    static Map<String, java.util.function.Supplier<Case>> cases() {
        Map<String, java.util.function.Supplier<Case>> m = new LinkedHashMap<>();
        for (int n : new int[]{256, 512, 1024}) {
            m.put("sgemm" + n, () -> {
                Tensor a = randn(n, n), b = randn(n, n);
                return new Case(n + "x" + n + "x" + n, 2.0 * n * n * n / 1e9, "GFLOP", () -> Linalg.matmul(a, b));
            });
        }
        m.put("linear", () -> {
            Tensor x = randn(64, 128), w = randn(128, 128), b = randn(128);
            return new Case("[64,128]x[128,128]^T+b", 2.0 * 64 * 128 * 128 / 1e9, "GFLOP", () -> Linalg.linear(x, w, b));
        });
        m.put("bmm_qk", () -> {
            Tensor q = randn(256, 49, 16), k = randn(256, 16, 49);
            return new Case("[256,49,16]x[256,16,49]", 2.0 * 256 * 49 * 49 * 16 / 1e9, "GFLOP", () -> Linalg.matmul(q, k));
        });
        m.put("bmm_pv", () -> {
            Tensor p = randn(256, 49, 49), v = randn(256, 49, 16);
            return new Case("[256,49,49]x[256,49,16]", 2.0 * 256 * 49 * 49 * 16 / 1e9, "GFLOP", () -> Linalg.matmul(p, v));
        });
        convCases(m, "conv3x3", 64, 64, 64, 28, 3, 1, 1);
        convCases(m, "conv3x3s2", 64, 32, 32, 28, 3, 2, 1);
        convCases(m, "conv1x1", 64, 128, 64, 14, 1, 1, 0);
        m.put("groupnorm_fwd", () -> {
            Tensor x = randn(64, 64, 28, 28), g = randn(64), b = randn(64);
            return new Case("[64,64,28,28] G=8", 8.0 * x.numel() / 1e9, "GB", () -> Norm.groupNorm(x, g, b, 8, 1e-5));
        });
        m.put("groupnorm_fwdbwd", () -> {
            Tensor x = randn(64, 64, 28, 28), g = randn(64), b = randn(64), dy = randn(64, 64, 28, 28);
            return new Case("[64,64,28,28] G=8", 20.0 * x.numel() / 1e9, "GB", () -> {
                Norm.Result r = Norm.groupNorm(x, g, b, 8, 1e-5);
                Tensor dx = Tensor.zeros(x.shape()), dg = Tensor.zeros(64), db = Tensor.zeros(64);
                x.backend().groupNormBackward(dy, x, g, r.mean(), r.rstd(), 8, dx, dg, db);
            });
        });
        m.put("softmax_fwd", () -> {
            Tensor x = randn(256, 49, 49);
            return new Case("[256,49,49] dim -1", 8.0 * x.numel() / 1e9, "GB", () -> Norm.softmax(x, -1));
        });
        m.put("softmax_fwdbwd", () -> {
            Tensor x = randn(256, 49, 49), dy = randn(256, 49, 49);
            return new Case("[256,49,49] dim -1", 20.0 * x.numel() / 1e9, "GB", () -> Norm.softmaxBackward(dy, Norm.softmax(x, -1), -1, false));
        });
        m.put("attention_fwd", () -> {
            Tensor[] qkv = qkv();
            return new Case("B=64 H=4 T=49 D=16", attnFlops() / 1e9, "GFLOP", () -> Norm.attention(qkv[0], qkv[1], qkv[2], null, 0.25));
        });
        m.put("attention_fwdbwd", () -> {
            Tensor[] qkv = qkv();
            Tensor dOut = randn(64, 4, 49, 16);
            return new Case("B=64 H=4 T=49 D=16", 3 * attnFlops() / 1e9, "GFLOP", () -> {
                Norm.AttentionResult r = Norm.attention(qkv[0], qkv[1], qkv[2], null, 0.25);
                Tensor dq = Tensor.zeros(64, 4, 49, 16), dk = Tensor.zeros(64, 4, 49, 16), dv = Tensor.zeros(64, 4, 49, 16);
                qkv[0].backend().attentionBackward(dOut, qkv[0], qkv[1], qkv[2], null, 0.25, r.out(), r.lse(), dq, dk, dv);
            });
        });
        m.put("silu", () -> {
            Tensor x = randn(64, 64, 28, 28);
            return new Case("[64,64,28,28]", 8.0 * x.numel() / 1e9, "GB", x::silu);
        });
        m.put("add", () -> {
            Tensor x = randn(64, 64, 28, 28), y = randn(64, 64, 28, 28);
            return new Case("[64,64,28,28]", 12.0 * x.numel() / 1e9, "GB", () -> x.add(y));
        });
        m.put("sum_bias", () -> {
            Tensor x = randn(64, 64, 28, 28);
            return new Case("[64,64,28,28] over (0,2,3)", 4.0 * x.numel() / 1e9, "GB", () -> x.sum(new int[]{0, 2, 3}, false));
        });
        m.put("adamw", () -> {
            UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(5));
            List<Tensor> p = new ArrayList<>(), g = new ArrayList<>(), m1 = new ArrayList<>(), m2 = new ArrayList<>();
            long count = 0;
            Generator gen = new Generator(6);
            for (Variable v : net.parameters()) {
                p.add(v.data());
                g.add(Rand.normal(gen, v.data().shape()));
                m1.add(Tensor.zeros(v.data().shape()));
                m2.add(Tensor.zeros(v.data().shape()));
                count += v.data().numel();
            }
            long[] t = {0};
            return new Case(p.size() + " tensors, " + count + " params", 28.0 * count / 1e9, "GB",
                    () -> Optim.adamStep(p, g, m1, m2, new AdamHyper(1e-4, 0.9, 0.999, 1e-8, 0.01, true, ++t[0])));
        });
        m.put("unet_forward", () -> {
            UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(7));
            net.eval();
            Tensor[] in = unetInputs();
            return new Case("batch 64, eval", Double.NaN, "GFLOP", () -> {
                try (var ng = org.jdiffusion.autograd.Grad.noGrad()) { net.forward(Variable.constant(in[0]), in[1], in[2]); }
            });
        });
        m.put("unet_step", () -> {
            UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(8));
            net.train();
            Tensor[] in = unetInputs();
            Adam opt = Adam.adamW(net.namedParameters(), 1e-4, 0.01);
            return new Case("batch 64, AdamW", Double.NaN, "GFLOP", () -> {
                Variable loss = LossFunctions.mse(net.forward(Variable.constant(in[0]), in[1], in[2]), in[3]);
                opt.zeroGrad();
                loss.backward();
                opt.step();
            });
        });
        return m;
    }

    private static void convCases(Map<String, java.util.function.Supplier<Case>> m, String name, int n, int c, int o, int hw, int k, int s, int pad) {
        Conv2dParams p = Conv2dParams.of(s, pad);
        int ho = p.outH(hw, k);
        String shape = "x[" + n + "," + c + "," + hw + "," + hw + "] w[" + o + "," + c + "," + k + "," + k + "] s" + s;
        double flops = 2.0 * n * o * c * k * k * ho * ho / 1e9;
        m.put(name + "_fwd", () -> {
            Tensor x = randn(n, c, hw, hw), w = randn(o, c, k, k), b = randn(o);
            return new Case(shape, flops, "GFLOP", () -> Conv.conv2d(x, w, b, p));
        });
        m.put(name + "_fwdbwd", () -> {
            Tensor x = randn(n, c, hw, hw), w = randn(o, c, k, k), b = randn(o), dy = randn(n, o, ho, ho);
            return new Case(shape, 3 * flops, "GFLOP", () -> {
                Conv.conv2d(x, w, b, p);
                Conv.conv2dBackwardInput(dy, w, x.shape(), p);
                Conv.conv2dBackwardWeight(dy, x, w.shape(), p);
                dy.sum(new int[]{0, 2, 3}, false);
            });
        });
    }

    private static Tensor[] qkv() {
        // the U-Net's layout: qkv [B, 3·C, T] seen as [B, 3, H, D, T], q/k/v as [B, H, T, D] views
        Tensor qkv = randn(64, 3, 4, 16, 49);
        return new Tensor[]{qkv.select(1, 0).transpose(2, 3), qkv.select(1, 1).transpose(2, 3), qkv.select(1, 2).transpose(2, 3)};
    }

    private static double attnFlops() { return 4.0 * 64 * 4 * 49 * 49 * 16; }

    private static Tensor[] unetInputs() {
        Generator g = new Generator(9);
        Tensor x = Rand.uniform(g, -1, 1, DType.FLOAT32, Device.CPU, 64, 1, 28, 28);
        Tensor t = Rand.randint(g, 0, 1000, Device.CPU, 64), y = Rand.randint(g, 0, 11, Device.CPU, 64);
        return new Tensor[]{x, t, y, Rand.normal(g, 64, 1, 28, 28)};
    }

    private static final Generator GEN = new Generator(1234);

    /** Seconds of warm-up and of timed calls per case ({@code -Dcompare.warmup}, {@code -Dcompare.measure}). */
    private static final double WARMUP_S = Double.parseDouble(System.getProperty("compare.warmup", "2")),
            MEASURE_S = Double.parseDouble(System.getProperty("compare.measure", "3"));

    private static Tensor randn(int... shape) { return Rand.normal(GEN, shape); }

    public static void main(String[] args) {
        Map<String, java.util.function.Supplier<Case>> all = cases();
        List<String> names = args.length == 0 ? new ArrayList<>(all.keySet()) : List.of(args);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.err.println("threads " + CpuParallel.threads());
        for (String name : names) {
            var sup = all.get(name);
            if (sup == null) throw new IllegalArgumentException("unknown case '" + name + "'; known: " + all.keySet());
            Case c = sup.get();
            long t0 = System.nanoTime(), warm = (long) (WARMUP_S * 1e9), measure = (long) (MEASURE_S * 1e9);
            // each call in its own MemoryScope, as the program runs a training step: its outputs go back to the pool
            for (int i = 0; i < 5 || System.nanoTime() - t0 < warm; i++) scoped(c);
            List<Long> times = new ArrayList<>();
            long allocBefore = allocated(mx), start = System.nanoTime();
            while (times.size() < 5 || System.nanoTime() - start < measure) {
                long s = System.nanoTime();
                scoped(c);
                times.add(System.nanoTime() - s);
            }
            double alloc = (allocated(mx) - allocBefore) / (double) times.size();
            times.sort(null);
            double ms = times.get(times.size() / 2) / 1e6;
            System.out.printf("%s\t%s\t%.4f\t%s\t%s\t%.2f%n", name, c.shape(), ms, Double.isNaN(c.work()) ? "" : String.format("%.6f", c.work()),
                    c.unit(), alloc / 1e6);
            System.out.flush();
        }
    }

    private static void scoped(Case c) {
        try (MemoryScope scope = MemoryScope.open("compare call")) {
            c.call().run();
        }
    }

    /** Bytes allocated so far by all live threads (the pool's workers included). */
    private static long allocated(com.sun.management.ThreadMXBean mx) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (b > 0) sum += b;
        return sum;
    }
}
