package org.jdiffusion.dist;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Averages gradients over the ranks of a data-parallel step, overlapped with the backward pass
 * (PyTorch DDP's reducer, Li et al. 2020). Parameters are packed into buckets of about
 * {@code bucketBytes} in reverse registration order, the order in which backward finishes them;
 * when every gradient of a bucket is final ({@link Variable.LeafHook}) the bucket is copied into
 * one flat tensor, scaled by this rank's share of the global batch, and its all-reduce starts
 * while backward goes on. Buckets start strictly in index order, so every rank issues the same
 * collectives in the same order; a parameter that backward never reached counts as a zero
 * gradient (the ranks agree on that too).
 *
 * <p>With the loss of rank r the mean over its b_r samples, scaling its gradient by b_r / B
 * before the sum gives the gradient of the mean over the global batch B: the single-process
 * gradient, up to the order of the float32 sums.
 */
public final class GradientReducer {
    private final Communicator comm;
    private final List<Bucket> buckets = new ArrayList<>();
    private final Map<Variable, Bucket> bucketOf = new IdentityHashMap<>();
    private double scale = 1;
    private int next;
    private boolean inStep;
    // statistics over all steps
    private long steps, waitNanos, launchedDuringBackward, launched;

    private static final class Bucket {
        final int index;
        final List<Variable> params = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        int numel, ready;
        Tensor flat;
        Communicator.Request request;

        Bucket(int index) { this.index = index; }
    }

    /**
     * Buckets over {@code params} (in registration order, as {@code Module.parameters()} gives
     * them, float32 or float64, one device) of at most {@code bucketBytes} each, a parameter
     * larger than that in a bucket of its own.
     */
    public GradientReducer(Communicator comm, List<Variable> params, long bucketBytes) {
        if (bucketBytes <= 0) throw new IllegalArgumentException("GradientReducer: bucket size must be > 0 bytes, got " + bucketBytes);
        this.comm = comm;
        Bucket b = null;
        DType dt = null;
        for (int i = params.size() - 1; i >= 0; i--) {
            Variable p = params.get(i);
            if (dt == null) dt = p.dtype();
            if (p.dtype() != dt || (p.dtype() != DType.FLOAT32 && p.dtype() != DType.FLOAT64))
                throw new IllegalArgumentException("GradientReducer: parameters must all be float32 or all float64, got " + dt + " and " + p.dtype());
            long bytes = (long) p.data().numel() * dt.byteSize();
            if (b == null || (b.numel > 0 && ((long) b.numel * dt.byteSize() + bytes) > bucketBytes)) {
                b = new Bucket(buckets.size());
                buckets.add(b);
            }
            if (bucketOf.put(p, b) != null) throw new IllegalArgumentException("GradientReducer: a parameter is listed twice");
            b.params.add(p);
            b.offsets.add(b.numel);
            b.numel = Math.addExact(b.numel, p.data().numel());
        }
    }

    public int bucketCount() { return buckets.size(); }

    /** Elements of each bucket, in launch order. */
    public int[] bucketSizes() { return buckets.stream().mapToInt(x -> x.numel).toArray(); }

    /**
     * Starts a step whose local batch is {@code share} of the global one (b_r / B); returns the
     * hook to pass to {@link Variable#backward(Variable.LeafHook)}. Gradients must be zero (null)
     * before the backward pass.
     */
    public Variable.LeafHook begin(double share) {
        if (inStep) throw new IllegalStateException("GradientReducer: begin() twice without finish()");
        if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("GradientReducer: the share of the batch must be in (0, 1], got " + share);
        inStep = true;
        scale = share;
        next = 0;
        for (Bucket b : buckets) {
            b.ready = 0;
            b.request = null;
        }
        return this::ready;
    }

    private void ready(Variable leaf) {
        Bucket b = bucketOf.get(leaf);
        if (b == null) return;   // a leaf that is not a parameter of this model
        b.ready++;
        while (next < buckets.size() && buckets.get(next).ready == buckets.get(next).params.size()) {
            launch(buckets.get(next++));
            launchedDuringBackward++;
        }
    }

    private void launch(Bucket b) {
        Variable first = b.params.getFirst();
        if (b.flat == null || !b.flat.device().equals(first.device()))   // reused every step: outside the step's MemoryScope
            b.flat = MemoryScope.untracked(() -> Tensor.zeros(first.dtype(), first.device(), b.numel));
        for (int i = 0; i < b.params.size(); i++) {
            Variable p = b.params.get(i);
            int n = p.data().numel();
            Tensor dst = b.flat.narrow(0, b.offsets.get(i), n);
            Tensor g = p.grad();
            if (g == null) dst.copyFrom(Tensor.zeros(p.dtype(), p.device(), n));
            else dst.copyFrom(scale == 1 ? g.reshape(n) : g.reshape(n).mul(scale));
        }
        b.request = comm.allReduceSumAsync(b.flat);
        launched++;
    }

    /**
     * Starts the buckets backward did not complete, waits for every all-reduce and writes the
     * averaged gradients back into the parameters' {@code grad()}.
     */
    public void finish() {
        if (!inStep) throw new IllegalStateException("GradientReducer: finish() without begin()");
        while (next < buckets.size()) launch(buckets.get(next++));
        long t0 = System.nanoTime();
        for (Bucket b : buckets) {
            b.request.await();
            for (int i = 0; i < b.params.size(); i++) {
                Variable p = b.params.get(i);
                Tensor avg = b.flat.narrow(0, b.offsets.get(i), p.data().numel()).reshape(p.shape());
                if (p.grad() == null) p.setGrad(MemoryScope.untracked(avg::copy));
                else p.grad().copyFrom(avg);
            }
        }
        waitNanos += System.nanoTime() - t0;
        steps++;
        inStep = false;
    }

    /** Copies rank {@code root}'s values of {@code params} into every rank's (at the start of a run). */
    public static void broadcastParameters(Communicator comm, List<Variable> params, int root) {
        for (Variable p : params) {
            Tensor t = p.data().contiguous();
            comm.broadcast(t, root);
            if (t != p.data()) p.data().copyFrom(t);
        }
    }

    /** Seconds the training thread waited for all-reduces after backward, summed over steps. */
    public double waitSeconds() { return waitNanos / 1e9; }

    public long steps() { return steps; }

    /** Of all bucket all-reduces started, the fraction started while backward was still running. */
    public double overlappedFraction() { return launched == 0 ? 0 : (double) launchedDuringBackward / launched; }

    /** Bytes this rank sends into all-reduces per step (the gradient size). */
    public long bytesPerStep() {
        long n = 0;
        for (Bucket b : buckets) n += (long) b.numel * b.params.getFirst().dtype().byteSize();
        return n;
    }
}
