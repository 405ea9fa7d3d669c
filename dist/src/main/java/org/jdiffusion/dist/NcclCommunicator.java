package org.jdiffusion.dist;

import org.jdiffusion.kernels.cuda.CudaBackend;
import org.jdiffusion.kernels.cuda.CudaEvent;
import org.jdiffusion.kernels.cuda.CudaStorage;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The communicator of a multi-GPU job: NCCL collectives on CUDA device memory, enqueued on the
 * CUDA backend's current stream of the calling thread (so they are ordered with the kernels that
 * produce and consume the gradients, and the host never waits for them), one GPU per rank.
 * NCCL's unique id is made by rank 0 and broadcast over {@link MpiCommunicator}, which also
 * carries barriers and byte broadcasts. A watchdog thread records an event after each collective
 * and, when one has not completed by its deadline, aborts the NCCL communicator and the MPI job
 * (PyTorch's NCCL watchdog does the same).
 */
public final class NcclCommunicator implements Communicator {
    private final Nccl nccl;
    private final Communicator mpi;   // the bootstrap: MPI in a job of several ranks, the one-process communicator alone
    private final double timeoutSeconds;
    private final CudaBackend backend;
    private final MemorySegment comm;
    private final String version;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final Thread watchdog;
    private volatile boolean closed;

    private record Pending(CudaEvent event, long deadline, String what) {}

    private NcclCommunicator(Nccl nccl, Communicator mpi, double timeoutSeconds, CudaBackend backend, MemorySegment comm) {
        this.nccl = nccl;
        this.mpi = mpi;
        this.timeoutSeconds = timeoutSeconds;
        this.backend = backend;
        this.comm = comm;
        this.version = Nccl.versionString(nccl.version());
        this.watchdog = new Thread(this::watch, "jdiffusion-nccl-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /**
     * Joins the NCCL clique of the MPI job on {@code device} (one rank per GPU: with several GPUs
     * per host, pass cuda:localRank). Rank 0's ncclGetUniqueId travels over {@code mpi}; a
     * {@link LocalCommunicator} makes a one-rank NCCL communicator on a host without MPI.
     */
    public static NcclCommunicator init(Communicator mpi, Device device, double timeoutSeconds) {
        if (device.isCpu())
            throw new IllegalArgumentException("NCCL: needs a CUDA device (--device cuda), got " + device + "; CPU ranks use --comm mpi");
        Nccl nccl = Nccl.load();
        CudaBackend b = (CudaBackend) Backends.of(device);
        MemorySegment comm = join(nccl, mpi, () -> b.context().makeCurrent());
        return new NcclCommunicator(nccl, mpi, timeoutSeconds, b, comm);
    }

    /** Rank 0's unique id over {@code bootstrap} to every rank, then ncclCommInitRank (after {@code beforeInit} picks the device). */
    static MemorySegment join(Nccl nccl, Communicator bootstrap, Runnable beforeInit) {
        byte[] id = bootstrap.broadcastBytes(bootstrap.rank() == 0 ? nccl.uniqueId() : null, 0);
        beforeInit.run();
        return nccl.initRank(bootstrap.size(), id, bootstrap.rank());
    }

    @Override public String name() { return "nccl"; }

    @Override public int rank() { return mpi.rank(); }

    @Override public int size() { return mpi.size(); }

    /** The NCCL library version, e.g. "2.21.5". */
    public String version() { return version; }

    @Override public Request allReduceSumAsync(Tensor t) {
        Communicator.checkReducible("allReduceSum", t);
        long a = address(t, "allReduceSum");
        long stream = backend.currentStream().nativeHandle();
        nccl.allReduceSum(a, a, t.numel(), ncclType(t.dtype()), comm, stream);
        watch(String.format(Locale.ROOT, "NCCL all-reduce of %d %s values", t.numel(), t.dtype()));
        return Request.DONE;   // stream-ordered: every later kernel on this stream sees the sum
    }

    @Override public void broadcast(Tensor t, int root) {
        Communicator.checkReducible("broadcast", t);
        long a = address(t, "broadcast");
        nccl.broadcast(a, a, t.numel(), ncclType(t.dtype()), root, comm, backend.currentStream().nativeHandle());
        watch("NCCL broadcast of " + t.numel() + " " + t.dtype() + " values from rank " + root);
    }

    @Override public byte[] broadcastBytes(byte[] bytes, int root) { return mpi.broadcastBytes(bytes, root); }

    @Override public void barrier(double timeoutSeconds) {
        backend.synchronize();
        mpi.barrier(timeoutSeconds);
    }

    @Override public void abort(String message, int status) {
        try {
            nccl.destroy(comm, true);
        } catch (RuntimeException ignored) {
            // the MPI abort below ends the job either way
        }
        mpi.abort(message, status);
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        backend.synchronize();
        watchdog.interrupt();
        nccl.destroy(comm, false);
        mpi.close();
    }

    private long address(Tensor t, String op) {
        if (!t.device().equals(backend.device()) || !(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("NCCL " + op + ": the tensor is on " + t.device() + ", this rank's communicator on " + backend.device());
        return s.address() + (long) t.offset() * t.dtype().byteSize();
    }

    static int ncclType(DType d) { return d == DType.FLOAT32 ? Nccl.FLOAT32 : Nccl.FLOAT64; }

    private void watch(String what) {
        CudaEvent e = backend.newEvent(false).record(backend.currentStream());
        pending.add(new Pending(e, System.nanoTime() + (long) (timeoutSeconds * 1e9), what));
    }

    /** The watchdog: completed collectives are dropped; one past its deadline, or an asynchronous NCCL error, ends the job. */
    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            for (Pending p; (p = pending.peek()) != null; ) {
                if (p.event().isDone()) {
                    pending.poll();
                    p.event().close();
                } else if (System.nanoTime() > p.deadline()) {
                    abort(String.format(Locale.ROOT, "%s did not finish within %.0f s: another rank died or stalled; aborting the job (%s sets the limit in seconds)",
                            p.what(), timeoutSeconds, Communicators.TIMEOUT_ENV), 3);
                } else {
                    break;
                }
            }
            int err = nccl.asyncError(comm);
            if (err != Nccl.SUCCESS && err != Nccl.IN_PROGRESS) abort("NCCL reported an asynchronous error (ncclResult_t " + err + "); aborting the job", 3);
        }
    }

    @Override public String toString() { return "nccl " + version + " on " + backend.device() + ", rank " + rank() + " of " + size(); }
}
