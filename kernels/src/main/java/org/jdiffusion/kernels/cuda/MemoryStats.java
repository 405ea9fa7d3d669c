package org.jdiffusion.kernels.cuda;

/**
 * A snapshot of a device's {@link CachingAllocator}: bytes held by live tensors ({@code allocated}),
 * bytes obtained from the driver ({@code reserved} = allocated + cached + pending), their peaks, and
 * counters of allocations, cache hits and driver calls.
 */
public record MemoryStats(long allocated, long reserved, long peakAllocated, long peakReserved, long cached,
                          int liveBlocks, int cachedBlocks, int pendingBlocks, long allocations, long cacheHits,
                          long driverMallocs, long driverFrees, long oomRetries) {

    /** One line: allocated, reserved, cached and the peaks. */
    public String summary() {
        return "allocated " + human(allocated) + " in " + liveBlocks + " blocks, reserved " + human(reserved) + " (cached "
                + human(cached) + " in " + cachedBlocks + " blocks), peak allocated " + human(peakAllocated)
                + ", peak reserved " + human(peakReserved);
    }

    @Override public String toString() {
        return summary() + "; " + allocations + " allocations, " + cacheHits + " cache hits, " + driverMallocs + " driver mallocs, "
                + driverFrees + " driver frees, " + oomRetries + " out-of-memory retries";
    }

    /** Bytes in B, KiB, MiB or GiB with two decimals. */
    public static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
