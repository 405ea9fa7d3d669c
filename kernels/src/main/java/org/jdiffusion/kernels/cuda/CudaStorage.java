package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Storage;

import java.lang.ref.Cleaner;

/**
 * Device memory holding {@code length} elements of one dtype: a block of the device's
 * {@link CachingAllocator}, returned to its cache when the storage becomes unreachable. A storage
 * of no elements holds no block (address 0).
 */
public final class CudaStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaContext ctx;
    private final DType dtype;
    private final int length;
    private final CachingAllocator.Block block;

    private record Release(CachingAllocator allocator, CachingAllocator.Block block) implements Runnable {
        @Override public void run() { allocator.free(block); }
    }

    CudaStorage(CudaContext ctx, DType dtype, int length) {
        this.ctx = ctx;
        this.dtype = dtype;
        this.length = length;
        if (length == 0) {
            block = null;
        } else {
            block = ctx.allocator().malloc((long) length * dtype.byteSize(), ctx.currentStream().id());
            CLEANER.register(this, new Release(ctx.allocator(), block));
        }
    }

    @Override public Device device() { return ctx.device(); }

    @Override public DType dtype() { return dtype; }

    @Override public int length() { return length; }

    /** The device address of element 0 (0 for an empty storage). */
    public long address() { return block == null ? 0 : block.address(); }

    /** The device address of element {@code index}. */
    long address(int index) { return address() + (long) index * dtype.byteSize(); }

    CudaContext context() { return ctx; }

    /**
     * Declares that work queued on {@code stream} uses this storage, so its memory is not reused by
     * the allocation stream until that work is done (needed only for streams other than the one it
     * was allocated on).
     */
    public void recordStream(CudaStream stream) {
        if (block != null) ctx.allocator().recordStream(block, stream.id());
    }

    @Override public String toString() { return "CudaStorage[" + ctx.device() + ", " + dtype + " x " + length + "]"; }
}
