package org.jdiffusion.kernels.cuda;

import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A CUDA stream of one device: an ordered queue of kernels and copies. Each thread has a current
 * stream per device ({@link CudaBackend#currentStream}); ops run on it. The stream remembers the
 * last kernels launched since its last synchronisation, so an asynchronous failure names them.
 */
public final class CudaStream implements AutoCloseable {
    private static final int RECENT = 16;

    private final CudaContext ctx;
    private final CUstream handle;
    private final long id;
    private final boolean owned;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private boolean closed;

    CudaStream(CudaContext ctx, CUstream handle, long id, boolean owned) {
        this.ctx = ctx;
        this.handle = handle;
        this.id = id;
        this.owned = owned;
    }

    CUstream handle() { return handle; }

    /** The native CUstream (== cudaStream_t) for libraries called through FFM, such as NCCL. */
    public long nativeHandle() {
        if (handle instanceof NativeStream n) return n.address();
        throw new IllegalStateException(this + ": its native handle is not accessible");
    }

    /** A number unique among this device's streams (the allocator keys its free lists by it). */
    public long id() { return id; }

    public CudaContext context() { return ctx; }

    synchronized void launched(String what) {
        if (recent.size() == RECENT) recent.removeFirst();
        recent.addLast(what);
    }

    private synchronized List<String> drainRecent() {
        List<String> l = new ArrayList<>(recent);
        recent.clear();
        return l;
    }

    /**
     * Waits for all work queued on this stream; an asynchronous kernel failure or a device-side
     * error (bad index, integer division by zero) is raised here, naming {@code op} and the
     * kernels launched since the last synchronisation.
     */
    public void synchronize(String op) {
        ctx.bind();
        ctx.countSynchronization(op);
        int rc = JCudaDriver.cuStreamSynchronize(handle);
        List<String> since = drainRecent();
        if (rc != 0)
            throw new IllegalStateException(ctx.device() + ": a CUDA kernel failed (" + CudaDriver.name(rc) + "), noticed at " + op
                    + "; kernels launched on stream " + id + " since its last synchronisation: " + since
                    + ". Set " + CudaContext.DEBUG_ENV + "=1 to synchronise after every launch and name the failing op.");
        ctx.errorFlag().check(op, since);
    }

    public void synchronize() { synchronize("synchronize"); }

    /** Makes later work on this stream wait until {@code event} has completed. */
    public void waitFor(CudaEvent event) {
        ctx.bind();
        CudaDriver.check(JCudaDriver.cuStreamWaitEvent(handle, event.handle(), 0), "cuStreamWaitEvent");
    }

    /** Destroys a stream made by {@link CudaBackend#newStream} (the default stream stays). */
    @Override public synchronized void close() {
        if (!owned || closed) return;
        synchronize("stream close");
        closed = true;
        ctx.forget(this);
        CudaDriver.check(JCudaDriver.cuStreamDestroy(handle), "cuStreamDestroy");
    }

    @Override public String toString() { return "CudaStream[" + ctx.device() + ", " + id + "]"; }
}
