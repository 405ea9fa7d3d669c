package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.GemmKernel.MR;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.NR;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.roundUp;

/**
 * Float32 conv2d forward as an implicit GEMM per image and group:
 * <pre>
 *   y[n, o, q] = bias[o] + Σ_r w[o, r] · col_n[r, q]        o < Og, r < R = Cg·kH·kW, q < Ho·Wo
 * </pre>
 * with the weight [Og, R] packed once into GEMM panels for all images, and col_n never stored: its
 * panels are copied straight from the padded (phase-split for stride > 1) input planes of
 * {@link ConvPlanes}. Any stride, padding, dilation and groups; 1×1 stride-1 unpadded ungrouped
 * convolutions over images with contiguous pixels go to {@link FastConv1x1} (batched GEMM in place). The same engine runs conv2dBackwardInput for stride 1 (a convolution of dY
 * with the flipped, transposed weight, see {@link FastConvBackward}).
 * FLOPs 2·N·O·R·Ho·Wo; bytes moved 4·(x + w + y) plus one padded copy of x (built per task, in cache)
 * and N'/(Ho·Wo) − 1 extra columns computed and dropped (2/W for 3×3 stride 1, pad 1).
 * Tasks: (image, group, slice of output columns) over the pool; each writes only its own outputs.
 */
public final class FastConv {
    private FastConv() {}

    public static void forward(Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out) {
        if (FastConv1x1.applies(p, w.size(2), w.size(3), x, out)) {
            FastConv1x1.forward(x, w, bias, out);
            return;
        }
        Tensor wc = w.contiguous();
        float[] b = bias == null ? null : FastMatmul.data(bias);
        run(x.shape(), FastMatmul.data(x), x.offset(), x.strides(), w.size(0), w.size(2), w.size(3),
                FastMatmul.data(wc), wc.offset(), p, b, bias == null ? 0 : bias.offset(), bias == null ? 0 : bias.stride(0),
                FastMatmul.data(out), out.offset(), out.strides(), out.size(2), out.size(3));
    }

    /**
     * The engine: x [N, C, H, W] (strides sx) convolved with the row-major weight [O, Cg·kH·kW] at
     * ws[wOff], plus bias (null for none), into out [N, O, Ho, Wo] (strides so).
     */
    static void run(int[] xShape, float[] xs, int xOff, int[] sx, int o, int kh, int kw,
                    float[] ws, int wOff, Conv2dParams p, float[] bs, int bOff, int bStride,
                    float[] os, int oOff, int[] so, int ho, int wo) {
        run(xShape, xs, xOff, sx, o, kh, kw, ws, wOff, p, bs, bOff, bStride, os, oOff, so, ho, wo, 0, 0);
    }

    /** The same with the input zero-padded at the bottom and right to at least minHp × minWp (stride 1). */
    static void run(int[] xShape, float[] xs, int xOff, int[] sx, int o, int kh, int kw,
                    float[] ws, int wOff, Conv2dParams p, float[] bs, int bOff, int bStride,
                    float[] os, int oOff, int[] so, int ho, int wo, int minHp, int minWp) {
        int n = xShape[0], c = xShape[1], g = p.groups(), cg = c / g, og = o / g, rr = cg * kh * kw;
        if (n == 0 || o == 0 || ho <= 0 || wo <= 0) return;
        ConvPlanes pl = new ConvPlanes(cg, xShape[2], xShape[3], kh, kw, ho, wo, p, sx, true, minHp, minWp);
        int kc = VectorGemm.blockK(rr), mPad = roundUp(og, MR);
        // the weight of every group as GEMM panels: block p0 of group grp at (grp·R + p0)·mPad
        float[] wp = Scratch.get(Scratch.Slot.CONV_WPACK, g * rr * mPad);
        for (int grp = 0; grp < g; grp++)
            for (int p0 = 0; p0 < rr; p0 += kc)
                GemmKernel.packA(ws, wOff + grp * og * rr + p0, rr, 1, og, Math.min(kc, rr - p0), wp, (grp * rr + p0) * mPad);
        // column slices: whole images when there are enough of them, else slices of N' columns
        int cols = pl.cols, panels = (cols + NR - 1) / NR;
        int slices = Math.min(panels, Math.max(1, (4 * CpuParallel.threads() + n * g - 1) / (n * g)));
        int sliceCols = (panels + slices - 1) / slices * NR;
        int tasks = n * g * ((cols + sliceCols - 1) / sliceCols), perImage = tasks / (n * g);
        long work = (long) og * rr * cols;
        CpuParallel.forRange(tasks, (int) Math.max(1, (1L << 20) / Math.max(1, work / perImage)), (lo, hi) -> {
            float[] planes = pl.direct ? xs : Scratch.get(Scratch.Slot.CONV_PLANES, pl.size());
            int built = -1;
            for (int t = lo; t < hi; t++) {
                int ng = t / perImage, img = ng / g, grp = ng % g, j0 = (t % perImage) * sliceCols;
                int xBase = xOff + img * sx[0] + grp * cg * sx[1];
                int base = pl.direct ? xBase : 0;
                if (!pl.direct && built != ng) {
                    pl.build(xs, xBase, sx, planes, 0, pl.plane);
                    built = ng;
                }
                int nc = Math.min(sliceCols, cols - j0);
                float[] cb = Scratch.get(Scratch.Slot.CONV_OUT, og * nc);
                product(pl, planes, base, wp, grp * rr * mPad, og, rr, kc, j0, nc, cb, nc);
                store(pl, cb, nc, j0, og, bs, bOff + grp * og * bStride, bStride, os, oOff + img * so[0] + grp * og * so[1], so);
            }
        });
    }

    /**
     * cb[0:og, 0:nc] = W̃ · col[:, j0:j0+nc] for one image and group: W̃ the packed weight of the
     * group (blocks of kc at wpOff + p0·mPad), col read through the planes.
     */
    static void product(ConvPlanes pl, float[] planes, int base, float[] wp, int wpOff, int og, int rr, int kc,
                        int j0, int nc, float[] cb, int ldc) {
        int mPad = roundUp(og, MR), ncBlock = Math.min(VectorGemm.NC, roundUp(nc, NR));
        float[] bp = Scratch.get(Scratch.Slot.GEMM_B, ncBlock * kc);
        for (int jb = 0; jb < nc; jb += ncBlock) {
            int ncb = Math.min(ncBlock, nc - jb);
            for (int p0 = 0; p0 < rr; p0 += kc) {
                int kcb = Math.min(kc, rr - p0);
                pl.packB(planes, base, p0, kcb, j0 + jb, ncb, bp);
                for (int i0 = 0; i0 < og; i0 += VectorGemm.MC) {
                    int mcb = Math.min(VectorGemm.MC, og - i0);
                    GemmKernel.macro(mcb, ncb, kcb, wp, wpOff + p0 * mPad + (i0 / MR) * MR * kcb, bp, 0,
                            cb, i0 * ldc + jb, ldc, p0 > 0);
                }
            }
        }
    }

    /** out[o, oh, ow] = cb[o, q' − j0] + bias[o] for the kept columns q' = oh·Wq + ow in [j0, j0 + nc). */
    private static void store(ConvPlanes pl, float[] cb, int ldc, int j0, int og, float[] bs, int bOff, int bStride,
                              float[] os, int outBase, int[] so) {
        int wq = pl.wq, j1 = j0 + ldc;
        for (int o = 0; o < og; o++) {
            float b0 = bs == null ? 0f : bs[bOff + o * bStride];
            int ob = outBase + o * so[1], cbRow = o * ldc - j0;
            for (int oh = j0 / wq; oh * wq < j1 && oh < pl.ho; oh++) {
                int q0 = Math.max(j0, oh * wq), q1 = Math.min(j1, oh * wq + pl.wo);
                int dst = ob + oh * so[2] + (q0 - oh * wq) * so[3];
                if (so[3] == 1) for (int q = q0; q < q1; q++, dst++) os[dst] = cb[cbRow + q] + b0;
                else for (int q = q0; q < q1; q++, dst += so[3]) os[dst] = cb[cbRow + q] + b0;
            }
        }
    }
}
