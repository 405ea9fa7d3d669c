package org.jdiffusion.bench;

import org.jdiffusion.kernels.cpu.fast.VectorGemm;
import org.jdiffusion.bench.lab.GemmV1;
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

/**
 * Square float32 GEMM C = A·B on raw arrays: 2·n³ FLOPs. {@code version}: "production"
 * ({@link VectorGemm}) or "v1" (the first version, kept in the lab).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class SgemmBench {
    @Param({"256", "512", "1024"})
    public int n;

    @Param({"production", "v1"})
    public String version;

    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom r = new SplittableRandom(n);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < n * n; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
    }

    @Benchmark
    public float[] sgemm(Work.Flops f) {
        if (version.equals("v1")) GemmV1.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
        else VectorGemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
        f.mflop += 2.0 * n * n * n / 1e6;
        return c;
    }
}
