package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Storage;

import java.lang.ref.Cleaner;

/**
 * Device memory holding {@code length} elements of one dtype: a block of the device's
 * {@link CachingAllocator}, returned to its cache when its {@code MemoryScope} closes ({@link #release()})
 * or, outside any scope, when the storage becomes unreachable. A storage
 * of no elements holds no block (address 0).
 */
public final class CudaStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaContext ctx;
    private final DType dtype;
    private final int length;
    private final CachingAllocator.Block block;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean released;

    private record Release(CachingAllocator allocator, CachingAllocator.Block block) implements Runnable {
        @Override public void run() { allocator.free(block); }
    }

    CudaStorage(CudaContext ctx, DType dtype, int length) {
        this.ctx = ctx;
        this.dtype = dtype;
        this.length = length;
        if (length == 0) {
            block = null;
            cleanable = null;
        } else {
            block = ctx.allocator().malloc((long) length * dtype.byteSize(), ctx.currentStream().id());
            cleanable = CLEANER.register(this, new Release(ctx.allocator(), block));
        }
    }

    @Override public Device device() { return ctx.device(); }

    @Override public DType dtype() { return dtype; }

    @Override public int length() { return length; }

    /** The device address of element 0 (0 for an empty storage). */
    public long address() {
        if (released)
            throw new IllegalStateException(this + " was released by its MemoryScope and is no longer usable "
                    + "(keep a tensor that outlives its step with MemoryScope.keep, or allocate state in MemoryScope.untracked)");
        return block == null ? 0 : block.address();
    }

    /**
     * Returns the block to the caching allocator now, on the stream it was allocated on: work
     * already queued there that reads it runs before any reuse, since the allocator hands the block
     * out again only to later work on the same stream (or waits for the streams it was recorded on).
     */
    @Override public void release() {
        if (cleanable == null || released) return;
        released = true;
        cleanable.clean();
    }

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
