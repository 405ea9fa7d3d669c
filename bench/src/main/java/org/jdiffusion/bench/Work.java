package org.jdiffusion.bench;

import org.jdiffusion.kernels.cpu.CpuBackend;
import org.jdiffusion.kernels.cpu.CpuReferenceBackend;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What the benchmarks share: the work counters reported beside the time and the backend choice.
 * The kernel benchmarks run in one mode, {@code thrpt} (so the jar lists and runs each benchmark once): the
 * score is calls per ms (1 / score is the time per call in ms), and the counters are per ms as well, so
 * {@code mflop} reads as GFLOP/s and {@code mbyte} as GB/s.
 */
public final class Work {
    private Work() {}

    /** Millions of floating-point operations done, counted per call. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double mflop;
    }

    /** Millions of bytes moved, counted per call. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public double mbyte;
    }

    /** "fast" (the cpu device's backend) or "reference" (the scalar oracle). */
    static Backend backend(String name) {
        return switch (name) {
            case "fast" -> CpuBackend.INSTANCE;
            case "reference" -> CpuReferenceBackend.INSTANCE;
            default -> throw new IllegalArgumentException("backend must be fast or reference, got " + name);
        };
    }

    static Tensor randn(Generator g, int... shape) { return Rand.normal(g, shape); }
}
