package org.jdiffusion.tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU's pool of host arrays: storages released by a {@link MemoryScope} give their arrays back
 * here, keyed by (dtype, exact length), and the next allocation of the same key takes one instead of
 * a fresh array. A training step allocates the same shapes every time, so after the first step every
 * allocation is a hit and the garbage collector sees no activations. The pool holds at most
 * {@code jdiffusion.memory.hostPoolBytes} bytes (default half the maximum heap: a reference U-Net step at
 * batch 64 returns about 2.7 GB at once); arrays past
 * that are left to the collector. With {@link MemoryScope#poisoning()} released arrays are filled
 * with poison and never reused.
 */
public final class HostPool {
    private HostPool() {}

    private static final long CAPACITY = Long.getLong("jdiffusion.memory.hostPoolBytes", Runtime.getRuntime().maxMemory() / 2);
    private static final Map<Long, ArrayDeque<Object>> FREE = new HashMap<>();
    private static long pooledBytes, hits, misses, returned, dropped;

    private static long key(DType dtype, int length) { return (long) length << 3 | dtype.ordinal(); }

    /** A storage of {@code length} elements: a pooled array when one of that size is free, zero-filled if asked. */
    public static HostStorage take(DType dtype, int length, boolean zero) {
        Object array = null;
        if (length > 0) {
            synchronized (HostPool.class) {
                ArrayDeque<Object> q = FREE.get(key(dtype, length));
                if (q != null && !q.isEmpty()) {
                    array = q.pop();
                    pooledBytes -= (long) length * dtype.byteSize();
                    hits++;
                } else {
                    misses++;
                }
            }
        }
        if (array == null) return HostStorage.allocate(dtype, length);
        HostStorage s = wrap(dtype, array);
        if (zero) fill(s, 0);
        return s;
    }

    /** Takes back the array of a released storage (or poisons it, see {@link MemoryScope#poisoning()}). */
    static void give(HostStorage s) {
        int length = s.length();
        if (length == 0) return;
        if (MemoryScope.poisoning()) {
            fill(s, MemoryScope.poisonValue(s.dtype()));
            return;
        }
        long b = (long) length * s.dtype().byteSize();
        synchronized (HostPool.class) {
            if (pooledBytes + b > CAPACITY) {
                dropped++;
                return;
            }
            FREE.computeIfAbsent(key(s.dtype(), length), k -> new ArrayDeque<>()).push(array(s));
            pooledBytes += b;
            returned++;
        }
    }

    /** Drops every pooled array (they go to the garbage collector). */
    public static synchronized void clear() {
        FREE.clear();
        pooledBytes = 0;
    }

    /** Counters since start: allocations served from the pool, allocations that missed, arrays returned, arrays dropped, bytes pooled now. */
    public record Stats(long hits, long misses, long returned, long dropped, long pooledBytes) {
        @Override public String toString() {
            return hits + " pool hits, " + misses + " misses, " + returned + " returned, " + dropped + " dropped, "
                    + pooledBytes / (1 << 20) + " MiB pooled";
        }
    }

    public static synchronized Stats stats() { return new Stats(hits, misses, returned, dropped, pooledBytes); }

    private static Object array(HostStorage s) {
        return switch (s) {
            case HostStorage.F32 f -> f.data();
            case HostStorage.F64 f -> f.data();
            case HostStorage.I64 f -> f.data();
            case HostStorage.BF16 f -> f.data();
            case HostStorage.F16 f -> f.data();
        };
    }

    private static HostStorage wrap(DType dtype, Object a) {
        return switch (dtype) {
            case FLOAT32 -> new HostStorage.F32((float[]) a);
            case FLOAT64 -> new HostStorage.F64((double[]) a);
            case INT64 -> new HostStorage.I64((long[]) a);
            case BFLOAT16 -> new HostStorage.BF16((short[]) a);
            case FLOAT16 -> new HostStorage.F16((short[]) a);
        };
    }

    private static void fill(HostStorage s, double v) {
        switch (s) {
            case HostStorage.F32 f -> Arrays.fill(f.data(), (float) v);
            case HostStorage.F64 f -> Arrays.fill(f.data(), v);
            case HostStorage.I64 f -> Arrays.fill(f.data(), (long) v);
            case HostStorage.BF16 f -> Arrays.fill(f.data(), HalfFloats.bf16FromDouble(v));
            case HostStorage.F16 f -> Arrays.fill(f.data(), HalfFloats.f16FromDouble(v));
        }
    }
}
