package org.jdiffusion.dist;

import org.jdiffusion.kernels.cuda.CudaBackend;
import org.jdiffusion.kernels.cuda.CudaEvent;
import org.jdiffusion.kernels.cuda.CudaStorage;
import org.jdiffusion.kernels.cuda.CudaStream;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The communicator of a multi-GPU job: NCCL collectives on CUDA device memory, one GPU per rank.
 * An all-reduce runs on a communication stream of its own, ordered after the kernels that filled
 * the buffer (an event), while backward's kernels go on on the compute stream; its request makes
 * the compute stream wait for the sum on the device, so the host never waits for a collective.
 * NCCL's unique id is made by rank 0 and broadcast over {@link MpiCommunicator}, which also
 * carries barriers, byte broadcasts and collectives on host (CPU) tensors, such as the step's
 * loss. A watchdog thread records an event after each collective and, when one has not completed
 * by its deadline, aborts the NCCL communicator and the MPI job (PyTorch's NCCL watchdog does the
 * same).
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
    private CudaStream commStream;
    private volatile boolean closed;

    private record Pending(CudaEvent start, CudaEvent event, long deadline, String what) {}
    private final java.util.concurrent.atomic.DoubleAdder collectiveMs = new java.util.concurrent.atomic.DoubleAdder();

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
        return init(Nccl.load(), mpi, device, timeoutSeconds);
    }

    /** {@link #init(Communicator, Device, double)} with a given NCCL library (tests use a stand-in). */
    static NcclCommunicator init(Nccl nccl, Communicator mpi, Device device, double timeoutSeconds) {
        if (device.isCpu()) throw new IllegalArgumentException("NCCL: needs a CUDA device, got " + device);
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

    /** Device time of the completed collectives (CUDA events around each), for the scaling report. */
    @Override public double collectiveSeconds() { return collectiveMs.sum() / 1e3; }

    /** The NCCL library version, e.g. "2.21.5". */
    public String version() { return version; }

    @Override public Request allReduceSumAsync(Tensor t) {
        Communicator.checkReducible("allReduceSum", t);
        if (t.device().isCpu()) return mpi.allReduceSumAsync(t);   // host values (the step's loss) go over the bootstrap
        long a = address(t, "allReduceSum");
        // on a stream of its own, after the kernels that filled t: backward's kernels go on meanwhile
        CudaStream compute = backend.currentStream(), comms = commStream();
        CudaEvent filled = backend.newEvent(false).record(compute);
        comms.waitFor(filled);
        CudaEvent start = backend.newEvent(true).record(comms);
        nccl.allReduceSum(a, a, t.numel(), ncclType(t.dtype()), comm, comms.nativeHandle());
        if (t.storage() instanceof CudaStorage s) s.recordStream(comms);   // the allocator must not reuse t before the sum is done
        watch(comms, start, String.format(Locale.ROOT, "NCCL all-reduce of %d %s values", t.numel(), t.dtype()));
        CudaEvent summed = backend.newEvent(false).record(comms);   // the request's own (the watchdog closes its events when done)
        filled.close();   // a wait already enqueued keeps its event's point; destroying it is allowed
        // stream-ordered: later kernels on the compute stream wait for the sum on the device; the host never does
        return () -> {
            compute.waitFor(summed);
            summed.close();
        };
    }

    private CudaStream commStream() {
        if (commStream == null) commStream = backend.newStream();
        return commStream;
    }

    @Override public void broadcast(Tensor t, int root) {
        Communicator.checkReducible("broadcast", t);
        if (t.device().isCpu()) {
            mpi.broadcast(t, root);
            return;
        }
        long a = address(t, "broadcast");
        CudaEvent start = backend.newEvent(true).record(backend.currentStream());
        nccl.broadcast(a, a, t.numel(), ncclType(t.dtype()), root, comm, backend.currentStream().nativeHandle());
        watch(backend.currentStream(), start, "NCCL broadcast of " + t.numel() + " " + t.dtype() + " values from rank " + root);
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

    /** Records the end of a collective on {@code stream} for the watchdog; the event is returned for ordering. */
    private CudaEvent watch(CudaStream stream, CudaEvent start, String what) {
        CudaEvent e = backend.newEvent(true).record(stream);
        pending.add(new Pending(start, e, System.nanoTime() + (long) (timeoutSeconds * 1e9), what));
        return e;
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
                    collectiveMs.add(p.event().elapsedSince(p.start()));
                    p.start().close();
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
