package org.jdiffusion.kernels.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool of the CPU kernels, sized by {@code -Djdiffusion.threads=N} or the
 * environment variable {@code JDIFFUSION_THREADS}, else the number of available cores.
 */
public final class CpuParallel {
    private CpuParallel() {}

    private static final int THREADS = configuredThreads();
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS);

    private static int configuredThreads() {
        String s = System.getProperty("jdiffusion.threads", System.getenv("JDIFFUSION_THREADS"));
        if (s != null && !s.isBlank()) {
            try {
                int n = Integer.parseInt(s.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) {
                // fall through
            }
            throw new IllegalArgumentException("jdiffusion.threads / JDIFFUSION_THREADS must be a positive integer, got '" + s + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public static int threads() { return THREADS; }

    @FunctionalInterface
    public interface Range { void run(int start, int end); }

    /**
     * Runs body over [0, n) in chunks of at least {@code grain} items, in parallel when there is more
     * than one chunk; the call returns when all chunks are done.
     */
    public static void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS * 4, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || THREADS == 1 || inWorker()) {
            body.run(0, n);
            return;
        }
        POOL.invoke(new Chunk(body, 0, n, (n + chunks - 1) / chunks));
    }

    private static boolean inWorker() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == POOL;
    }

    private static final class Chunk extends RecursiveAction {
        private final Range body;
        private final int lo, hi, size;

        Chunk(Range body, int lo, int hi, int size) {
            this.body = body; this.lo = lo; this.hi = hi; this.size = size;
        }

        @Override protected void compute() {
            if (hi - lo <= size) { body.run(lo, hi); return; }
            int mid = lo + ((hi - lo) / size / 2) * size;
            if (mid == lo) mid = lo + size;
            invokeAll(new Chunk(body, lo, mid, size), new Chunk(body, mid, hi, size));
        }
    }
}
