package org.jdiffusion.dist;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The communicator of an {@code mpirun} job over Open MPI's MPI_COMM_WORLD, on host memory.
 *
 * <p>Every MPI call runs on one thread of its own ("jdiffusion-mpi", which also called
 * MPI_Init_thread, so MPI_THREAD_FUNNELED suffices): the training thread hands it a collective and
 * goes on with the backward pass while it runs. Each collective is non-blocking (MPI_Iallreduce,
 * MPI_Ibcast, MPI_Ibarrier), polled with MPI_Test, which also drives Open MPI's progress, against
 * a deadline: past it the rank prints which collective stalled and calls MPI_Abort, which ends
 * every rank of the job. A rank that exits is noticed by mpirun itself, which ends the others.
 *
 * <p>Determinism: for a given message size and number of ranks, Open MPI's collective component
 * picks the same algorithm each call, so the reduction order, and the result bits, repeat run to
 * run; every rank gets the same bits (reduce-scatter/allgather, ring or reduce-then-broadcast
 * schedules all reduce each element once and distribute the result).
 */
public final class MpiCommunicator implements Communicator {
    private static final long SPIN_NANOS = Long.getLong("jdiffusion.mpi.spinMicros", 200) * 1000;
    private static final long MAX_SLEEP_NANOS = Long.getLong("jdiffusion.mpi.maxSleepMicros", 500) * 1000;

    private final Mpi mpi;
    private final ExecutorService thread;
    private final int rank, size;
    private final String version;
    private final double timeoutSeconds;
    private final AtomicLong busyNanos = new AtomicLong();
    private volatile boolean closed;

    private MpiCommunicator(Mpi mpi, ExecutorService thread, int rank, int size, String version, double timeoutSeconds) {
        this.mpi = mpi;
        this.thread = thread;
        this.rank = rank;
        this.size = size;
        this.version = version;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Initialises MPI (once per process) and joins MPI_COMM_WORLD; {@code timeoutSeconds} bounds every collective. */
    public static MpiCommunicator init(double timeoutSeconds) {
        if (!(timeoutSeconds > 0)) throw new IllegalArgumentException("MPI: the collective timeout must be > 0 s, got " + timeoutSeconds);
        Mpi mpi = Mpi.get();
        ExecutorService t = Executors.newSingleThreadExecutor(r -> {
            Thread th = new Thread(r, "jdiffusion-mpi");
            th.setDaemon(true);
            return th;
        });
        try {
            Object[] r = t.submit(unchecked(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
                    Mpi.check((int) mpi.initialized.invokeExact(flag), "MPI_Initialized");
                    if (flag.get(ValueLayout.JAVA_INT, 0) == 0) {
                        MemorySegment provided = a.allocate(ValueLayout.JAVA_INT);
                        Mpi.check((int) mpi.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, Mpi.THREAD_FUNNELED, provided),
                                "MPI_Init_thread");
                    }
                    MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
                    Mpi.check((int) mpi.commRank.invokeExact(mpi.commWorld, v), "MPI_Comm_rank");
                    int rk = v.get(ValueLayout.JAVA_INT, 0);
                    Mpi.check((int) mpi.commSize.invokeExact(mpi.commWorld, v), "MPI_Comm_size");
                    int sz = v.get(ValueLayout.JAVA_INT, 0);
                    MemorySegment s = a.allocate(Mpi.MAX_LIBRARY_VERSION_STRING);
                    Mpi.check((int) mpi.libraryVersion.invokeExact(s, v), "MPI_Get_library_version");
                    String ver = s.getString(0).lines().findFirst().orElse("").replaceAll(",.*", "").trim();
                    return new Object[]{rk, sz, ver};
                }
            })).get();
            return new MpiCommunicator(mpi, t, (Integer) r[0], (Integer) r[1], (String) r[2], timeoutSeconds);
        } catch (ExecutionException e) {
            t.shutdownNow();
            throw new IllegalStateException("MPI: initialisation failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("MPI: interrupted during initialisation");
        }
    }

    @Override public String name() { return "mpi"; }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    /** The library, e.g. "Open MPI v4.1.4". */
    public String version() { return version; }

    /** Seconds each collective may take before the job is aborted. */
    public double timeoutSeconds() { return timeoutSeconds; }

    /** Time the MPI thread spent inside collectives (start to completion), for the scaling report. */
    @Override public double collectiveSeconds() { return busyNanos.get() / 1e9; }

    @Override public Request allReduceSumAsync(Tensor t) {
        Communicator.checkReducible("allReduceSum", t);
        HostBuffer b = HostBuffer.of(t);
        String what = String.format(Locale.ROOT, "all-reduce of %d %s values", t.numel(), t.dtype());
        Future<?> f = submit(() -> {
            collective(a -> {
                MemorySegment req = a.allocate(ValueLayout.ADDRESS);
                Mpi.check((int) mpi.iallreduce.invokeExact(Mpi.IN_PLACE, b.segment, t.numel(), type(t.dtype()), mpi.opSum, mpi.commWorld, req),
                        "MPI_Iallreduce");
                return req;
            }, what, timeoutSeconds);
            return null;
        });
        return () -> {
            join(f);
            b.copyBack();
        };
    }

    @Override public void broadcast(Tensor t, int root) {
        Communicator.checkReducible("broadcast", t);
        checkRoot(root);
        HostBuffer b = HostBuffer.of(t);
        ibcast(b.segment, (int) b.segment.byteSize(), root, "broadcast of " + t.numel() + " " + t.dtype() + " values");
        b.copyBack();
    }

    @Override public byte[] broadcastBytes(byte[] bytes, int root) {
        checkRoot(root);
        if (rank == root && bytes == null) throw new IllegalArgumentException("broadcastBytes: the root's bytes are null");
        try (Arena a = Arena.ofShared()) {
            MemorySegment len = a.allocate(ValueLayout.JAVA_LONG);
            if (rank == root) len.set(ValueLayout.JAVA_LONG, 0, bytes.length);
            ibcast(len, 8, root, "broadcast of a length");
            long n = len.get(ValueLayout.JAVA_LONG, 0);
            MemorySegment data = a.allocate(Math.max(1, n));
            if (rank == root) MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            ibcast(data, (int) n, root, "broadcast of " + n + " bytes");
            return data.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private void ibcast(MemorySegment seg, int bytes, int root, String what) {
        join(submit(() -> {
            collective(a -> {
                MemorySegment req = a.allocate(ValueLayout.ADDRESS);
                Mpi.check((int) mpi.ibcast.invokeExact(seg, bytes, mpi.int8, root, mpi.commWorld, req), "MPI_Ibcast");
                return req;
            }, what, timeoutSeconds);
            return null;
        }));
    }

    @Override public void barrier(double timeoutSeconds) {
        join(submit(() -> {
            collective(a -> {
                MemorySegment req = a.allocate(ValueLayout.ADDRESS);
                Mpi.check((int) mpi.ibarrier.invokeExact(mpi.commWorld, req), "MPI_Ibarrier");
                return req;
            }, "barrier", timeoutSeconds);
            return null;
        }));
    }

    @Override public void abort(String message, int status) {
        System.err.println("jdiffusion: rank " + rank + " of " + size + ": " + message);
        System.err.flush();
        try {
            int ignored = (int) mpi.abort.invokeExact(mpi.commWorld, status);
        } catch (Throwable ignored) {
            // MPI_Abort does not return; if it fails the process still ends below
        }
        Runtime.getRuntime().halt(status);
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            thread.submit(unchecked(() -> {
                MemorySegment flag = Arena.global().allocate(ValueLayout.JAVA_INT);
                Mpi.check((int) mpi.finalized.invokeExact(flag), "MPI_Finalized");
                if (flag.get(ValueLayout.JAVA_INT, 0) == 0) Mpi.check((int) mpi.finalize.invokeExact(), "MPI_Finalize");
                return null;
            })).get();
        } catch (ExecutionException | InterruptedException e) {
            System.err.println("jdiffusion: rank " + rank + ": MPI_Finalize failed: " + e.getMessage());
        } finally {
            thread.shutdown();
        }
    }

    @Override public String toString() { return "mpi (" + version + "), rank " + rank + " of " + size; }

    // ---- the MPI thread -----------------------------------------------------------------------

    private interface Start { MemorySegment start(Arena a) throws Throwable; }

    /** Starts a non-blocking collective and polls it with MPI_Test until done; aborts the job past the deadline. */
    private void collective(Start start, String what, double timeout) throws Throwable {
        long t0 = System.nanoTime(), deadline = t0 + (long) (timeout * 1e9);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = start.start(a);
            MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
            long sleep = 20_000;
            while (true) {
                Mpi.check((int) mpi.test.invokeExact(req, flag, MemorySegment.NULL), "MPI_Test (" + what + ")");
                if (flag.get(ValueLayout.JAVA_INT, 0) != 0) break;
                if (System.nanoTime() > deadline)
                    abort(String.format(Locale.ROOT, "%s did not finish within %.0f s: another rank died or stalled; aborting the job "
                            + "(%s sets the limit in seconds)", what, timeout, Communicators.TIMEOUT_ENV), 3);
                // Open MPI advances a non-blocking collective only inside MPI calls (a large message needs many of
                // them): poll without pause for SPIN_NANOS, then sleep between polls, 20 us doubling up to MAX_SLEEP_NANOS,
                // so waiting for a slower rank leaves the cores to the ranks that compute (yielding or spinning there
                // slowed 2 ranks on 2 cores by half: the waiting rank stole the core of the rank it waited for)
                if (System.nanoTime() - t0 < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(sleep);
                    sleep = Math.min(2 * sleep, MAX_SLEEP_NANOS);
                }
            }
        } finally {
            busyNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private MemorySegment type(DType d) { return d == DType.FLOAT32 ? mpi.float32 : mpi.float64; }

    /** A native call: FFM's invokeExact throws Throwable. */
    private interface NativeCall<T> { T call() throws Throwable; }

    private static <T> Callable<T> unchecked(NativeCall<T> c) {
        return () -> {
            try {
                return c.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("MPI: " + t, t);
            }
        };
    }

    private <T> Future<T> submit(NativeCall<T> c) {
        if (closed) throw new IllegalStateException("MPI: the communicator is closed");
        return thread.submit(unchecked(c));
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            throw new IllegalStateException("MPI: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("MPI: interrupted while waiting for a collective");
        }
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of this " + size + "-rank job");
    }

    /** A tensor's values in native memory (MPI must not see the Java heap while a collective is in flight). */
    private static final class HostBuffer {
        final Tensor t;
        final MemorySegment segment;
        final Object array;   // the tensor's own float[]/double[] when it is a dense CPU tensor, else null

        private HostBuffer(Tensor t, MemorySegment segment, Object array) {
            this.t = t;
            this.segment = segment;
            this.array = array;
        }

        static HostBuffer of(Tensor t) {
            int n = t.numel();
            boolean f32 = t.dtype() == DType.FLOAT32;
            ValueLayout el = f32 ? ValueLayout.JAVA_FLOAT : ValueLayout.JAVA_DOUBLE;
            // an automatic arena: the buffer lives until the request and the tensor's copy-back are done with it
            MemorySegment seg = Arena.ofAuto().allocate((long) n * el.byteSize(), 64);
            Object own = t.storage() instanceof HostStorage.F32 h ? h.data() : t.storage() instanceof HostStorage.F64 h ? h.data() : null;
            Object src = own != null ? own : f32 ? t.toFloatArray() : t.toDoubleArray();
            int off = own != null ? t.offset() : 0;
            if (f32) MemorySegment.copy((float[]) src, off, seg, ValueLayout.JAVA_FLOAT, 0, n);
            else MemorySegment.copy((double[]) src, off, seg, ValueLayout.JAVA_DOUBLE, 0, n);
            return new HostBuffer(t, seg, own);
        }

        void copyBack() {
            int n = t.numel();
            boolean f32 = t.dtype() == DType.FLOAT32;
            if (array != null) {
                if (f32) MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT, 0, (float[]) array, t.offset(), n);
                else MemorySegment.copy(segment, ValueLayout.JAVA_DOUBLE, 0, (double[]) array, t.offset(), n);
            } else {
                Tensor host = f32 ? Tensor.of(segment.toArray(ValueLayout.JAVA_FLOAT), t.shape())
                        : Tensor.of(segment.toArray(ValueLayout.JAVA_DOUBLE), t.shape());
                t.copyFrom(host.to(t.device()));
            }
        }
    }
}
