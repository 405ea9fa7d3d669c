package org.jdiffusion.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachingAllocatorTest {
    /** A device of fixed capacity handing out increasing addresses. */
    static final class FakeDevice implements CachingAllocator.RawAllocator {
        final long capacity;
        final Map<Long, Long> live = new HashMap<>();
        long next = 0x1000, used;
        int mallocs, frees;

        FakeDevice(long capacity) { this.capacity = capacity; }

        @Override public long malloc(long bytes) {
            if (used + bytes > capacity) return 0;
            long a = next;
            next += bytes + 256;
            live.put(a, bytes);
            used += bytes;
            mallocs++;
            return a;
        }

        @Override public void free(long address) {
            Long b = live.remove(address);
            if (b == null) throw new AssertionError("free of unknown address " + address);
            used -= b;
            frees++;
        }

        @Override public String describeDevice() { return "FakeGPU, " + (capacity - used) + " bytes free of " + capacity; }
    }

    /** Events completed by hand. */
    static final class FakeEvents implements CachingAllocator.EventSource {
        final List<boolean[]> recorded = new ArrayList<>();
        int released;

        @Override public Object record(long stream) {
            boolean[] e = {false};
            recorded.add(e);
            return e;
        }

        @Override public boolean isDone(Object event) { return ((boolean[]) event)[0]; }

        @Override public void release(Object event) { released++; }

        void completeAll() { recorded.forEach(e -> e[0] = true); }
    }

    final FakeDevice dev = new FakeDevice(1L << 30);
    final FakeEvents events = new FakeEvents();
    int collections;
    final CachingAllocator alloc = new CachingAllocator("cuda:0", dev, events, () -> collections++);

    @Test void roundsSmallRequestsTo512BytesAndLargeOnesToQuarterPowersOfTwo() {
        assertEquals(512, CachingAllocator.roundSize(1));
        assertEquals(512, CachingAllocator.roundSize(512));
        assertEquals(1024, CachingAllocator.roundSize(513));
        assertEquals(1L << 20, CachingAllocator.roundSize(1L << 20));
        assertEquals((1L << 20) + (1L << 18), CachingAllocator.roundSize((1L << 20) + 1));
        assertEquals(3L << 20, CachingAllocator.roundSize(3L << 20));
        assertEquals((3L << 20) + (1L << 19), CachingAllocator.roundSize((3L << 20) + 1));
        assertEquals(1L << 33, CachingAllocator.roundSize((7L << 30) + 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CachingAllocator.roundSize(0));
        assertTrue(e.getMessage().contains("positive"), e.getMessage());
    }

    @Test void reusesAFreedBlockOfTheSameBucketOnTheSameStream() {
        CachingAllocator.Block a = alloc.malloc(1000, 0);
        alloc.free(a);
        CachingAllocator.Block b = alloc.malloc(900, 0);
        assertEquals(a.address(), b.address());
        MemoryStats s = alloc.stats();
        assertEquals(1, s.cacheHits());
        assertEquals(1, s.driverMallocs());
        assertEquals(1, dev.mallocs);
    }

    @Test void aDifferentBucketOrStreamGetsANewBlock() {
        CachingAllocator.Block a = alloc.malloc(1000, 0);
        alloc.free(a);
        CachingAllocator.Block bigger = alloc.malloc(2000, 0);
        assertNotEquals(a.address(), bigger.address());
        CachingAllocator.Block otherStream = alloc.malloc(1000, 1);
        assertNotEquals(a.address(), otherStream.address());
        assertEquals(3, dev.mallocs);
        CachingAllocator.Block again = alloc.malloc(1024, 0);
        assertEquals(a.address(), again.address());
    }

    @Test void statsTrackAllocatedReservedAndPeaks() {
        CachingAllocator.Block a = alloc.malloc(1000, 0), b = alloc.malloc(3000, 0);
        MemoryStats s = alloc.stats();
        assertEquals(1024 + 3072, s.allocated());
        assertEquals(1024 + 3072, s.reserved());
        alloc.free(b);
        s = alloc.stats();
        assertEquals(1024, s.allocated());
        assertEquals(1024 + 3072, s.reserved());
        assertEquals(3072, s.cached());
        assertEquals(1024 + 3072, s.peakAllocated());
        assertEquals(1, s.liveBlocks());
        assertEquals(1, s.cachedBlocks());
        alloc.emptyCache();
        s = alloc.stats();
        assertEquals(1024, s.reserved());
        assertEquals(0, s.cached());
        assertEquals(1, dev.frees);
        alloc.resetPeaks();
        assertEquals(1024, alloc.stats().peakAllocated());
        alloc.free(a);
        assertEquals(0, alloc.stats().allocated());
        assertTrue(alloc.stats().toString().contains("cache hits"), alloc.stats().toString());
    }

    @Test void aBlockUsedOnAnotherStreamWaitsForItsEventBeforeReuse() {
        CachingAllocator.Block a = alloc.malloc(4096, 0);
        alloc.recordStream(a, 2);
        alloc.free(a);
        assertEquals(1, events.recorded.size());
        assertEquals(1, alloc.stats().pendingBlocks());
        CachingAllocator.Block b = alloc.malloc(4096, 0);
        assertNotEquals(a.address(), b.address(), "reused while stream 2 may still read it");
        events.completeAll();
        CachingAllocator.Block c = alloc.malloc(4096, 0);
        assertEquals(a.address(), c.address());
        assertEquals(1, events.released);
        assertEquals(0, alloc.stats().pendingBlocks());
    }

    @Test void outOfMemoryReleasesTheCacheAndRetries() {
        CachingAllocator small = new CachingAllocator("cuda:0", new FakeDevice(10_000), events, () -> collections++);
        CachingAllocator.Block a = small.malloc(6000, 0);
        small.free(a);
        CachingAllocator.Block b = small.malloc(8000, 0);  // fits only once the cached 6144 bytes go back
        assertEquals(8192, b.size());
        assertEquals(1, small.stats().driverFrees());
        assertEquals(1, small.stats().oomRetries());
        assertEquals(0, collections);
    }

    @Test void outOfMemoryThatPersistsRaisesWithTheStatistics() {
        CachingAllocator small = new CachingAllocator("cuda:0", new FakeDevice(10_000), events, () -> collections++);
        small.malloc(6000, 0);
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> small.malloc(5000, 3));
        String m = e.getMessage();
        for (String part : new String[]{"cuda:0 out of memory", "tried to allocate 5.00 KiB", "5000 bytes requested", "stream 3",
                "allocated 6.00 KiB", "reserved 6.00 KiB", "peak allocated 6.00 KiB", "FakeGPU"})
            assertTrue(m.contains(part), "'" + part + "' missing from: " + m);
        assertEquals(1, collections, "the collection hook runs once before the last try");
        assertEquals(6144, e.stats().allocated());
    }

    @Test void doubleFreeAndRecordStreamAfterFreeAreErrors() {
        CachingAllocator.Block a = alloc.malloc(10, 0);
        alloc.free(a);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> alloc.free(a));
        assertTrue(e.getMessage().contains("double free"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> alloc.recordStream(a, 1));
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
    }

    @Test void humanSizes() {
        assertEquals("512 B", MemoryStats.human(512));
        assertEquals("1.50 KiB", MemoryStats.human(1536));
        assertEquals("2.00 GiB", MemoryStats.human(2L << 30));
    }
}
