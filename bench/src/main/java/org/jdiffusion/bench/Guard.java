package org.jdiffusion.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The JMH half of {@code bench/guard} (the script compiles and runs the FMA/copy probe first and passes
 * its output with {@code --peak}).
 *
 * <p>Floors (machine-independent, what CI runs with {@code --floors}): each kernel of {@link GuardBench}
 * on the fast backend and on the scalar reference, one thread, in the same run; a fast kernel fails when
 * it is less than {@link Floor#minSpeedup} times its reference or reaches less than
 * {@link Floor#minPeakFraction} of the same run's one-thread FMA peak (GFLOP/s kernels) or copy bandwidth
 * (GB/s kernels). The floors are half or less of what the kernels reach on a 2-core AVX-512 VM (the
 * speedups) and a third or less (the fractions), so noise does not trip them; losing a vector path does.
 *
 * <p>Baseline (machine-dependent, the default; about two minutes): the floors, then the fast kernels at
 * the U-Net's shapes ({@link #SELECTION}) in forked JVMs, each rate compared with {@code bench/baselines/<cpu>.tsv} for
 * the same CPU model and thread count; a rate below baseline × (1 − tolerance) fails.
 * {@code --save-baseline} writes that file from this run instead.
 */
public final class Guard {
    private Guard() {}

    /** One benchmark with fixed parameters; its rate is its GFLOP/s or GB/s counter. */
    record Spec(String id, String benchmark, Map<String, String> params) {}

    /** The floor of one GuardBench kernel: fast / reference ≥ minSpeedup, fast ≥ minPeakFraction of the probe's ceiling. */
    record Floor(String kernel, double minSpeedup, double minPeakFraction) {}

    /** Measured: the best measured iteration's calls/ms and its counter's rate. */
    record Measured(Spec spec, double callsPerMs, double rate, String unit) {}

    /**
     * The floors. A speedup floor catches a fast kernel that lost its vector path or its blocking; a ceiling
     * floor catches one that is slow against the machine itself. The GB/s kernels' shapes are small enough to
     * stay in a large L3, so they can pass 100% of the (DRAM) copy bandwidth; their ceiling floors are loose.
     */
    static final List<Floor> FLOORS = List.of(
            new Floor("matmul", 1.5, 0.15),
            new Floor("bmm", 1.5, 0.04),
            new Floor("convForward", 1.5, 0.10),
            new Floor("convBackwardInput", 1.5, 0.10),
            new Floor("convBackwardWeight", 1.5, 0.10),
            new Floor("groupNormForward", 2, 0.25),
            new Floor("groupNormBackward", 2, 0.25),
            new Floor("softmax", 2, 0.05),
            new Floor("attention", 2, 0.02),
            new Floor("silu", 4, 0.25),
            new Floor("add", 2, 0.25));

    /** The fast kernels at the shapes of the U-Net step (see each benchmark's Javadoc), for the baseline part. */
    static final List<Spec> SELECTION = List.of(
            spec("sgemm1024", "SgemmBench.sgemm", "n", "1024", "version", "production"),
            spec("matmul512", "MatmulBench.matmul", "shape", "square512", "backend", "fast"),
            spec("matmul_qk", "MatmulBench.matmul", "shape", "qk", "backend", "fast"),
            spec("conv3x3_fwd", "ConvBench.forward", "shape", "3x3", "backend", "fast"),
            spec("conv3x3_dx", "ConvBench.backwardInput", "shape", "3x3", "backend", "fast"),
            spec("conv3x3_dw", "ConvBench.backwardWeight", "shape", "3x3", "backend", "fast"),
            spec("conv3x3s2_fwd", "ConvBench.forward", "shape", "3x3s2", "backend", "fast"),
            spec("conv1x1_fwd", "ConvBench.forward", "shape", "1x1", "backend", "fast"),
            spec("groupnorm_fwd", "NormBench.groupNormForward", "shape", "64x28", "backend", "fast"),
            spec("groupnorm_bwd", "NormBench.groupNormBackward", "shape", "64x28", "backend", "fast"),
            spec("softmax_fwd", "SoftmaxAttentionBench.softmaxForward", "t", "49", "backend", "fast"),
            spec("attention_fwd", "SoftmaxAttentionBench.attentionForward", "t", "49", "backend", "fast"),
            spec("attention_bwd", "SoftmaxAttentionBench.attentionBackward", "t", "49", "backend", "fast"),
            spec("add", "ElementwiseBench.add", "backend", "fast"),
            spec("silu", "ElementwiseBench.silu", "backend", "fast"),
            spec("adamw", "AdamWBench.adamStep", "backend", "fast"));

    private static Spec spec(String id, String benchmark, String... kv) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) p.put(kv[i], kv[i + 1]);
        return new Spec(id, "org.jdiffusion.bench." + benchmark, p);
    }

    public static void main(String[] args) throws IOException, RunnerException {
        GuardArgs a = GuardArgs.parse(args);
        Peak peak = Peak.read(a.peakFile());
        CpuId cpu = CpuId.read();
        System.out.println("bench/guard · CPU: " + cpu.describe() + " · probe: " + peak.isa());
        System.out.printf("ceilings (bench/peak/probe, this run): FMA %.1f GFLOP/s and copy %.1f GB/s on 1 thread", peak.fma(1), peak.copy(1));
        if (a.threads() > 1) System.out.printf("; FMA %.1f GFLOP/s and copy %.1f GB/s on %d threads", peak.fma(a.threads()), peak.copy(a.threads()), a.threads());
        System.out.println();
        boolean floorsHeld = floors(peak);
        if (a.floorsOnly()) {
            System.exit(floorsHeld ? 0 : 1);
        }
        System.out.println();
        List<Measured> all = new ArrayList<>();
        System.out.println("Selection: " + SELECTION.size() + " fast kernels at the U-Net's shapes, one forked JVM each, " + a.threads() + " thread(s) ...");
        for (Spec s : SELECTION) {
            Measured m = measure(s, true, a.threads(), 500, 3, 400, 4);
            System.out.printf("  %-14s %9.2f %-7s  %s %s%n", s.id(), m.rate(), m.unit(), s.benchmark().replace("org.jdiffusion.bench.", ""), s.params());
            all.add(m);
        }
        Path file = a.baselineDir().resolve(cpu.slug() + ".tsv");
        Baselines b = new Baselines(file, cpu, a.threads());
        int status = 0;
        if (a.saveBaseline()) b.save(all, peak, String.join(" ", args));
        else status = b.compare(all, peak, a.tolerance());
        System.exit(!floorsHeld ? 1 : status);
    }

    /** Runs the GuardBench pairs, prints the floor table, returns whether every floor held. */
    private static boolean floors(Peak peak) throws RunnerException {
        System.out.println();
        System.out.println("Floors: fast kernel vs its scalar reference and vs the probe's 1-thread ceiling, same run, 1 thread");
        System.out.println();
        System.out.println("| kernel | fast | reference | fast/ref | floor | fast / ceiling | floor | |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        boolean ok = true;
        for (Floor f : FLOORS) {
            Measured fast = measure(spec("guard_" + f.kernel(), "GuardBench.run", "kernel", f.kernel(), "backend", "fast"), false, 1, 200, 4, 200, 5);
            Measured ref = measure(spec("guard_" + f.kernel() + "_reference", "GuardBench.run", "kernel", f.kernel(), "backend", "reference"), false, 1, 200, 2, 200, 4);
            double speedup = fast.rate() / ref.rate(), ceiling = fast.unit().equals("GFLOP/s") ? peak.fma(1) : peak.copy(1);
            double fraction = fast.rate() / ceiling;
            boolean held = speedup >= f.minSpeedup() && fraction >= f.minPeakFraction();
            ok &= held;
            System.out.printf("| %s | %.2f %s | %.2f %s | %.1f× | ≥ %.1f× | %.1f%% of %s | ≥ %.0f%% | %s |%n", f.kernel(), fast.rate(), fast.unit(),
                    ref.rate(), ref.unit(), speedup, f.minSpeedup(), 100 * fraction, fast.unit().equals("GFLOP/s") ? "FMA" : "copy",
                    100 * f.minPeakFraction(), held ? "ok" : "**BELOW FLOOR**");
        }
        System.out.println();
        System.out.println(ok ? "floors: every fast kernel held its floors" : "floors: FAILED — a fast kernel fell below its floor (see the table)");
        return ok;
    }

    /**
     * One JMH run of one spec in throughput mode, warm-up and measurement windows in ms. {@code fork}: a fresh
     * JVM (the selection) or this one (the floors: no JVM start per kernel). The rate kept is the best
     * measured iteration: other work on the machine only ever slows an iteration down, so the best is the
     * least disturbed. Compilation is blocking (-XX:-BackgroundCompilation here and in the forks), so the
     * warm-up ends with the Vector API loops compiled by C2 even when the compiler threads are starved.
     */
    static Measured measure(Spec s, boolean fork, int threads, int warmMs, int warmN, int measureMs, int measureN) throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include("^" + Pattern.quote(s.benchmark()) + "$")
                .forks(fork ? 1 : 0)
                .warmupIterations(warmN).warmupTime(TimeValue.milliseconds(warmMs))
                .measurementIterations(measureN).measurementTime(TimeValue.milliseconds(measureMs))
                .jvmArgsAppend("--add-modules=jdk.incubator.vector", "-XX:-BackgroundCompilation", "-Djdiffusion.cpu=fast", "-Djdiffusion.threads=" + threads)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        s.params().forEach((k, v) -> o.param(k, v));
        var results = new Runner(o.build()).run();
        if (results.size() != 1) throw new IllegalStateException(s.id() + ": expected one JMH result for " + s.benchmark() + " " + s.params() + ", got " + results.size());
        double calls = 0, flops = 0, bytes = 0;
        for (BenchmarkResult b : results.iterator().next().getBenchmarkResults()) {
            for (IterationResult it : b.getIterationResults()) {
                double c = it.getPrimaryResult().getScore();
                if (c <= calls) continue;
                calls = c;
                Map<String, Result> sec = it.getSecondaryResults();
                flops = sec.containsKey("mflop") ? sec.get("mflop").getScore() : 0;
                bytes = sec.containsKey("mbyte") ? sec.get("mbyte").getScore() : 0;
            }
        }
        if (flops > 0) return new Measured(s, calls, flops, "GFLOP/s");
        if (bytes > 0) return new Measured(s, calls, bytes, "GB/s");
        return new Measured(s, calls, calls * 1000, "calls/s");
    }

    /** The command line of Guard (the script passes --peak). */
    record GuardArgs(Path peakFile, boolean floorsOnly, boolean saveBaseline, int threads, double tolerance, Path baselineDir) {
        static GuardArgs parse(String[] args) {
            Path peak = null, dir = Path.of("bench/baselines");
            boolean floors = false, save = false;
            int threads = 1;
            double tol = 0.25;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--peak" -> peak = Path.of(value(args, ++i));
                    case "--floors" -> floors = true;
                    case "--save-baseline" -> save = true;
                    case "--threads" -> threads = Integer.parseInt(value(args, ++i));
                    case "--tolerance" -> tol = Double.parseDouble(value(args, ++i));
                    case "--baselines" -> dir = Path.of(value(args, ++i));
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; expected --peak F, --floors, --save-baseline, --threads N, --tolerance T, --baselines DIR");
                }
            }
            if (peak == null || !Files.isRegularFile(peak)) throw new IllegalArgumentException("--peak FILE (the probe's output) is required, got " + peak);
            if (threads < 1) throw new IllegalArgumentException("--threads must be ≥ 1, got " + threads);
            if (!(tol > 0 && tol < 1)) throw new IllegalArgumentException("--tolerance must be in (0, 1), got " + tol);
            return new GuardArgs(peak, floors, save, threads, tol, dir);
        }

        private static String value(String[] args, int i) {
            if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
            return args[i];
        }
    }
}
