package org.jdiffusion.bench;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
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
 * Memory-bound kernels on an activation [64, 64, 28, 28] (3.2 M float32): add (12 bytes per
 * element), add of a broadcast bias [1, 64, 1, 1] (8), SiLU (8), sum over (0, 2, 3) as a conv bias
 * gradient (4), a transposing copy (8).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class ElementwiseBench {
    @Param({"fast", "reference"})
    public String backend;

    private Backend be;
    private Tensor a, b, bias, out, sum, transposed;
    private double mbyte;

    @Setup(Level.Trial)
    public void setup() {
        be = Work.backend(backend);
        Generator g = new Generator(1);
        a = Work.randn(g, 64, 64, 28, 28);
        b = Work.randn(g, 64, 64, 28, 28);
        bias = Work.randn(g, 1, 64, 1, 1).expand(64, 64, 28, 28);
        out = Tensor.zeros(64, 64, 28, 28);
        sum = Tensor.zeros(1, 64, 1, 1);
        transposed = Tensor.zeros(64, 64, 28, 28).transpose(2, 3);
        mbyte = 4.0 * a.numel() / 1e6;
    }

    @Benchmark
    public Tensor add(Work.Bytes c) {
        be.binary(BinaryOp.ADD, a, b, out);
        c.mbyte += 3 * mbyte;
        return out;
    }

    @Benchmark
    public Tensor addBias(Work.Bytes c) {
        be.binary(BinaryOp.ADD, a, bias, out);
        c.mbyte += 2 * mbyte;
        return out;
    }

    @Benchmark
    public Tensor silu(Work.Bytes c) {
        be.unary(UnaryOp.SILU, a, out);
        c.mbyte += 2 * mbyte;
        return out;
    }

    @Benchmark
    public Tensor sumBiasGradient(Work.Bytes c) {
        be.reduce(ReduceOp.SUM, a, new int[]{0, 2, 3}, sum);
        c.mbyte += mbyte;
        return sum;
    }

    @Benchmark
    public Tensor copyTransposed(Work.Bytes c) {
        be.copy(a.transpose(2, 3), transposed);
        c.mbyte += 2 * mbyte;
        return transposed;
    }
}
