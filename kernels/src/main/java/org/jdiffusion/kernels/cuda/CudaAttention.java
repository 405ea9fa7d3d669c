package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Tensor;


import static org.jdiffusion.kernels.cuda.CudaOps.ptr;
import static org.jdiffusion.kernels.cuda.CudaOps.sfx;

/**
 * Launches attention.cu (FlashAttention-2, Dao 2023): the forward over (B·H, query tiles); the
 * backward as rowdot = rowsum(dO ⊙ O), dK/dV over (B·H, key tiles) and dQ over (B·H, query tiles),
 * each output written once (no atomics). Shapes: q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv],
 * mask [B, H, Tq, Tk] or null, out [B, H, Tq, Dv], lse [B, H, Tq]; every tensor goes by its strides.
 */
final class CudaAttention {
    private CudaAttention() {}

    /** Threads per block (ATTN_THREADS in attention.cu). */
    static final int THREADS = 128;
    /** The largest D and Dv the kernels take. */
    static final int MAX_HEAD_DIM = 256;

    /**
     * One instantiation of attention.cu's JD_ATTENTION: {@code lanes} threads per row, each owning
     * {@code dimsPerLane} dims; {@code exact} variants need D = Dv = lanes·dimsPerLane, the generic
     * one takes any D, Dv up to that.
     */
    enum Variant {
        D16("d16", 4, 4, true), D32("d32", 8, 4, true), D64("d64", 8, 8, true), D128("d128", 8, 16, true), ANY("any", 16, 16, false);

        final String stem;
        final int lanes, dimsPerLane;
        final boolean exact;

        Variant(String stem, int lanes, int dimsPerLane, boolean exact) {
            this.stem = stem;
            this.lanes = lanes;
            this.dimsPerLane = dimsPerLane;
            this.exact = exact;
        }

        int headDim() { return lanes * dimsPerLane; }

        /** Query (or key) rows one block owns. */
        int rowsPerBlock() { return THREADS / lanes; }

        /** The kernel for head dims (d, dv): the exact variant when D = Dv matches one, else the generic one. */
        static Variant of(String op, int d, int dv) {
            for (Variant v : values()) if (v.exact && d == v.headDim() && dv == v.headDim()) return v;
            if (Math.max(d, dv) > MAX_HEAD_DIM)
                throw new IllegalArgumentException("cuda " + op + ": head dims D = " + d + ", Dv = " + dv + " exceed the kernels' limit of "
                        + MAX_HEAD_DIM + " (specialised for D = Dv in {16, 32, 64, 128}, generic up to " + MAX_HEAD_DIM + ")");
            return ANY;
        }
    }

    /** Blocks numbered tile-fastest over (B·H, ceil(rows / perBlock)); one block of {@link #THREADS}. */
    static LaunchConfig grid(String op, int rows, int perBlock, int bh) {
        long blocks = ((long) rows + perBlock - 1) / perBlock * bh;
        if (blocks > Integer.MAX_VALUE)
            throw new IllegalArgumentException("cuda " + op + ": " + bh + " heads of " + rows + " rows need " + blocks
                    + " blocks, more than a grid holds (" + Integer.MAX_VALUE + ")");
        return new LaunchConfig((int) Math.max(1, blocks), 1, THREADS);
    }

    /** AttnView: the b, h, t, d element strides (d = 0 for the 3-d lse; all 0 for an absent mask). */
    static int[] view(Tensor t) {
        if (t == null) return new int[4];
        return new int[]{t.stride(0), t.stride(1), t.stride(2), t.dim() > 3 ? t.stride(3) : 0};
    }

    /** AttnDims: H, Tq, Tk, D, Dv. */
    private static int[] dims(Tensor q, Tensor k, Tensor v) { return new int[]{q.size(1), q.size(2), k.size(2), q.size(3), v.size(3)}; }

    static void forward(CudaContext c, Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse) {
        Variant var = Variant.of("attention", q.size(3), v.size(3));
        int bh = q.size(0) * q.size(1), tq = q.size(2);
        if (bh == 0 || tq == 0) return;
        c.launch("attention", "attention_fwd_" + var.stem + "_" + sfx(q.dtype()), grid("attention", tq, var.rowsPerBlock(), bh),
                dims(q, k, v), scale, ptr(q), view(q), ptr(k), view(k), ptr(v), view(v), ptr(mask), view(mask), ptr(out), view(out),
                ptr(lse), view(lse));
    }

    static void backward(CudaContext c, Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                         Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV) {
        String op = "attentionBackward";
        Variant var = Variant.of(op, q.size(3), v.size(3));
        int bh = q.size(0) * q.size(1), tq = q.size(2), tk = k.size(2);
        if (bh == 0) return;
        String s = var.stem + "_" + sfx(q.dtype());
        int[] dims = dims(q, k, v);
        int rows = bh * tq;
        CudaStorage rowdot = rows == 0 ? null : new CudaStorage(c, q.dtype(), rows);
        long rowdotPtr = rowdot == null ? 0L : rowdot.address();
        if (rows > 0) {
            c.launch(op, KernelFamily.ATTENTION_BWD_ROWDOT.of(q.dtype()), grid(op, rows, THREADS / LaunchConfig.WARP, 1), dims, rows,
                    ptr(dOut), view(dOut), ptr(out), view(out), rowdotPtr);
            c.launch(op, "attention_bwd_dq_" + s, grid(op, tq, var.rowsPerBlock(), bh), dims, scale, ptr(q), view(q), ptr(k), view(k),
                    ptr(v), view(v), ptr(mask), view(mask), ptr(dOut), view(dOut), ptr(lse), view(lse), rowdotPtr, ptr(dQ), view(dQ));
        }
        if (tk > 0)
            c.launch(op, "attention_bwd_dkdv_" + s, grid(op, tk, var.rowsPerBlock(), bh), dims, scale, ptr(q), view(q), ptr(k), view(k),
                    ptr(v), view(v), ptr(mask), view(mask), ptr(dOut), view(dOut), ptr(lse), view(lse), rowdotPtr, ptr(dK), view(dK),
                    ptr(dV), view(dV));
        if (rowdot != null) rowdot.release();  // back to this stream's cache, reused only by later work on it
    }
}
