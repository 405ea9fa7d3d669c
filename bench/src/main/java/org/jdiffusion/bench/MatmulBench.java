package org.jdiffusion.bench;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
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
 * Backend.matmul at the U-Net's shapes ([B, M, K]·[B, K, N]): "linear" the time embedding
 * [1, 64, 128]·[128, 128]ᵀ (a transposed view), "qk" and "pv" the attention products of 4 heads at
 * 7×7 over batch 64, "square512" a plain square product. FLOPs 2·B·M·N·K.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class MatmulBench {
    @Param({"linear", "qk", "pv", "square512"})
    public String shape;

    @Param({"fast", "reference"})
    public String backend;

    private Backend be;
    private Tensor a, b, out;
    private double mflop;

    @Setup(Level.Trial)
    public void setup() {
        be = Work.backend(backend);
        Generator g = new Generator(3);
        int[] d = switch (shape) {
            case "linear" -> new int[]{1, 64, 128, 128};
            case "qk" -> new int[]{256, 49, 16, 49};
            case "pv" -> new int[]{256, 49, 49, 16};
            default -> new int[]{1, 512, 512, 512};
        };
        a = Work.randn(g, d[0], d[1], d[2]);
        b = shape.equals("linear") ? Work.randn(g, 1, d[3], d[2]).transpose(1, 2) : Work.randn(g, d[0], d[2], d[3]);
        out = Tensor.zeros(d[0], d[1], d[3]);
        mflop = 2.0 * d[0] * d[1] * d[2] * d[3] / 1e6;
    }

    @Benchmark
    public Tensor matmul(Work.Flops f) {
        be.matmul(a, b, out);
        f.mflop += mflop;
        return out;
    }
}
