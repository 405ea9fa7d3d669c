package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * Reference batched matrix product out[b] = a[b] · bm[b].
 * Shapes: a [B, M, K], bm [B, K, N], out [B, M, N]; any strides, including transposed views and
 * stride-0 (broadcast) dims. FLOPs: 2·B·M·N·K. Bytes moved: B·(M·K + K·N + M·N) elements, plus one
 * packed copy of bm[b] per thread that works on batch b.
 * The work is split into (batch, block of up to MB rows of a) tasks. A thread packs bm[b] into a
 * {@link RowBlock} once for its consecutive tasks of one batch, accumulates its rows of out in a
 * second row block and writes them through out's strides, so every output element is written once.
 */
final class CpuMatmul {
    private CpuMatmul() {}

    /** Most rows of a per task. */
    static final int MB = 32;

    static void matmul(Tensor a, Tensor b, Tensor out) {
        int nb = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        if (nb == 0 || m == 0 || n == 0) return;
        HostStorage as = (HostStorage) a.storage(), bs = (HostStorage) b.storage(), os = (HostStorage) out.storage();
        int[] sa = a.strides(), sb = b.strides(), so = out.strides();
        // rows per task: MB, or fewer (down to 8) when that is what it takes to give every thread work
        int mb = Math.min(m, Math.max(8, Math.min(MB, Math.ceilDiv(m * nb, 4 * CpuParallel.threads()))));
        int rowBlocks = (m + mb - 1) / mb;
        int grain = (int) Math.max(1, (1L << 16) / ((long) mb * Math.max(k, 1) * n));
        CpuParallel.forRange(nb * rowBlocks, grain, (lo, hi) -> {
            RowBlock bPacked = RowBlock.allocate(b.dtype(), k, n), acc = RowBlock.allocate(out.dtype(), mb, n);
            int packedOffset = -1;
            for (int t = lo; t < hi; t++) {
                int batch = t / rowBlocks, i0 = (t % rowBlocks) * mb, rows = Math.min(mb, m - i0);
                int bOff = b.offset() + batch * sb[0];
                if (bOff != packedOffset) {   // a new batch (a stride-0 batch dim keeps the same one)
                    bPacked.load(k, 1, n, bs, bOff, sb[1], 0, sb[2]);
                    packedOffset = bOff;
                }
                acc.zero(rows);
                acc.addProduct(rows, n, k, as, a.offset() + batch * sa[0] + i0 * sa[1], sa[1], sa[2], bPacked);
                acc.store(rows, 1, n, os, out.offset() + batch * so[0] + i0 * so[1], so[1], 0, so[2]);
            }
        });
    }
}
