package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.dist.Communicator;
import org.jdiffusion.dist.GradientReducer;
import org.jdiffusion.dist.LocalCommunicator;
import org.jdiffusion.nn.Module;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.util.List;
import java.util.Locale;

/**
 * What a training step does differently on rank r of N: it keeps rows [start, end) of each global
 * batch of B (start = ⌊rB/N⌋), draws every random number of the global batch as one process would
 * and keeps its rows (so losses match the one-process run and resuming on another N continues the
 * same run), averages gradients with a {@link GradientReducer}, and agrees with the other ranks
 * on the logged loss and on stopping. Rank 0 alone writes files and prints.
 */
final class DataParallel {
    /** How long the other ranks wait for rank 0's previews and checkpoints (CPU previews of the reference U-Net take minutes). */
    static final double LEAD_WORK_TIMEOUT_SECONDS = 3 * 3600;

    private final Communicator comm;
    private final int global, start, end;
    private GradientReducer reducer;

    DataParallel(Communicator comm, int globalBatch) {
        this.comm = comm;
        int n = comm.size(), r = comm.rank();
        if (globalBatch < n)
            throw new IllegalArgumentException("--batch " + globalBatch + " is smaller than the " + n + " ranks: each rank needs at least one sample");
        this.global = globalBatch;
        this.start = (int) ((long) r * globalBatch / n);
        this.end = (int) ((long) (r + 1) * globalBatch / n);
    }

    static DataParallel single(int batch) { return new DataParallel(new LocalCommunicator(), batch); }

    Communicator comm() { return comm; }

    /** Whether steps go through the communicator: several ranks, or one rank of a named communicator (mpirun -np 1, NCCL on one GPU). */
    boolean parallel() { return comm.size() > 1 || !(comm instanceof LocalCommunicator); }

    /** Whether this rank writes files and prints (rank 0). */
    boolean lead() { return comm.rank() == 0; }

    int shardStart() { return start; }

    int shardSize() { return end - start; }

    /** The first line of a parallel run, e.g. "data parallel: mpi, 2 ranks, batch 64 = 32 + 32". */
    String describe() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "data parallel: %s, %d rank%s, batch %d", comm.name(), comm.size(),
                comm.size() == 1 ? "" : "s", global));
        if (comm.size() > 1) {
            b.append(" =");
            for (int r = 0; r < comm.size(); r++)
                b.append(r == 0 ? " " : " + ").append((int) ((long) (r + 1) * global / comm.size()) - (int) ((long) r * global / comm.size()));
        }
        return b.toString();
    }

    /** Rows [start, end) of a global-batch tensor (dim 0). */
    Tensor shard(Tensor globalRows) { return parallel() ? globalRows.narrow(0, start, end - start) : globalRows; }

    int[] shard(int[] globalRows) { return parallel() ? java.util.Arrays.copyOfRange(globalRows, start, end) : globalRows; }

    /**
     * A generator positioned at this shard's first row of the next draw of {@code rows} × {@code rowSize}
     * counters from {@code g}; {@code g} moves past the whole global draw, as in one process.
     */
    Generator shardGenerator(Generator g, long rowSize) {
        long base = g.advance((long) global * rowSize);
        return new Generator(g.seed(), base + start * rowSize);
    }

    /** Makes every rank start from rank 0's weights, sets up the reducer and the model's random layers. */
    void prepare(Module model, long bucketBytes) {
        if (!parallel()) return;
        List<Variable> params = model.parameters();
        GradientReducer.broadcastParameters(comm, params, 0);
        reducer = new GradientReducer(comm, params, bucketBytes);
        model.setBatchShard(start, global);
    }

    /** Backward of this rank's loss; with N ranks the gradients end as the global batch's average. */
    void backward(Variable loss) {
        if (!parallel()) {
            loss.backward();
            return;
        }
        loss.backward(reducer.begin((double) (end - start) / global));
        reducer.finish();
    }

    /** The global batch's loss (the shards' means weighted by their sizes) and whether any rank asked to stop. */
    record Agreed(double loss, boolean stop) {}

    Agreed agree(double localLoss, boolean stopRequested) {
        if (!parallel()) return new Agreed(localLoss, stopRequested);
        Tensor t = Tensor.of(new double[]{localLoss * (end - start) / global, stopRequested ? 1 : 0}, 2);
        comm.allReduceSum(t);
        double[] v = t.toDoubleArray();
        return new Agreed(v[0], v[1] > 0);
    }

    /** Waits for rank 0's rank-0-only work (a checkpoint, a preview) with a long timeout. */
    void afterLeadWork() {
        if (parallel()) comm.barrier(LEAD_WORK_TIMEOUT_SECONDS);
    }

    /**
     * Fails when the ranks' weights are not bit-identical: a sum of every parameter in float64 on
     * each rank against rank 0's.
     */
    void checkInStep(Module model, long step) {
        if (!parallel()) return;
        double h = 0;
        int k = 1;
        for (Variable p : model.parameters()) {
            double[] v = p.data().toDoubleArray();
            for (double x : v) h += x * k;
            k = k % 977 + 1;
        }
        Tensor mine = Tensor.of(new double[]{h}, 1), lead = mine.copy();
        comm.broadcast(lead, 0);
        if (Double.doubleToRawLongBits(lead.item()) != Double.doubleToRawLongBits(h))
            comm.abort(String.format(Locale.ROOT, "train: the weights of rank %d differ from rank 0's at step %d (checksum %.17g vs %.17g); "
                    + "the ranks no longer train one model", comm.rank(), step, h, lead.item()), 4);
    }

    /**
     * The end-of-run line: buckets, bytes, the all-reduce time of a step (on the communication
     * thread, start to completion, including the small loss reduction) and how much of it the
     * training thread still waited for after backward; the rest was hidden behind backward.
     */
    String stats() {
        if (reducer == null) return "";
        long n = Math.max(1, reducer.steps());
        double busy = comm.collectiveSeconds() / n, waited = reducer.waitSeconds() / n;
        return String.format(Locale.ROOT, "all-reduce: %d buckets, %.2f MB a step; %.1f ms of collectives a step, %.1f ms of it waited for after "
                        + "backward (%.0f%% hidden behind backward); %.0f%% of buckets started during backward",
                reducer.bucketCount(), reducer.bytesPerStep() / 1e6, 1e3 * busy, 1e3 * waited, busy > 0 ? 100 * Math.max(0, 1 - waited / busy) : 0,
                100 * reducer.overlappedFraction());
    }
}
