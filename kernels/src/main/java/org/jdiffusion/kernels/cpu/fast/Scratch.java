package org.jdiffusion.kernels.cpu.fast;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The pool of temporaries of the fast kernels: per thread, one growable float array per
 * {@link Slot}, so a kernel that runs again on the same thread (every training step does) allocates
 * nothing. Each slot has one owner in any call chain (a kernel that calls the GEMM uses other slots
 * than the GEMM's own), which is what makes sharing a slot across kernels safe. The bytes the pool
 * has allocated so far are counted, so a training loop can report its scratch growth per step.
 */
public final class Scratch {
    private Scratch() {}

    /** Who owns a buffer; one owner per call chain. */
    enum Slot {
        GEMM_A, GEMM_B, GEMM_TILE,
        CONV_PLANES, CONV_OUT, CONV_WEIGHT, CONV_WPACK, CONV_DY, CONV_COL, CONV_DW,
        ATTN_Q, ATTN_K, ATTN_V, ATTN_S, ATTN_DO, ATTN_DP, ATTN_DK, ATTN_DV, ATTN_DQ,
        ROW, ROW2
    }

    private static final int SLOTS = Slot.values().length;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][]);
    private static final AtomicLong ALLOCATED = new AtomicLong();

    /**
     * This thread's buffer of {@code slot} with at least {@code length} elements (its contents are
     * whatever the last user left: callers initialise what they read).
     */
    static float[] get(Slot slot, int length) {
        float[][] mine = BUFFERS.get();
        float[] b = mine[slot.ordinal()];
        if (b == null || b.length < length) {
            // grow by a quarter beyond the request so a slowly growing size settles quickly
            int size = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(length, (long) length + length / 4));
            b = new float[size];
            mine[slot.ordinal()] = b;
            ALLOCATED.addAndGet(4L * size);
        }
        return b;
    }

    /** Bytes the pool has allocated since the JVM started, over all threads. */
    public static long allocatedBytes() { return ALLOCATED.get(); }
}
