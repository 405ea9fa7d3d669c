package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;

/**
 * Launches gemm.cu: out[z] = a[z] · b[z] (+ bias over rows) for a [B, M, K], b [B, K, N], out
 * [B, M, N] with any strides (transposed views, stride-0 broadcast batches). Float32 runs the
 * version of its {@link MatmulMode}, float64 the naive kernel. 16-byte loads are asked for when an
 * operand's fast dim is contiguous and its pointer and other strides keep 16-byte alignment.
 */
final class CudaMatmul {
    private CudaMatmul() {}

    /** Flags of MatmulGeom (gemm.cu). */
    static final int A_VEC = 1, B_VEC = 2;

    static void matmul(CudaContext c, Tensor a, Tensor b, Tensor out, MatmulMode mode) {
        run(c, "matmul", a, b, null, out, version(out.dtype(), mode));
    }

    /** The kernel version for a dtype and mode: naive for float64, the mode's for float32. */
    static GemmVersion version(DType dt, MatmulMode mode) { return dt == DType.FLOAT64 ? GemmVersion.NAIVE : mode.kernel(); }

    /**
     * Runs one version (naive, simt, tf32, bf16; the last three float32 only) on 3-d views;
     * bias [M] or null is added to every row m.
     */
    static void run(CudaContext c, String op, Tensor a, Tensor b, Tensor bias, Tensor out, GemmVersion version) {
        int nb = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        if (nb == 0 || m == 0 || n == 0) return;
        boolean naive = !version.tiled();
        if (!naive && out.dtype() != DType.FLOAT32)
            throw new IllegalArgumentException(op + ": the " + version + " GEMM takes float32, got " + out.dtype());
        int[] sa = a.strides(), sb = b.strides(), so = out.strides();
        int flags = 0;
        if (!naive && (m == 1 || sa[1] == 1) && aligned(ptr(a), nb > 1 ? sa[0] : 0, k > 1 ? sa[2] : 0)) flags |= A_VEC;
        if (!naive && (n == 1 || sb[2] == 1) && aligned(ptr(b), nb > 1 ? sb[0] : 0, k > 1 ? sb[1] : 0)) flags |= B_VEC;
        int[] geom = {m, n, k, nb, sa[0], m == 1 ? 1 : sa[1], sa[2], sb[0], sb[1], n == 1 ? 1 : sb[2], so[0], so[1], so[2],
                bias == null ? 0 : bias.stride(0), flags};
        String kernel = "gemm_" + version.stem + (naive ? "" : GemmPlan.tileSuffix(m)) + "_" + CudaOps.sfx(out.dtype());
        LaunchConfig cfg = naive ? GemmPlan.naive((long) m * n, nb, c.multiprocessors()) : GemmPlan.tiled(m, n, nb);
        c.launch(op, kernel, cfg, geom, ptr(a), ptr(b), ptr(out), ptr(bias));
    }

    /** A 16-byte aligned float32 pointer whose other strides keep every 4-element group aligned. */
    static boolean aligned(long address, int stride1, int stride2) {
        return address % 16 == 0 && stride1 % 4 == 0 && stride2 % 4 == 0;
    }
}
