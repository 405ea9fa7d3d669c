package org.jdiffusion.kernels.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** A CUDA event: a marker recorded on a stream, for ordering streams and timing work on the device. */
public final class CudaEvent implements AutoCloseable {
    private final CudaContext ctx;
    private final CUevent handle = new CUevent();
    private boolean closed;

    CudaEvent(CudaContext ctx, boolean timing) {
        this.ctx = ctx;
        ctx.bind();
        int flags = timing ? 0 : 2; // CU_EVENT_DISABLE_TIMING
        CudaDriver.check(JCudaDriver.cuEventCreate(handle, flags), "cuEventCreate");
    }

    CUevent handle() { return handle; }

    /** Records the event at the current end of {@code stream}. */
    public CudaEvent record(CudaStream stream) {
        ctx.bind();
        CudaDriver.check(JCudaDriver.cuEventRecord(handle, stream.handle()), "cuEventRecord");
        return this;
    }

    /** Whether all work before the record has completed (never blocks). */
    public boolean isDone() {
        ctx.bind();
        int rc = JCudaDriver.cuEventQuery(handle);
        if (rc == CUresult.CUDA_ERROR_NOT_READY) return false;
        CudaDriver.check(rc, "cuEventQuery");
        return true;
    }

    public void synchronize() {
        ctx.bind();
        ctx.countSynchronization("event");
        CudaDriver.check(JCudaDriver.cuEventSynchronize(handle), "cuEventSynchronize");
    }

    /** Milliseconds of device time from {@code start} to this event (both recorded with timing). */
    public float elapsedSince(CudaEvent start) {
        synchronize();
        float[] ms = new float[1];
        CudaDriver.check(JCudaDriver.cuEventElapsedTime(ms, start.handle, handle), "cuEventElapsedTime");
        return ms[0];
    }

    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        ctx.bind();
        CudaDriver.check(JCudaDriver.cuEventDestroy(handle), "cuEventDestroy");
    }
}
