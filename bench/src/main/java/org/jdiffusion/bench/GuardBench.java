package org.jdiffusion.bench;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The floor pairs of {@code bench/guard}: each kernel at a small shape on the fast backend and on the
 * scalar reference, so that both run in a few seconds and their ratio, measured in one guard run, says
 * whether the fast kernel still beats its own reference by the floor {@link Guard} states. Shapes
 * (float32): matmul [64,256]·[256,256]; bmm [256,49,16]·[256,16,49] (attention's q·kᵀ); conv 3×3 pad 1
 * 32→32 channels at 14×14, batch 8, forward, input and weight gradients (2·N·O·C·9·H·W FLOPs each);
 * group norm [8,64,14,14] G=8 forward (8 bytes per element) and backward (12); softmax [64,49,49] (8);
 * attention B=8 H=4 T=49 D=16 (4·B·H·T²·D FLOPs); SiLU (8) and add (12) on [8,64,28,28].
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast", "-Djdiffusion.threads=1"})
public class GuardBench {
    @Param({"matmul", "bmm", "convForward", "convBackwardInput", "convBackwardWeight", "groupNormForward",
            "groupNormBackward", "softmax", "attention", "silu", "add"})
    public String kernel;

    @Param({"fast", "reference"})
    public String backend;

    /** GFLOP/s ({@code mflop} per ms) or GB/s ({@code mbyte} per ms); one of the two counts per kernel. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public double mflop, mbyte;
    }

    private Runnable call;
    private double mflop, mbyte;

    @Setup(Level.Trial)
    public void setup() {
        Backend be = Work.backend(backend);
        Generator g = new Generator(11);
        switch (kernel) {
            case "matmul" -> {
                Tensor a = Work.randn(g, 1, 64, 256), b = Work.randn(g, 1, 256, 256), out = Tensor.zeros(1, 64, 256);
                mflop = 2.0 * 64 * 256 * 256 / 1e6;
                call = () -> be.matmul(a, b, out);
            }
            case "bmm" -> {
                Tensor q = Work.randn(g, 256, 49, 16), k = Work.randn(g, 256, 16, 49), out = Tensor.zeros(256, 49, 49);
                mflop = 2.0 * 256 * 49 * 16 * 49 / 1e6;
                call = () -> be.matmul(q, k, out);
            }
            case "convForward", "convBackwardInput", "convBackwardWeight" -> {
                Conv2dParams p = Conv2dParams.of(1, 1);
                Tensor x = Work.randn(g, 8, 32, 14, 14), w = Work.randn(g, 32, 32, 3, 3), bias = Work.randn(g, 32);
                Tensor dy = Work.randn(g, 8, 32, 14, 14), y = Tensor.zeros(8, 32, 14, 14), dx = Tensor.zeros(8, 32, 14, 14),
                        dw = Tensor.zeros(32, 32, 3, 3);
                mflop = 2.0 * 8 * 32 * 32 * 9 * 14 * 14 / 1e6;
                call = switch (kernel) {
                    case "convForward" -> () -> be.conv2d(x, w, bias, p, y);
                    case "convBackwardInput" -> () -> be.conv2dBackwardInput(dy, w, p, dx);
                    default -> () -> be.conv2dBackwardWeight(dy, x, p, dw);
                };
            }
            case "groupNormForward", "groupNormBackward" -> {
                Tensor x = Work.randn(g, 8, 64, 14, 14), dy = Work.randn(g, 8, 64, 14, 14), gamma = Work.randn(g, 64),
                        beta = Work.randn(g, 64), out = Tensor.zeros(8, 64, 14, 14), dx = Tensor.zeros(8, 64, 14, 14),
                        mean = Tensor.zeros(8, 8), rstd = Tensor.zeros(8, 8), dg = Tensor.zeros(64), db = Tensor.zeros(64);
                be.groupNorm(x, gamma, beta, 8, 1e-5, out, mean, rstd);
                boolean fwd = kernel.equals("groupNormForward");
                mbyte = (fwd ? 8.0 : 12.0) * x.numel() / 1e6;
                call = fwd ? () -> be.groupNorm(x, gamma, beta, 8, 1e-5, out, mean, rstd)
                        : () -> be.groupNormBackward(dy, x, gamma, mean, rstd, 8, dx, dg, db);
            }
            case "softmax" -> {
                Tensor s = Work.randn(g, 64, 49, 49), y = Tensor.zeros(64, 49, 49);
                mbyte = 8.0 * s.numel() / 1e6;
                call = () -> be.softmax(s, 2, false, y);
            }
            case "attention" -> {
                Tensor qkv = Work.randn(g, 8, 3, 4, 16, 49);
                Tensor q = qkv.select(1, 0).transpose(2, 3), k = qkv.select(1, 1).transpose(2, 3), v = qkv.select(1, 2).transpose(2, 3);
                Tensor out = Tensor.zeros(8, 4, 49, 16), lse = Tensor.zeros(8, 4, 49);
                mflop = 4.0 * 8 * 4 * 49 * 49 * 16 / 1e6;
                call = () -> be.attention(q, k, v, null, 0.25, out, lse);
            }
            case "silu", "add" -> {
                Tensor a = Work.randn(g, 8, 64, 28, 28), b = Work.randn(g, 8, 64, 28, 28), out = Tensor.zeros(8, 64, 28, 28);
                boolean silu = kernel.equals("silu");
                mbyte = (silu ? 8.0 : 12.0) * a.numel() / 1e6;
                call = silu ? () -> be.unary(UnaryOp.SILU, a, out) : () -> be.binary(BinaryOp.ADD, a, b, out);
            }
            default -> throw new IllegalArgumentException("unknown guard kernel '" + kernel + "'");
        }
    }

    @Benchmark
    public void run(Counters c) {
        call.run();
        c.mflop += mflop;
        c.mbyte += mbyte;
    }
}
