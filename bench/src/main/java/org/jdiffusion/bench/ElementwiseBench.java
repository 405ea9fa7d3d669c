package org.jdiffusion.bench;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
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
 * Memory-bound elementwise kernels on the CPU reference backend. n float32 elements; add moves
 * 3·4·n bytes, silu 2·4·n, sum 4·n. GB/s is reported as an auxiliary counter beside the time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ElementwiseBench {
    @Param({"65536", "4194304"})
    public int n;

    private Tensor a, b;

    @Setup(Level.Trial)
    public void setup() {
        Generator g = new Generator(1);
        a = Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, n);
        b = Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, n);
    }

    /** Bytes moved per call, accumulated per iteration so JMH reports bytes/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public double gigabytes;
    }

    @Benchmark
    public Tensor add(Bytes bytes) {
        bytes.gigabytes += 12.0 * n / 1e9;
        return a.add(b);
    }

    @Benchmark
    public Tensor silu(Bytes bytes) {
        bytes.gigabytes += 8.0 * n / 1e9;
        return a.silu();
    }

    @Benchmark
    public Tensor sum(Bytes bytes) {
        bytes.gigabytes += 4.0 * n / 1e9;
        return a.sum();
    }
}
