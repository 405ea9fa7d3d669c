package org.jdiffusion.kernels.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.jdiffusion.tensor.HostStorage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A page-locked (pinned) host buffer through which every host↔device transfer of a device passes,
 * in chunks of at most {@value #MAX_BYTES} bytes: pinned memory lets the copy engines run at full
 * PCIe/NVLink speed, and reusing one buffer avoids pinning Java arrays.
 */
final class PinnedStaging {
    static final long MAX_BYTES = 64L << 20;

    private final CudaContext ctx;
    private Pointer host;
    private ByteBuffer buffer;
    private long capacity;

    PinnedStaging(CudaContext ctx) { this.ctx = ctx; }

    private void ensure(long bytes) {
        if (bytes <= capacity) return;
        long cap = Math.min(MAX_BYTES, Math.max(bytes, Math.min(MAX_BYTES, Math.max(1L << 20, capacity * 2))));
        if (host != null) CudaDriver.check(JCudaDriver.cuMemFreeHost(host), "cuMemFreeHost");
        host = new Pointer();
        CudaDriver.check(JCudaDriver.cuMemAllocHost(host, cap), "cuMemAllocHost(" + cap + " bytes)");
        buffer = host.getByteBuffer(0, cap).order(ByteOrder.nativeOrder());
        capacity = cap;
    }

    /** Copies all of {@code src} into device memory at {@code dst} (synchronous). */
    synchronized void toDevice(HostStorage src, CUdeviceptr dst, CudaStream stream) {
        int es = src.dtype().byteSize(), n = src.length();
        int per = (int) (MAX_BYTES / es);
        ctx.bind();
        for (int start = 0; start < n; start += per) {
            int len = Math.min(per, n - start);
            long bytes = (long) len * es;
            ensure(bytes);
            ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder()).clear();
            switch (src) {
                case HostStorage.F32 f -> b.asFloatBuffer().put(f.data(), start, len);
                case HostStorage.F64 d -> b.asDoubleBuffer().put(d.data(), start, len);
                case HostStorage.I64 l -> b.asLongBuffer().put(l.data(), start, len);
                case HostStorage.BF16 h -> b.asShortBuffer().put(h.data(), start, len);
                case HostStorage.F16 h -> b.asShortBuffer().put(h.data(), start, len);
            }
            CudaDriver.check(JCudaDriver.cuMemcpyHtoDAsync(dst.withByteOffset((long) start * es), host, bytes, stream.handle()),
                    "cuMemcpyHtoDAsync");
            stream.synchronize("fromHost");
        }
    }

    /** Copies device memory at {@code src} into all of {@code dst} (a synchronisation point). */
    synchronized void toHost(CUdeviceptr src, HostStorage dst, CudaStream stream) {
        int es = dst.dtype().byteSize(), n = dst.length();
        int per = (int) (MAX_BYTES / es);
        ctx.bind();
        if (n == 0) stream.synchronize("toHost");
        for (int start = 0; start < n; start += per) {
            int len = Math.min(per, n - start);
            long bytes = (long) len * es;
            ensure(bytes);
            CudaDriver.check(JCudaDriver.cuMemcpyDtoHAsync(host, src.withByteOffset((long) start * es), bytes, stream.handle()),
                    "cuMemcpyDtoHAsync");
            stream.synchronize("toHost");
            ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder()).clear();
            switch (dst) {
                case HostStorage.F32 f -> b.asFloatBuffer().get(f.data(), start, len);
                case HostStorage.F64 d -> b.asDoubleBuffer().get(d.data(), start, len);
                case HostStorage.I64 l -> b.asLongBuffer().get(l.data(), start, len);
                case HostStorage.BF16 h -> b.asShortBuffer().get(h.data(), start, len);
                case HostStorage.F16 h -> b.asShortBuffer().get(h.data(), start, len);
            }
        }
    }
}
