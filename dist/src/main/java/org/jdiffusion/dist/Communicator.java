package org.jdiffusion.dist;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

/**
 * A group of processes (ranks 0..size−1) that train one model together: sum-all-reduce, broadcast
 * and barrier over tensors, each collective bounded by a timeout so a dead or stalled rank ends
 * the job with an error instead of a hang. Every rank must call the same collectives in the same
 * order with tensors of the same shape and dtype. Implementations: {@link LocalCommunicator}
 * (one process), {@link MpiCommunicator} (Open MPI, host memory) and {@link NcclCommunicator}
 * (NCCL on CUDA device memory, bootstrapped over MPI).
 */
public interface Communicator extends AutoCloseable {
    /** "local", "mpi" or "nccl": what the first line of a data-parallel run names. */
    String name();

    int rank();

    int size();

    /** A collective in flight; {@link #await()} returns once its result is in the tensor it was given. */
    interface Request {
        void await();

        /** A request that is already complete. */
        Request DONE = () -> {};
    }

    /**
     * Starts replacing dense float32/float64 {@code t} by its element-wise sum over all ranks.
     * {@code t} must not be read or written until the returned request's {@link Request#await()}.
     * Every rank receives the same bits (MPI and NCCL reduce in an order fixed by message size and
     * rank count).
     */
    Request allReduceSumAsync(Tensor t);

    /** {@link #allReduceSumAsync} and wait. */
    default void allReduceSum(Tensor t) { allReduceSumAsync(t).await(); }

    /** The sum over ranks of one number per rank (float64, so a loss sums without float32 rounding). */
    default double allReduceSum(double v) {
        Tensor t = Tensor.of(new double[]{v}, 1);
        allReduceSum(t);
        return t.toDoubleArray()[0];
    }

    /** Overwrites dense {@code t} on every rank with rank {@code root}'s values. */
    void broadcast(Tensor t, int root);

    /** Rank {@code root}'s bytes on every rank (the length travels first, so other ranks may pass anything, even null). */
    byte[] broadcastBytes(byte[] bytes, int root);

    /** Returns once every rank has called it, or fails after {@code timeoutSeconds}. */
    void barrier(double timeoutSeconds);

    /** Seconds spent inside collectives so far (start to completion, on the thread that ran them); 0 where not measured. */
    default double collectiveSeconds() { return 0; }

    /** Ends every rank of the job with {@code message} on this rank's stderr; does not return. */
    void abort(String message, int status);

    /** Leaves the group (MPI_Finalize); collectives fail afterwards. */
    @Override void close();

    /** A one-line check shared by the implementations: a dense float32/float64 tensor. */
    static void checkReducible(String op, Tensor t) {
        if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64)
            throw new IllegalArgumentException(op + ": needs a float32 or float64 tensor, got " + t.describe());
        if (!t.isContiguous())
            throw new IllegalArgumentException(op + ": needs a contiguous tensor, got " + t.describe() + " with strides "
                    + java.util.Arrays.toString(t.strides()));
    }
}
