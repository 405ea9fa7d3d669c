package org.jdiffusion.kernels.cuda;

import jcuda.driver.JCudaDriver;
import org.jdiffusion.tensor.DType;

import java.util.Arrays;
import java.util.List;

/**
 * Device time of a benchmark case with CUDA events: warm-ups first (module load, allocator
 * warm-up and first-call costs stay out), then repetitions that rotate over several input sets,
 * each preceded by a memset of {@link #FLUSH_BYTES} so it starts with a cold L2 (an H200 has 60 MB of
 * L2; the memset writes more than twice that). Only the op lies between its two events; the host
 * enqueues everything before waiting once, so launch latency hides behind the memsets. Reports the
 * median and the minimum. Public for the probes of other modules (samples' CudaUNetStepProbe).
 */
public final class GpuTimer {
    static final long FLUSH_BYTES = 256L << 20;
    static final int WARMUP = 2, MIN_REPS = 5, MAX_REPS = 50;

    public record Timing(double medianMs, double minMs, int reps) {}

    private final CudaBackend be;
    private final CudaStorage flush;
    private int flushes;

    public GpuTimer(CudaBackend be) {
        this.be = be;
        this.flush = (CudaStorage) be.allocate(DType.FLOAT32, (int) (FLUSH_BYTES / 4));
    }

    /** Overwrites the flush buffer with a new value (each memset differs, so none can be skipped). */
    void flushL2() {
        CudaContext ctx = be.context();
        ctx.bind();
        CudaDriver.check(JCudaDriver.cuMemsetD32Async(ctx.pointer(flush.address()), ++flushes, FLUSH_BYTES / 4, be.currentStream().handle()),
                "cuMemsetD32Async (L2 flush)");
    }

    /**
     * Times {@code sets} (one runnable per input set, each enqueuing the whole case): enough
     * repetitions to fill about {@code targetMs} of device time, between {@link #MIN_REPS} and
     * {@link #MAX_REPS}. Whatever an op throws propagates (UnsupportedOperationException for ops
     * the backend lacks).
     */
    public Timing time(List<Runnable> sets, double targetMs) {
        for (int w = 0; w < WARMUP; w++)
            for (Runnable r : sets) r.run();
        be.synchronize();
        double once = timed(sets, 1)[0];
        int reps = (int) Math.max(MIN_REPS, Math.min(MAX_REPS, Math.ceil(targetMs / Math.max(once, 1e-3))));
        double[] ms = timed(sets, reps);
        Arrays.sort(ms);
        double median = reps % 2 == 1 ? ms[reps / 2] : (ms[reps / 2 - 1] + ms[reps / 2]) / 2;
        return new Timing(median, ms[0], reps);
    }

    private double[] timed(List<Runnable> sets, int reps) {
        CudaEvent[] start = new CudaEvent[reps], end = new CudaEvent[reps];
        try {
            for (int i = 0; i < reps; i++) {
                start[i] = be.newEvent(true);
                end[i] = be.newEvent(true);
            }
            for (int i = 0; i < reps; i++) {
                flushL2();
                start[i].record(be.currentStream());
                sets.get(i % sets.size()).run();
                end[i].record(be.currentStream());
            }
            be.synchronize();
            double[] ms = new double[reps];
            for (int i = 0; i < reps; i++) ms[i] = end[i].elapsedSince(start[i]);
            return ms;
        } finally {
            for (int i = 0; i < reps; i++) {
                if (start[i] != null) start[i].close();
                if (end[i] != null) end[i].close();
            }
        }
    }
}
