package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;
import static org.jdiffusion.kernels.cuda.CudaOps.sfx;

/**
 * Launches optim.cu: the Adam step and the EMA update over many tensors, one launch per
 * {@value #MAX_TENSORS} non-empty positions of one dtype. Each launch carries its table (addresses,
 * lengths, the first chunk of each position) as a kernel parameter packed as optim.cu's
 * {@code TensorTable<D>}; its grid has one block per chunk.
 */
final class CudaOptim {
    private CudaOptim() {}

    /** OPT_MAX_TENSORS in optim.cu (CudaSourcesTest checks they agree). */
    static final int MAX_TENSORS = 64;
    static final int BLOCK = 256;
    /** Chunks are whole multiples of this many elements (1024: whole 16-byte vectors for every thread of a block). */
    static final int CHUNK_QUANTUM = 1024, MAX_CHUNK = 1 << 16;

    static void adamStep(CudaContext c, List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h) {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            List<Tensor[]> rows = positions(dt, params, grads, m, v);
            if (rows.isEmpty()) continue;
            Object[] args = dt == DType.FLOAT32
                    ? new Object[]{(float) h.paramDecay(), (float) h.l2(), (float) h.beta1(), (float) h.beta2(), (float) h.stepSize(),
                    (float) h.bias2Sqrt(), (float) h.eps()}
                    : new Object[]{h.paramDecay(), h.l2(), h.beta1(), h.beta2(), h.stepSize(), h.bias2Sqrt(), h.eps()};
            launchAll(c, "adamStep", KernelFamily.ADAM_STEP.of(dt), rows, 4, args);
        }
    }

    static void emaUpdate(CudaContext c, List<Tensor> shadow, List<Tensor> params, double decay) {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            List<Tensor[]> rows = positions(dt, shadow, params);
            if (rows.isEmpty()) continue;
            Object[] args = dt == DType.FLOAT32 ? new Object[]{(float) decay, (float) (1 - decay)} : new Object[]{decay, 1 - decay};
            launchAll(c, "emaUpdate", KernelFamily.EMA_UPDATE.of(dt), rows, 2, args);
        }
    }

    /** The non-empty positions of dtype dt, each as its operands in list order. */
    @SafeVarargs
    private static List<Tensor[]> positions(DType dt, List<Tensor>... lists) {
        List<Tensor[]> rows = new ArrayList<>();
        for (int i = 0; i < lists[0].size(); i++) {
            Tensor lead = lists[0].get(i);
            if (lead.dtype() != dt || lead.numel() == 0) continue;
            Tensor[] row = new Tensor[lists.length];
            for (int d = 0; d < lists.length; d++) row[d] = lists[d].get(i);
            rows.add(row);
        }
        return rows;
    }

    /**
     * The chunk length for {@code total} elements on {@code sms} multiprocessors: about eight blocks
     * per SM over the whole call, between CHUNK_QUANTUM and MAX_CHUNK elements, a multiple of CHUNK_QUANTUM.
     */
    static int chunkLength(long total, int sms) {
        long want = total / Math.max(1, 8L * sms);
        long q = (want + CHUNK_QUANTUM - 1) / CHUNK_QUANTUM * CHUNK_QUANTUM;
        return (int) Math.max(CHUNK_QUANTUM, Math.min(MAX_CHUNK, q));
    }

    private static void launchAll(CudaContext c, String op, String kernel, List<Tensor[]> rows, int depth, Object[] hyper) {
        long total = 0;
        for (Tensor[] r : rows) total += r[0].numel();
        int chunk = chunkLength(total, c.multiprocessors());
        for (int from = 0; from < rows.size(); from += MAX_TENSORS) {
            List<Tensor[]> part = rows.subList(from, Math.min(rows.size(), from + MAX_TENSORS));
            List<Entry> entries = new ArrayList<>();
            for (Tensor[] r : part) {
                long[] addr = new long[depth];
                for (int d = 0; d < depth; d++) addr[d] = ptr(r[d]);
                entries.add(new Entry(addr, r[0].numel()));
            }
            Table t = table(entries, chunk);
            Object[] args = new Object[2 + hyper.length];
            args[0] = t.packed;
            args[1] = chunk;
            System.arraycopy(hyper, 0, args, 2, hyper.length);
            c.launch(op, kernel, new LaunchConfig(t.blocks, 1, BLOCK), args);
        }
    }

    /** One position of a table: the device address of each operand's first element, and its length. */
    record Entry(long[] addr, int len) {}

    /** A packed {@code TensorTable<D>} and the blocks (chunks) it covers. */
    record Table(int[] packed, int blocks) {}

    /**
     * Packs optim.cu's {@code TensorTable<D>} (D = the entries' address count) for at most
     * {@value #MAX_TENSORS} non-empty entries: u64 addr[D][64] (each as lo, hi ints, little-endian),
     * int len[64], int chunk_start[65], int count.
     */
    static Table table(List<Entry> entries, int chunk) {
        if (entries.isEmpty() || entries.size() > MAX_TENSORS)
            throw new IllegalArgumentException("a tensor table holds 1.." + MAX_TENSORS + " positions, got " + entries.size());
        int depth = entries.getFirst().addr().length;
        int[] p = new int[2 * depth * MAX_TENSORS + MAX_TENSORS + MAX_TENSORS + 1 + 1];
        int lenAt = 2 * depth * MAX_TENSORS, startAt = lenAt + MAX_TENSORS, countAt = startAt + MAX_TENSORS + 1;
        long blocks = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            for (int d = 0; d < depth; d++) {
                p[2 * (d * MAX_TENSORS + i)] = (int) e.addr()[d];
                p[2 * (d * MAX_TENSORS + i) + 1] = (int) (e.addr()[d] >>> 32);
            }
            p[lenAt + i] = e.len();
            p[startAt + i] = (int) blocks;
            blocks += (e.len() + (long) chunk - 1) / chunk;
        }
        p[startAt + entries.size()] = (int) blocks;
        p[countAt] = entries.size();
        return new Table(p, (int) blocks);
    }
}
