package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device runtime on a real GPU: transfers, streams, events, allocator statistics, the missing GEMM family. */
@RequiresCuda
class CudaRuntimeTest {
    static final Device GPU = Device.cuda(0);

    static CudaBackend backend() { return (CudaBackend) Backends.of(GPU); }

    @Test void tensorsRoundTripInBothDirectionsForEveryDtype() {
        Generator g = new Generator(1);
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64, DType.INT64}) {
            Tensor cpu = OpSuite.input(g, dt, 3, 1001);
            Tensor gpu = cpu.to(GPU);
            assertEquals(GPU, gpu.device());
            assertArrayEquals(cpu.toDoubleArray(), gpu.to(Device.CPU).toDoubleArray());
            assertEquals(0, Tensor.zeros(dt, GPU, 0, 5).to(Device.CPU).numel());
            assertEquals(0.0, Tensor.zeros(dt, GPU, 17).to(Device.CPU).sum().item(), "allocate zero-fills");
        }
    }

    @Test void transfersLargerThanTheStagingBufferGoInChunks() {
        int n = (int) (PinnedStaging.MAX_BYTES / 4) * 2 + 12345;
        Tensor cpu = Rand.uniform(new Generator(2), 0, 1, DType.FLOAT32, Device.CPU, n);
        float[] back = cpu.to(GPU).toFloatArray();
        assertArrayEquals(cpu.toFloatArray(), back);
    }

    @Test void opsRunOnTheThreadsCurrentStreamAndEventsTimeThem() {
        CudaBackend be = backend();
        CudaStream before = be.currentStream();
        try (CudaStream s = be.newStream(); CudaEvent start = be.newEvent(true); CudaEvent end = be.newEvent(true)) {
            Tensor x;
            try (CudaBackend.StreamScope scope = be.useStream(s)) {
                assertSame(s, be.currentStream());
                start.record(s);
                x = Tensor.ones(DType.FLOAT32, GPU, 1 << 20).mul(3);
                end.record(s);
                s.synchronize();
            }
            assertSame(before, be.currentStream());
            assertNotSame(before, s);
            // the cudaStream_t that NCCL is given through FFM: one per stream
            assertTrue(s.nativeHandle() != 0 && s.nativeHandle() != before.nativeHandle(), "native stream handles");
            be.context().makeCurrent();
            assertTrue(end.elapsedSince(start) >= 0);
            assertEquals(3.0 * (1 << 20), x.sum().item(), 1e-3);
        }
    }

    @Test void memoryStatisticsFollowAllocations() {
        CudaBackend be = backend();
        be.synchronize();
        MemoryStats before = be.memoryStats();
        Tensor t = Tensor.zeros(DType.FLOAT32, GPU, 1 << 20);
        MemoryStats after = be.memoryStats();
        assertTrue(after.allocated() >= before.allocated() + (4L << 20), after + " vs " + before);
        assertTrue(after.reserved() >= after.allocated());
        assertTrue(after.peakAllocated() >= after.allocated());
        assertEquals(1 << 20, t.numel());
        be.emptyCache();
        assertEquals(0, be.memoryStats().cached());
    }

    @Test void everyKernelLaunchIsCounted() {
        CudaContext c = backend().context();
        Tensor x = OpSuite.input(new Generator(3), DType.FLOAT32, 4, 1000).to(GPU);
        long l0 = c.kernelLaunches();
        x.add(x);
        long one = c.kernelLaunches() - l0;
        long l1 = c.kernelLaunches();
        for (int i = 0; i < 3; i++) x.add(x);
        assertTrue(one >= 1, "an add launches at least one kernel, counted " + one);
        assertEquals(3 * one, c.kernelLaunches() - l1, "three adds launch three times what one does");
    }

    @Test void theContextDescribesTheDeviceAndHowItsKernelsWereLoaded() {
        String s = backend().context().toString();
        assertTrue(s.contains("cuda:0") && s.contains("sm_") && s.contains("kernels: "), s);
        assertTrue(backend().context().kernelSource().contains("fatbin") || backend().context().kernelSource().contains("NVRTC"), s);
    }
}
