package org.jdiffusion.bench;

import org.jdiffusion.kernels.cpu.fast.VectorGemm;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Square float32 GEMM C = A·B through the Vector API kernel: 2·n³ FLOPs, reported as GFLOP beside the time. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class SgemmBench {
    @Param({"256", "512", "1024"})
    public int n;

    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom r = new SplittableRandom(n);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < n * n; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
    }

    /** FLOPs per call, accumulated so JMH reports GFLOP/s as this counter's throughput. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;
    }

    @Benchmark
    public float[] sgemm(Flops f) {
        VectorGemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
        f.gflop += 2.0 * n * n * n / 1e9;
        return c;
    }
}
