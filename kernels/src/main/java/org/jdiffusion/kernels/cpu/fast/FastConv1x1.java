package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;

/**
 * Float32 1×1 convolution, stride 1, no padding, one group, as batched GEMM straight on the NCHW
 * memory (no im2col, no planes, no copies of x or dY): with P = H·W pixels, X_n = x[n] as [C, P],
 * Y_n = y[n] as [O, P] and W = w as [O, C],
 * <pre>
 *   Y_n  = W · X_n (+ bias)       M = O, N = P, K = C
 *   dX_n = Wᵀ · dY_n              M = C, N = P, K = O
 *   dW   = Σ_n dY_n · X_nᵀ        M = O, N = C, K = Σ_n P   (X_nᵀ read through its strides)
 * </pre>
 * on {@link VectorGemm}. Applies when every image tensor has its pixels contiguous (W-stride 1 and
 * H-stride W); {@link #applies} says when. FLOPs 2·N·O·C·P each; bytes moved 4·(x + w + y) plus the
 * GEMM's packing. Forward and dX: one serial GEMM per image over the pool when the images are small,
 * else one parallel GEMM per image. dW: the flat K range (image, pixel) cut into a fixed number of
 * contiguous chunks (one per thread), each summed into its own partial [O, C], the partials then
 * added in chunk order: bit-identical call to call for a thread count.
 */
public final class FastConv1x1 {
    private FastConv1x1() {}

    /** Per-image work (M·N·K) up to which images are spread over tasks, one serial GEMM each. */
    private static final long SMALL = 1L << 21;
    /** Least K per dW chunk: below it, fewer chunks (a partial costs O·C floats to add up). */
    private static final int MIN_CHUNK_K = 256;

    /** Whether the GEMM form applies: a 1×1 kernel, stride 1, no padding, one group, pixels contiguous. */
    static boolean applies(Conv2dParams p, int kh, int kw, Tensor... images) {
        if (kh != 1 || kw != 1 || p.strideH() != 1 || p.strideW() != 1 || p.padH() != 0 || p.padW() != 0 || p.groups() != 1)
            return false;
        for (Tensor t : images) if (!pixelsContiguous(t)) return false;
        return true;
    }

    /** Pixel (h, w) of every [n, c] plane at h·W + w from the plane's start. */
    private static boolean pixelsContiguous(Tensor t) {
        return (t.stride(3) == 1 || t.size(3) == 1) && (t.stride(2) == t.size(3) || t.size(2) == 1);
    }

    /** y = conv(x, w) + bias; x [N, C, H, W], w [O, C, 1, 1], bias [O] or null, y [N, O, H, W]. */
    public static void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        int n = x.size(0), c = x.size(1), o = w.size(0), pix = x.size(2) * x.size(3);
        float[] xs = data(x), ws = data(w), ys = data(y), bs = bias == null ? null : data(bias);
        int[] sx = x.strides(), sy = y.strides();
        perImage(n, (long) o * pix * c, (img, parallel) -> {
            int yb = y.offset() + img * sy[0];
            if (bs != null)
                for (int oi = 0; oi < o; oi++)
                    java.util.Arrays.fill(ys, yb + oi * sy[1], yb + oi * sy[1] + pix, bs[bias.offset() + oi * bias.stride(0)]);
            gemm(parallel, o, pix, c, ws, w.offset(), w.stride(0), w.stride(1), xs, x.offset() + img * sx[0], sx[1], 1,
                    ys, yb, sy[1], bs != null);
        });
    }

    /** dX = Wᵀ · dY per image; dY [N, O, H, W], w [O, C, 1, 1], dX [N, C, H, W]. */
    public static void backwardInput(Tensor dY, Tensor w, Tensor dX) {
        int n = dX.size(0), c = dX.size(1), o = w.size(0), pix = dX.size(2) * dX.size(3);
        float[] dys = data(dY), ws = data(w), dxs = data(dX);
        int[] sdy = dY.strides(), sdx = dX.strides();
        perImage(n, (long) c * pix * o, (img, parallel) ->
                gemm(parallel, c, pix, o, ws, w.offset(), w.stride(1), w.stride(0), dys, dY.offset() + img * sdy[0], sdy[1], 1,
                        dxs, dX.offset() + img * sdx[0], sdx[1], false));
    }

    /** dW = Σ_n dY_n · X_nᵀ; dY [N, O, H, W], x [N, C, H, W], dW [O, C, 1, 1]. */
    public static void backwardWeight(Tensor dY, Tensor x, Tensor dW) {
        int n = x.size(0), c = x.size(1), o = dY.size(1), pix = x.size(2) * x.size(3), part = o * c;
        long total = (long) n * pix;
        int chunks = (int) Math.max(1, Math.min(CpuParallel.threads(), total / MIN_CHUNK_K));
        float[] xs = data(x), dys = data(dY);
        int[] sx = x.strides(), sdy = dY.strides();
        float[] partial = Scratch.get(Scratch.Slot.CONV_DW, chunks * part);
        CpuParallel.forRange(chunks, 1, (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                // chunk ch: the flat pixels [k0, k1) of the batch, k = img·P + q, image by image
                long k0 = total * ch / chunks, k1 = total * (ch + 1) / chunks;
                boolean first = true;
                for (long k = k0; k < k1; ) {
                    int img = (int) (k / pix), q0 = (int) (k % pix), q1 = (int) Math.min(pix, k1 - (long) img * pix);
                    VectorGemm.sgemmSerial(o, c, q1 - q0, dys, dY.offset() + img * sdy[0] + q0, sdy[1], 1,
                            xs, x.offset() + img * sx[0] + q0, 1, sx[1], partial, ch * part, c, !first);
                    first = false;
                    k = (long) img * pix + q1;
                }
                if (first) java.util.Arrays.fill(partial, ch * part, (ch + 1) * part, 0f);
            }
        });
        float[] dws = data(dW);
        int[] sw = dW.strides();
        for (int oi = 0; oi < o; oi++)
            for (int ci = 0; ci < c; ci++) {
                float s = partial[oi * c + ci];
                for (int ch = 1; ch < chunks; ch++) s += partial[ch * part + oi * c + ci];
                dws[dW.offset() + oi * sw[0] + ci * sw[1]] = s;
            }
    }

    private interface ImageTask { void run(int img, boolean parallel); }

    /**
     * Runs task(img) for every image: small images one task each over the pool (serial GEMMs),
     * large ones (or a single image) one after another, each GEMM parallel inside.
     */
    private static void perImage(int n, long work, ImageTask task) {
        if (n > 1 && work <= SMALL) {
            CpuParallel.forRange(n, (int) Math.max(1, SMALL / 8 / Math.max(1, work)), (lo, hi) -> {
                for (int i = lo; i < hi; i++) task.run(i, false);
            });
        } else {
            for (int i = 0; i < n; i++) task.run(i, true);
        }
    }

    private static void gemm(boolean parallel, int m, int n, int k, float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        if (parallel) VectorGemm.sgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
        else VectorGemm.sgemmSerial(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
    }
}
