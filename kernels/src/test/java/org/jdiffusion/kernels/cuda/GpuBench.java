package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Times the {@link GpuBenchCases} on cuda:0 through the Backend API ({@link GpuTimer}: CUDA events,
 * L2 flushed before every repetition, three rotating input sets) and appends one row per case to
 * {@code OUT/bench.tsv} as it finishes, so a run cut short keeps what it measured. Ops the backend
 * lacks (UnsupportedOperationException) become "n/a" rows; any other failure an "error" row. When a
 * failure leaves the CUDA context unusable (a sticky kernel fault) it exits with status 3, and
 * {@code --resume} in a fresh JVM goes on after the rows already written; a case that was running
 * when the JVM died is recorded as "crashed" ({@code OUT/bench.running} names it).
 *
 * <pre>
 * GpuBench --list FILE                      writes cases.tsv (no GPU needed)
 * GpuBench --out DIR [--resume] [--only REGEX] [--budget SECONDS] [--target-ms MS]
 * </pre>
 * Exit status: 0 done (or time budget reached), 2 bad usage, 3 CUDA context lost, 4 no usable GPU.
 */
public final class GpuBench {
    static final String HEADER = "id\tstatus\tmedian_ms\tmin_ms\treps\trate\tunit\tdetail";
    static final int CONTEXT_LOST = 3, NO_GPU = 4;

    private GpuBench() {}

    public static void main(String[] args) throws IOException {
        Path out = null, list = null;
        boolean resume = false;
        Pattern only = null;
        double budget = Double.POSITIVE_INFINITY, targetMs = 200;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--list" -> list = Path.of(args[++i]);
                    case "--out" -> out = Path.of(args[++i]);
                    case "--resume" -> resume = true;
                    case "--only" -> only = Pattern.compile(args[++i]);
                    case "--budget" -> budget = Double.parseDouble(args[++i]);
                    case "--target-ms" -> targetMs = Double.parseDouble(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
            if ((list == null) == (out == null)) throw new IllegalArgumentException("give --list FILE or --out DIR");
        } catch (RuntimeException e) {
            System.err.println("GpuBench: " + e.getMessage() + "\nusage: GpuBench --list FILE | --out DIR [--resume] [--only REGEX] [--budget SECONDS] [--target-ms MS]");
            System.exit(2);
        }
        List<GpuBenchCase> cases = GpuBenchCases.all();
        if (list != null) {
            writeCases(cases, list);
            return;
        }
        if (only != null) {
            Pattern p = only;
            cases = cases.stream().filter(c -> p.matcher(c.id()).find()).toList();
        }
        System.exit(run(cases, out, resume, budget, targetMs));
    }

    static void writeCases(List<GpuBenchCase> cases, Path file) throws IOException {
        StringBuilder s = new StringBuilder(GpuBenchCase.HEADER).append('\n');
        for (GpuBenchCase c : cases) s.append(c.tsv()).append('\n');
        AtomicText.write(file, s.toString());
    }

    static int run(List<GpuBenchCase> cases, Path dir, boolean resume, double budgetSeconds, double targetMs) throws IOException {
        Files.createDirectories(dir);
        Path tsv = dir.resolve("bench.tsv"), running = dir.resolve("bench.running");
        if (!Files.exists(dir.resolve("cases.tsv"))) writeCases(cases, dir.resolve("cases.tsv"));
        Set<String> done = new HashSet<>();
        if (resume && Files.exists(tsv)) {
            for (String line : Files.readAllLines(tsv))
                if (!line.startsWith("#") && !line.startsWith("id\t")) done.add(line.split("\t", 2)[0]);
            if (Files.exists(running)) {
                String id = Files.readString(running).strip();
                if (!id.isEmpty() && done.add(id)) append(tsv, row(id, "crashed", "the JVM died during this case (see bench.log)"));
            }
        } else {
            AtomicText.write(tsv, HEADER + "\n");
        }
        CudaBackend be;
        try {
            be = (CudaBackend) Backends.of(GpuBenchOps.GPU);
        } catch (RuntimeException e) {   // no driver, no device, no kernels: the provider says which
            String why = clean(e.getMessage());
            append(tsv, "# no usable GPU: " + why);
            System.err.println("GpuBench: no usable GPU: " + why);
            return NO_GPU;
        }
        writeDevice(be, dir.resolve("device.txt"));
        GpuTimer timer = new GpuTimer(be);
        long deadline = System.nanoTime() + (long) Math.min(budgetSeconds * 1e9, Long.MAX_VALUE / 2);
        for (GpuBenchCase c : cases) {
            if (done.contains(c.id())) continue;
            if (System.nanoTime() > deadline) {
                append(tsv, row(c.id(), "not run", "time budget of " + budgetSeconds + " s reached"));
                continue;
            }
            Files.writeString(running, c.id());
            String line;
            boolean lost = false;
            try {
                line = measure(be, timer, c, targetMs);
            } catch (UnsupportedOperationException e) {
                line = row(c.id(), "n/a", "not available: " + e.getMessage());
            } catch (RuntimeException | OutOfMemoryError e) {
                line = row(c.id(), "error", summary(e));
                lost = !healthy(be);
            }
            append(tsv, line);
            Files.writeString(running, "");
            System.out.println(line);
            release(be);
            if (lost) {
                System.err.println("GpuBench: the CUDA context is unusable after " + c.id() + "; rerun with --resume in a new JVM");
                return CONTEXT_LOST;
            }
        }
        Files.deleteIfExists(running);
        return 0;
    }

    private static String measure(CudaBackend be, GpuTimer timer, GpuBenchCase c, double targetMs) {
        List<Runnable> sets = new ArrayList<>();
        for (int s = 0; s < 3; s++) sets.add(GpuBenchOps.setup(be, c, new Generator(1000 + s)));
        be.synchronize();
        GpuTimer.Timing t = timer.time(sets, targetMs);
        return String.join("\t", c.id(), "ok", String.format(Locale.ROOT, "%.5f", t.medianMs()), String.format(Locale.ROOT, "%.5f", t.minMs()),
                Integer.toString(t.reps()), String.format(Locale.ROOT, "%.4g", c.rate(t.medianMs())), c.unit(), "");
    }

    /** A bench.tsv row without a timing. */
    static String row(String id, String status, String detail) {
        return String.join("\t", id, status, "", "", "", "", "", clean(detail));
    }

    /** Whether the device still runs a small op and synchronizes (sticky faults fail every later call). */
    private static boolean healthy(CudaBackend be) {
        try {
            Tensor t = Tensor.zeros(DType.FLOAT32, GpuBenchOps.GPU, 16);
            be.fill(t, 1);
            be.synchronize();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Lets the case's tensors return their blocks, so the next case starts from a similar pool. */
    private static void release(CudaBackend be) {
        System.gc();
        be.synchronize();
        if (be.memoryStats().reserved() > (16L << 30)) be.emptyCache();
    }

    static String summary(Throwable e) {
        String m = e.getClass().getSimpleName() + ": " + e.getMessage();
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        System.err.println(w);
        return clean(m);
    }

    private static String clean(String s) {
        String t = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return t.length() > 400 ? t.substring(0, 400) + " …" : t;
    }

    private static void append(Path tsv, String line) throws IOException {
        Files.writeString(tsv, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    }

    private static void writeDevice(CudaBackend be, Path file) throws IOException {
        CudaContext c = be.context();
        AtomicText.write(file, "gpu\t" + c.name() + "\nsm\t" + c.computeCapabilityMajor() + "." + c.computeCapabilityMinor()
                + "\nmultiprocessors\t" + c.multiprocessors() + "\nmemory\t" + MemoryStats.human(c.totalMemory())
                + "\ndriver CUDA version\t" + c.driverVersion() + "\nkernels\t" + c.kernelSource() + "\n");
    }
}
