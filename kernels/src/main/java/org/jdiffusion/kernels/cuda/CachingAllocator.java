package org.jdiffusion.kernels.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A caching device allocator in the manner of PyTorch's: freed blocks stay reserved in free lists
 * bucketed by rounded size and by the stream they were allocated on, and are handed out again to
 * requests of the same bucket on the same stream, so steady-state training never calls the driver.
 * A block used on other streams ({@link #recordStream}) becomes reusable only once events recorded
 * on those streams at free time have completed. On a failed driver allocation the cache is
 * released and, after a collection hook that lets unreachable tensors return their blocks, the
 * allocation is retried once more before a {@link CudaOutOfMemoryException} with the statistics.
 * The driver is reached only through {@link RawAllocator} and {@link EventSource}, so the logic is
 * tested without a GPU.
 */
public final class CachingAllocator {
    /** The driver's allocation calls. */
    public interface RawAllocator {
        /** A new device allocation of {@code bytes}, or 0 when the device is out of memory. */
        long malloc(long bytes);

        void free(long address);

        /** The device's free and total memory, for error messages. */
        String describeDevice();
    }

    /** Events recorded on streams, for blocks used on more than one stream. */
    public interface EventSource {
        Object record(long stream);

        boolean isDone(Object event);

        void release(Object event);
    }

    /** A device allocation; {@code size} is the rounded size the block was allocated with. */
    public static final class Block {
        private final long address, size, stream;
        private final Set<Long> usedOn = new LinkedHashSet<>();
        private boolean live;

        Block(long address, long size, long stream) {
            this.address = address;
            this.size = size;
            this.stream = stream;
        }

        public long address() { return address; }

        public long size() { return size; }

        public long stream() { return stream; }

        @Override public String toString() { return "Block[0x" + Long.toHexString(address) + ", " + size + " B, stream " + stream + "]"; }
    }

    private record Pending(Block block, List<Object> events) {}

    /** Requests up to this size round to a multiple of {@link #SMALL_ROUND}; larger ones to quarters of a power of two. */
    static final long SMALL_LIMIT = 1L << 20;
    static final long SMALL_ROUND = 512;

    private final String device;
    private final RawAllocator raw;
    private final EventSource events;
    private final Runnable collect;
    private final Map<Long, Map<Long, ArrayDeque<Block>>> free = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private long allocated, reserved, peakAllocated, peakReserved, cachedBytes;
    private long allocations, cacheHits, driverMallocs, driverFrees, oomRetries;
    private int liveBlocks, cachedBlocks;

    /**
     * @param collect run (without the allocator's lock) before the last retry of a failed
     *                allocation; the CUDA backend runs a garbage collection there
     */
    public CachingAllocator(String device, RawAllocator raw, EventSource events, Runnable collect) {
        this.device = device;
        this.raw = raw;
        this.events = events;
        this.collect = collect;
    }

    /** The bucket size of a request of {@code bytes} (at least one byte). */
    public static long roundSize(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("allocation size must be positive, got " + bytes);
        if (bytes <= SMALL_LIMIT) return (bytes + SMALL_ROUND - 1) / SMALL_ROUND * SMALL_ROUND;
        long p = Long.highestOneBit(bytes), step = p / 4;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes} for use on {@code stream}. */
    public Block malloc(long bytes, long stream) {
        long size = roundSize(bytes);
        Block b = tryMalloc(size, stream, false);
        if (b != null) return b;
        collect.run();
        b = tryMalloc(size, stream, true);
        if (b != null) return b;
        MemoryStats s = stats();
        throw new CudaOutOfMemoryException(device + " out of memory: tried to allocate " + MemoryStats.human(size) + " ("
                + bytes + " bytes requested) on stream " + stream + "; " + s.summary() + "; device: " + raw.describeDevice()
                + ". Free tensors that are no longer needed or use smaller batches.", s);
    }

    private synchronized Block tryMalloc(long size, long stream, boolean lastTry) {
        allocations += lastTry ? 0 : 1;
        collectPending();
        Block b = takeCached(size, stream);
        if (b != null) {
            cacheHits++;
            return activate(b);
        }
        long addr = raw.malloc(size);
        if (addr == 0) {
            oomRetries++;
            releaseCached();
            addr = raw.malloc(size);
        }
        if (addr == 0) return null;
        driverMallocs++;
        reserved += size;
        peakReserved = Math.max(peakReserved, reserved);
        return activate(new Block(addr, size, stream));
    }

    private Block activate(Block b) {
        b.live = true;
        b.usedOn.clear();
        allocated += b.size;
        liveBlocks++;
        peakAllocated = Math.max(peakAllocated, allocated);
        return b;
    }

    private Block takeCached(long size, long stream) {
        Map<Long, ArrayDeque<Block>> byStream = free.get(stream);
        if (byStream == null) return null;
        ArrayDeque<Block> q = byStream.get(size);
        if (q == null || q.isEmpty()) return null;
        Block b = q.pop();
        cachedBytes -= b.size;
        cachedBlocks--;
        return b;
    }

    /** Marks a live block as used on another stream; its reuse then waits for that stream's work. */
    public synchronized void recordStream(Block b, long stream) {
        if (!b.live) throw new IllegalStateException("recordStream on a freed " + b);
        if (stream != b.stream) b.usedOn.add(stream);
    }

    /** Returns a block to the cache (never to the driver). */
    public synchronized void free(Block b) {
        if (!b.live) throw new IllegalStateException("double free of " + b);
        b.live = false;
        allocated -= b.size;
        liveBlocks--;
        if (b.usedOn.isEmpty()) {
            cache(b);
        } else {
            List<Object> evs = new ArrayList<>();
            for (long s : b.usedOn) evs.add(events.record(s));
            pending.add(new Pending(b, evs));
        }
    }

    private void cache(Block b) {
        free.computeIfAbsent(b.stream, k -> new HashMap<>()).computeIfAbsent(b.size, k -> new ArrayDeque<>()).push(b);
        cachedBytes += b.size;
        cachedBlocks++;
    }

    private void collectPending() {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!p.events.stream().allMatch(events::isDone)) continue;
            p.events.forEach(events::release);
            it.remove();
            cache(p.block);
        }
    }

    /** Returns every cached block to the driver (blocks still in use and pending ones stay). */
    public synchronized void emptyCache() {
        collectPending();
        releaseCached();
    }

    private void releaseCached() {
        for (Map<Long, ArrayDeque<Block>> byStream : free.values())
            for (ArrayDeque<Block> q : byStream.values())
                for (Block b : q) {
                    raw.free(b.address);
                    driverFrees++;
                    reserved -= b.size;
                }
        free.clear();
        cachedBytes = 0;
        cachedBlocks = 0;
    }

    public synchronized MemoryStats stats() {
        return new MemoryStats(allocated, reserved, peakAllocated, peakReserved, cachedBytes, liveBlocks, cachedBlocks,
                pending.size(), allocations, cacheHits, driverMallocs, driverFrees, oomRetries);
    }

    /** Restarts the peak counters at the current values. */
    public synchronized void resetPeaks() {
        peakAllocated = allocated;
        peakReserved = reserved;
    }
}
