package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.jdiffusion.tensor.Conv2dParams;

import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.NR;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * The implicit-GEMM view of a convolution's input: every receptive-field row of im2col becomes a
 * shifted window of one flat plane, so no im2col matrix is ever stored.
 *
 * <p>One image and group of x [Cg, H, W] is padded to [Cg, Hp, Wp] (Hp = H + 2·pH) and, for stride
 * s > 1, split into s_H·s_W phase planes [Cg, sH, sW, Hq, Wq] with Hq = ⌈Hp/sH⌉, Wq = ⌈Wp/sW⌉:
 * phase (a, b) holds the padded pixels (y·sH + a, x·sW + b). Output pixel (oh, ow) gets the flat
 * index q' = oh·Wq + ow, so with N' = (Ho − 1)·Wq + Wo columns (the Wq − Wo per row past Wo are
 * discarded), tap r = (c, i, j) with i·dH = sH·i2 + a, j·dW = sW·j2 + b reads
 * <pre>
 *   col[r, q'] = planes[koff[r] + q'],   koff[r] = c·sH·sW·Hq·Wq + (a·sW + b)·Hq·Wq + i2·Wq + j2
 * </pre>
 * and never leaves its plane for a kept column. With no padding and stride 1 over a row-contiguous
 * x the planes are x itself ({@link #direct}): nothing is copied. Building the planes moves one
 * padded copy of the input (≈ 4·Cg·Hp·Wp bytes per image and group).
 */
final class ConvPlanes {
    final int cg, h, w, kh, kw, ho, wo;
    final Conv2dParams p;
    /** Phase-plane height and width, plane size, floats per channel. */
    final int hq, wq, plane, chan;
    /** Columns of the implicit col matrix: N' = (Ho − 1)·Wq + Wo. */
    final int cols;
    /** Offsets of the Cg·kH·kW taps into the planes (relative to the image-and-group base). */
    final int[] koff;
    /** Whether x itself serves as the planes (its rows contiguous, no padding, stride 1). */
    final boolean direct;

    /** The planes of x (strides sx); {@code mayReadInPlace}: whether x itself may serve as the planes. */
    ConvPlanes(int cg, int h, int w, int kh, int kw, int ho, int wo, Conv2dParams p, int[] sx, boolean mayReadInPlace) {
        this(cg, h, w, kh, kw, ho, wo, p, sx, mayReadInPlace, 0, 0);
    }

    /**
     * The same with phase planes at least minHq × minWq: the rows and columns past the padded input
     * are zero (extra padding at the bottom and right only, for {@link FastConvBackward}'s phases).
     */
    ConvPlanes(int cg, int h, int w, int kh, int kw, int ho, int wo, Conv2dParams p, int[] sx, boolean mayReadInPlace,
               int minHq, int minWq) {
        this.cg = cg; this.h = h; this.w = w; this.kh = kh; this.kw = kw; this.ho = ho; this.wo = wo; this.p = p;
        this.direct = mayReadInPlace && p.padH() == 0 && p.padW() == 0 && p.strideH() == 1 && p.strideW() == 1
                && sx[3] == 1 && (sx[2] == w || h == 1) && minHq <= h && minWq <= w;
        int sh = p.strideH(), sw = p.strideW();
        if (direct) {
            hq = h; wq = w; plane = h * w; chan = sx[1];
        } else {
            hq = Math.max(minHq, (h + 2 * p.padH() + sh - 1) / sh);
            wq = Math.max(minWq, (w + 2 * p.padW() + sw - 1) / sw);
            plane = hq * wq;
            chan = sh * sw * plane;
        }
        cols = (ho - 1) * wq + wo;
        koff = new int[cg * kh * kw];
        for (int c = 0, r = 0; c < cg; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++, r++) {
                    int yi = i * p.dilH(), xj = j * p.dilW();
                    koff[r] = c * chan + ((yi % sh) * sw + xj % sw) * plane + (yi / sh) * wq + xj / sw;
                }
    }

    /**
     * Tap offsets when the planes of {@code images} images are interleaved (phase plane k of image
     * i at (k·images + i)·plane): the same taps, every plane stride scaled by {@code images}.
     */
    int[] interleavedOffsets(int images) {
        int sh = p.strideH(), sw = p.strideW();
        int[] r = new int[koff.length];
        for (int c = 0, k = 0; c < cg; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++, k++) {
                    int yi = i * p.dilH(), xj = j * p.dilW();
                    r[k] = ((c * sh + yi % sh) * sw + xj % sw) * plane * images + (yi / sh) * wq + xj / sw;
                }
        return r;
    }

    /** Floats of the planes buffer of one image and group (0 when direct). */
    int size() { return direct ? 0 : cg * chan; }

    /**
     * Writes the planes of the image and group whose channel 0 starts at xs[xBase] (strides sx) into
     * buf from bufOff on, one phase plane every {@code planeStride} floats ({@link #plane} for this
     * image alone, more when the planes of several images are interleaved); every element of the
     * planes is written.
     */
    void build(float[] xs, int xBase, int[] sx, float[] buf, int bufOff, int planeStride) {
        int sh = p.strideH(), sw = p.strideW(), ph = p.padH(), pw = p.padW();
        for (int c = 0; c < cg; c++)
            for (int a = 0; a < sh; a++)
                for (int b = 0; b < sw; b++) {
                    int dst = bufOff + ((c * sh + a) * sw + b) * planeStride;
                    for (int y2 = 0; y2 < hq; y2++, dst += wq) {
                        int y = y2 * sh + a - ph;
                        if (y < 0 || y >= h) { java.util.Arrays.fill(buf, dst, dst + wq, 0f); continue; }
                        int src = xBase + c * sx[1] + y * sx[2];
                        if (sw == 1 && sx[3] == 1) {
                            // [pw zeros | the row | zeros to Wq]
                            java.util.Arrays.fill(buf, dst, dst + pw, 0f);
                            System.arraycopy(xs, src, buf, dst + pw, w);
                            java.util.Arrays.fill(buf, dst + pw + w, dst + wq, 0f);
                        } else {
                            // x2 in [lo, hi) reads column x2·sw + b − pw of the row, the rest is padding
                            int lo = Math.min(wq, Math.max(0, Math.floorDiv(pw - b + sw - 1, sw)));
                            int hi = Math.max(lo, Math.min(wq, Math.floorDiv(w - 1 + pw - b, sw) + 1));
                            java.util.Arrays.fill(buf, dst, dst + lo, 0f);
                            for (int x2 = lo, p2 = src + (lo * sw + b - pw) * sx[3], st = sw * sx[3]; x2 < hi; x2++, p2 += st) buf[dst + x2] = xs[p2];
                            java.util.Arrays.fill(buf, dst + hi, dst + wq, 0f);
                        }
                    }
                }
    }

    /**
     * B̃ ← col[p0:p0+kc, j0:j0+nc] packed as GEMM panels (columns past {@link #cols} zero), reading
     * the planes at src[base + koff[r] + q'].
     */
    void packB(float[] src, int base, int p0, int kc, int j0, int nc, float[] bp) {
        for (int jp = 0; jp < nc; jp += NR) {
            int d = (jp / NR) * NR * kc, q = j0 + jp, valid = Math.min(NR, cols - q);
            if (valid == NR) {
                for (int r = p0; r < p0 + kc; r++, d += NR) {
                    int s = base + koff[r] + q;
                    FloatVector.fromArray(S, src, s).intoArray(bp, d);
                    FloatVector.fromArray(S, src, s + L).intoArray(bp, d + L);
                }
            } else {
                VectorMask<Float> m0 = S.indexInRange(0, valid), m1 = S.indexInRange(L, valid);
                for (int r = p0; r < p0 + kc; r++, d += NR) {
                    int s = base + koff[r] + q;
                    FloatVector.fromArray(S, src, s, m0).intoArray(bp, d);
                    FloatVector.fromArray(S, src, s + L, m1).intoArray(bp, d + L);
                }
            }
        }
    }
}
