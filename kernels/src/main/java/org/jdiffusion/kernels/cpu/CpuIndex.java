package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

/**
 * Reference gather / scatter-add along a dim and their 1-d forms index-select / index-add.
 *
 * <p>Shapes: gather x [..., X_d, ...], index and out [..., I_d, ...] (index has x's rank and no larger
 * sizes outside d): out[p] = x[p with p_d := index[p]]. scatterAdd is its transpose:
 * acc[p with p_d := index[p]] += src[p]. indexSelect / indexAdd take a 1-d index [K] and are the same
 * ops with the index broadcast along every other dim of out / src.
 *
 * <p>Every index value is checked (0 ≤ i < X_d) before anything is written. Work is split into
 * fibers along d (one per position of the other dims): writes of different fibers land in different
 * fibers of out / acc, so scatter-add with repeated indices is race-free without atomics.
 *
 * <p>Cost for E = numel(index): gather moves 3E elements (index, x, out) and does no FLOPs;
 * scatterAdd moves 4E (index, src, acc read and written) and does E adds.
 */
final class CpuIndex {
    private CpuIndex() {}

    static void gather(Tensor x, int dim, Tensor index, Tensor out) {
        checkIndex("gather", index, dim, sizeAt(x, dim));
        along(x, dim, index, out, mover(x, out, false), false);
    }

    static void scatterAdd(Tensor src, int dim, Tensor index, Tensor acc) {
        checkIndex("scatterAdd", index, dim, sizeAt(acc, dim));
        along(acc, dim, index, src, mover(src, acc, true), true);
    }

    static void indexSelect(Tensor x, int dim, Tensor index, Tensor out) {
        checkIndex("indexSelect", index, dim, x.size(dim));
        along(x, dim, broadcastIndex(index, dim, out.shape()), out, mover(x, out, false), false);
    }

    static void indexAdd(Tensor src, int dim, Tensor index, Tensor acc) {
        checkIndex("indexAdd", index, dim, acc.size(dim));
        along(acc, dim, broadcastIndex(index, dim, src.shape()), src, mover(src, acc, true), true);
    }

    /** Moves one element from storage offset {@code from} of the source to offset {@code to} of the target. */
    @FunctionalInterface
    private interface Move { void apply(int from, int to); }

    /** Copy (or add) elements from s's storage into d's, exact for int64. */
    private static Move mover(Tensor s, Tensor d, boolean add) {
        HostStorage a = (HostStorage) s.storage(), b = (HostStorage) d.storage();
        if (a instanceof HostStorage.I64(long[] x) && b instanceof HostStorage.I64(long[] y))
            return add ? (f, t) -> y[t] += x[f] : (f, t) -> y[t] = x[f];
        if (a instanceof HostStorage.F32(float[] x) && b instanceof HostStorage.F32(float[] y))
            return add ? (f, t) -> y[t] += x[f] : (f, t) -> y[t] = x[f];
        if (a instanceof HostStorage.F64(double[] x) && b instanceof HostStorage.F64(double[] y))
            return add ? (f, t) -> y[t] += x[f] : (f, t) -> y[t] = x[f];
        return add ? (f, t) -> b.set(t, b.get(t) + a.get(f)) : (f, t) -> b.set(t, a.get(f));
    }

    /**
     * Walks index (and {@code dense}, of index's shape) fiber by fiber along dim. {@code indexed} is
     * the tensor addressed through the index values (x for gather, acc for scatter): for element p,
     * the move goes between dense[p] and indexed[p with p_dim := index[p]], from indexed when
     * {@code scatter} is false, into it when true.
     */
    private static void along(Tensor indexed, int dim, Tensor index, Tensor dense, Move move, boolean scatter) {
        if (index.dim() == 0) { // a 0-d op is the 1-element 1-d op
            indexed = indexed.view(1);
            index = index.view(1);
            dense = dense.view(1);
        }
        int[] shape = index.shape();
        // indexed seen with index's shape and no step along dim: its fiber base; the index adds i·stride
        int[] st = indexed.strides();
        int step = st[dim];
        st[dim] = 0;
        Tensor base = new Tensor(indexed.storage(), shape, st, indexed.offset());
        long[] idx = ((HostStorage.I64) index.storage()).data();
        Tensor[] ts = {CpuSoftmax.dimLast(index, dim), CpuSoftmax.dimLast(dense, dim), CpuSoftmax.dimLast(base, dim)};
        Strided.rows(ts[0].shape(), ts, (offs, inner, n) -> {
            for (int i = 0, pi = offs[0], pd = offs[1]; i < n; i++, pi += inner[0], pd += inner[1]) {
                int target = offs[2] + (int) idx[pi] * step;
                if (scatter) move.apply(pd, target);
                else move.apply(target, pd);
            }
        });
    }

    /** The 1-d index [K] seen with {@code shape} (K at dim) by stride-0 broadcast. */
    private static Tensor broadcastIndex(Tensor index, int dim, int[] shape) {
        int[] st = new int[shape.length];
        st[dim] = index.stride(0);
        return new Tensor(index.storage(), shape, st, index.offset());
    }

    /** Size of dim (1 for a 0-d tensor, which gather treats as one element). */
    private static int sizeAt(Tensor t, int dim) { return t.dim() == 0 ? 1 : t.size(dim); }

    /** Every index value must lie in [0, size); the error names the op, the value, the dim and its size. */
    private static void checkIndex(String op, Tensor index, int dim, int size) {
        long[] idx = ((HostStorage.I64) index.storage()).data();
        Shapes.forEachOffset(index.shape(), index.strides(), index.offset(), (i, off) -> {
            long v = idx[off];
            if (v < 0 || v >= size)
                throw new IllegalArgumentException(op + ": index " + v + " is out of range for dim " + dim + " of size " + size
                        + " (expected 0 <= index < " + size + (v < 0 ? "; negative indices are not supported" : "") + ")");
        });
    }
}
