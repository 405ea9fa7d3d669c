package org.jdiffusion.kernels.cuda;

/** A device allocation failed even after releasing the cache; the message prints the allocator's statistics. */
public final class CudaOutOfMemoryException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient MemoryStats stats;

    public CudaOutOfMemoryException(String message, MemoryStats stats) {
        super(message);
        this.stats = stats;
    }

    /** The allocator's statistics when the allocation failed. */
    public MemoryStats stats() { return stats; }
}
