package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * Batched float32 matrix product out[b] = a[b] · bm[b] on {@link VectorGemm}.
 * Shapes: a [B, M, K], bm [B, K, N], out [B, M, N]; a and bm with any strides (transposed views and
 * stride-0 broadcast batches included), out with unit column stride (else through a contiguous
 * temporary). FLOPs 2·B·M·N·K; bytes moved 4·B·(M·K + K·N + M·N) plus packing.
 * Three schedules: a broadcast bm whose a and out batches are consecutive rows is one GEMM of B·M
 * rows (linear layers); many small products run one per task over the pool; large ones run one
 * after another, each parallel inside.
 */
public final class FastMatmul {
    private FastMatmul() {}

    /** Per-product work (M·N·K) up to which a batch is spread over tasks, one serial GEMM each. */
    private static final long SMALL = 1L << 21;

    public static void matmul(Tensor a, Tensor b, Tensor out) {
        int nb = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        if (nb == 0 || m == 0 || n == 0) return;
        if (out.stride(2) != 1 && n > 1) {
            Tensor tmp = Tensor.zeros(out.dtype(), out.device(), out.shape());
            matmul(a, b, tmp);
            out.copyFrom(tmp);
            return;
        }
        float[] as = data(a), bs = data(b), os = data(out);
        int[] sa = a.strides(), sb = b.strides(), so = out.strides();
        int ldc = n == 1 ? Math.max(1, so[1]) : so[1];
        if (nb > 1 && sb[0] == 0 && sa[0] == m * sa[1] && so[0] == m * ldc) {
            VectorGemm.sgemm(nb * m, n, k, as, a.offset(), sa[1], sa[2], bs, b.offset(), sb[1], sb[2], os, out.offset(), ldc, false);
            return;
        }
        if (nb > 1 && (long) m * n * k <= SMALL) {
            CpuParallel.forRange(nb, (int) Math.max(1, SMALL / 8 / ((long) m * n * Math.max(k, 1))), (lo, hi) -> {
                for (int i = lo; i < hi; i++)
                    VectorGemm.sgemmSerial(m, n, k, as, a.offset() + i * sa[0], sa[1], sa[2], bs, b.offset() + i * sb[0], sb[1], sb[2],
                            os, out.offset() + i * so[0], ldc, false);
            });
            return;
        }
        for (int i = 0; i < nb; i++)
            VectorGemm.sgemm(m, n, k, as, a.offset() + i * sa[0], sa[1], sa[2], bs, b.offset() + i * sb[0], sb[1], sb[2],
                    os, out.offset() + i * so[0], ldc, false);
    }

    static float[] data(Tensor t) { return ((HostStorage.F32) t.storage()).data(); }
}
