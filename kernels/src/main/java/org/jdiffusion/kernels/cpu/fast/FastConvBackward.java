package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Float32 gradients of conv2d. Shapes as in {@link FastConv}: x, dX [N, C, H, W]; w, dW [O, Cg, kH, kW];
 * dY [N, O, Ho, Wo]; R = Cg·kH·kW; col_n the implicit im2col of {@link ConvPlanes}.
 * 1×1 stride-1 unpadded ungrouped convolutions over images with contiguous pixels: {@link FastConv1x1}.
 * <pre>
 *   dX = convᵀ(dY, w)    stride 1, pH ≤ dH·(kH−1): the forward engine on dY (padding dH·(kH−1) − pH)
 *                        with w'[c, o, i, j] = w[o, c, kH−1−i, kW−1−j];
 *                        stride > 1: one such stride-1 convolution per phase of dX ({@link ConvInputPhases})
 *                        otherwise (a phase would need negative padding) per image dcol = wᵀ·dY_n by
 *                        GEMM, then col2im (a scatter-add)
 *   dW[o, r] = Σ_n Σ_q' dYq_n[o, q'] · col_n[r, q']     with dYq_n dY_n in the planes' column layout
 *                        (0 in the dropped columns), as dot products along q' in 4×3 register tiles,
 *                        each tile summed over a group of images (as many as fit in ≈ 512 KiB)
 *                        before its lanes are reduced
 * </pre>
 * FLOPs 2·N·O·R·Ho·Wo each. dW: images split into one contiguous chunk per thread, each summing into
 * its own partial [O, R], the partials then added in chunk order (deterministic for a thread count).
 */
public final class FastConvBackward {
    private FastConvBackward() {}

    // ---- dX ---------------------------------------------------------------------------------------

    public static void backwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) {
        int o = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3), g = p.groups(), og = o / g, c = dX.size(1);
        if (FastConv1x1.applies(p, kh, kw, dY, dX)) {
            FastConv1x1.backwardInput(dY, w, dX);
        } else if (p.strideH() == 1 && p.strideW() == 1 && p.padH() <= p.dilH() * (kh - 1) && p.padW() <= p.dilW() * (kw - 1)) {
            // w'[grp·Cg + ci, (oi, i, j)] = w[grp·Og + oi, ci, kH−1−i, kW−1−j]: row-major [C, Og·kH·kW]
            float[] ws = data(w), wt = Scratch.get(Scratch.Slot.CONV_WEIGHT, c * og * kh * kw);
            int[] sw = w.strides();
            for (int grp = 0; grp < g; grp++)
                for (int ci = 0; ci < cg; ci++)
                    for (int oi = 0, d = (grp * cg + ci) * og * kh * kw; oi < og; oi++)
                        for (int i = 0; i < kh; i++)
                            for (int j = 0; j < kw; j++, d++)
                                wt[d] = ws[w.offset() + (grp * og + oi) * sw[0] + ci * sw[1] + (kh - 1 - i) * sw[2] + (kw - 1 - j) * sw[3]];
            Conv2dParams q = new Conv2dParams(1, 1, p.dilH() * (kh - 1) - p.padH(), p.dilW() * (kw - 1) - p.padW(),
                    p.dilH(), p.dilW(), g);
            FastConv.run(dY.shape(), data(dY), dY.offset(), dY.strides(), c, kh, kw, wt, 0, q, null, 0, 0,
                    data(dX), dX.offset(), dX.strides(), dX.size(2), dX.size(3));
        } else if (ConvInputPhases.applies(p, kh, kw)) {
            ConvInputPhases.backwardInput(dY, w, p, dX);
        } else {
            gemmCol2im(dY, w, p, dX);
        }
    }

    /** dX_n = col2im(w_gᵀ · dY_n) per image and group, one task each; dcol [R, Ho·Wo] in scratch. */
    private static void gemmCol2im(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) {
        Tensor dyc = dY.stride(3) == 1 && dY.stride(2) == dY.size(3) ? dY : dY.contiguous();
        Tensor wc = w.contiguous();
        int n = dX.size(0), h = dX.size(2), wd = dX.size(3), o = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3);
        int g = p.groups(), og = o / g, rr = cg * kh * kw, ho = dY.size(2), wo = dY.size(3), pix = ho * wo;
        float[] dys = data(dyc), ws = data(wc), dxs = data(dX);
        int[] sdy = dyc.strides(), sdx = dX.strides();
        CpuParallel.forRange(n * g, 1, (lo, hi) -> {
            float[] dcol = Scratch.get(Scratch.Slot.CONV_COL, rr * pix);
            for (int t = lo; t < hi; t++) {
                int img = t / g, grp = t % g;
                VectorGemm.sgemmSerial(rr, pix, og, ws, wc.offset() + grp * og * rr, 1, rr,
                        dys, dyc.offset() + img * sdy[0] + grp * og * sdy[1], sdy[1], 1, dcol, 0, pix, false);
                int xb = dX.offset() + img * sdx[0] + grp * cg * sdx[1];
                for (int ci = 0; ci < cg; ci++)
                    for (int y = 0; y < h; y++)
                        for (int x = 0, d = xb + ci * sdx[1] + y * sdx[2]; x < wd; x++, d += sdx[3]) dxs[d] = 0f;
                for (int ci = 0, r = 0; ci < cg; ci++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++, r++)
                            for (int oh = 0; oh < ho; oh++) {
                                int ih = oh * p.strideH() - p.padH() + i * p.dilH();
                                if (ih < 0 || ih >= h) continue;
                                int row = xb + ci * sdx[1] + ih * sdx[2], src = r * pix + oh * wo;
                                for (int ow = 0; ow < wo; ow++) {
                                    int iw = ow * p.strideW() - p.padW() + j * p.dilW();
                                    if (iw >= 0 && iw < wd) dxs[row + iw * sdx[3]] += dcol[src + ow];
                                }
                            }
            }
        });
    }

    // ---- dW ---------------------------------------------------------------------------------------

    /** Floats of planes and dY gathered per group of images in the weight gradient (≈ 512 KiB, in L2). */
    private static final int GROUP_FLOATS = 1 << 17;

    public static void backwardWeight(Tensor dY, Tensor x, Conv2dParams p, Tensor dW) {
        int n = x.size(0), o = dW.size(0), cg = dW.size(1), kh = dW.size(2), kw = dW.size(3);
        if (FastConv1x1.applies(p, kh, kw, dY, x)) {
            FastConv1x1.backwardWeight(dY, x, dW);
            return;
        }
        int g = p.groups(), og = o / g, rr = cg * kh * kw, ho = dY.size(2), wo = dY.size(3);
        int[] sx = x.strides(), sdy = dY.strides();
        // small outputs: copy x and dY even where they could be read in place, for the padded,
        // grouped and interleaved layouts (a 7×7 1×1 conv read in place gets 3 vector steps a tile)
        boolean small = (ho - 1) * x.size(3) + wo < 8 * L;
        ConvPlanes pl = new ConvPlanes(cg, x.size(2), x.size(3), kh, kw, ho, wo, p, sx, !small);
        boolean dyDirect = !small && pl.wq == wo && sdy[3] == 1 && (sdy[2] == wo || ho == 1);
        // with both operands copied, dY's rows are zero-padded to whole vectors and the planes get a
        // zeroed guard, so the tiles never need a scalar tail
        boolean padded = !dyDirect && !pl.direct;
        int colsPad = padded ? GemmKernel.roundUp(pl.cols, L) : pl.cols;
        float[] xs = data(x), dys = data(dY);
        int chunks = Math.max(1, Math.min(n, CpuParallel.threads())), part = o * rr;
        float[] partial = Scratch.get(Scratch.Slot.CONV_DW, chunks * part);
        java.util.Arrays.fill(partial, 0, chunks * part, 0f);
        // small planes: several images per pass, so a tile's dot products run over all of them before
        // their lanes are summed; tiny ones (fewer than 8 vectors a row) interleaved image by image in
        // every plane, so each dot product is one unbroken run (at 7×7 a single image gives 4 steps)
        int perImage = pl.size() + og * colsPad, group = padded ? Math.max(1, Math.min(n, GROUP_FLOATS / perImage)) : 1;
        boolean interleave = padded && group > 1 && colsPad < 8 * L;
        int guard = interleave ? pl.plane + L : L;
        CpuParallel.forRange(chunks * g, 1, (lo, hi) -> {
            float[] planes = pl.direct ? xs : Scratch.get(Scratch.Slot.CONV_PLANES, group * pl.size() + guard);
            float[] dyq = dyDirect ? dys : Scratch.get(Scratch.Slot.CONV_DY, og * (group * Math.max(colsPad, pl.plane) + L));
            for (int t = lo; t < hi; t++) {
                int chunk = t / g, grp = t % g, last = (chunk + 1) * n / chunks;
                for (int img = chunk * n / chunks; img < last; img += group) {
                    int nb = Math.min(group, last - img);
                    int xBase = x.offset() + img * sx[0] + grp * cg * sx[1];
                    int dyBase = dY.offset() + img * sdy[0] + grp * og * sdy[1], pOff = chunk * part + grp * og * rr;
                    if (interleave) {
                        // planes [c, phase][image][plane], dY rows [o][image][plane] (0 past each image's cols)
                        int run = nb * pl.plane, ld = GemmKernel.roundUp(run, L);
                        for (int i = 0; i < nb; i++) pl.build(xs, xBase + i * sx[0], sx, planes, i * pl.plane, run);
                        java.util.Arrays.fill(planes, nb * pl.size(), nb * pl.size() + guard, 0f);
                        for (int i = 0; i < nb; i++)
                            gatherDy(dys, dyBase + i * sdy[0], sdy, og, ho, wo, pl.wq, pl.cols, ld, dyq, i * pl.plane, pl.plane);
                        for (int oi = 0; oi < og; oi++) java.util.Arrays.fill(dyq, oi * ld + run, (oi + 1) * ld, 0f);
                        accumulate(dyq, 0, ld, 0, og, planes, 0, 0, 1, pl.interleavedOffsets(nb), run, true, partial, pOff, rr);
                        continue;
                    }
                    int dyRs = sdy[1];
                    if (!pl.direct) {
                        for (int i = 0; i < nb; i++) pl.build(xs, xBase + i * sx[0], sx, planes, i * pl.size(), pl.plane);
                        java.util.Arrays.fill(planes, nb * pl.size(), nb * pl.size() + L, 0f);
                    }
                    if (!dyDirect) {
                        for (int i = 0; i < nb; i++)
                            gatherDy(dys, dyBase + i * sdy[0], sdy, og, ho, wo, pl.wq, pl.cols, colsPad, dyq, i * og * colsPad, colsPad);
                        dyBase = 0;
                        dyRs = colsPad;
                    }
                    accumulate(dyq, dyBase, dyRs, og * colsPad, og, planes, pl.direct ? xBase : 0, pl.size(), nb, pl.koff, pl.cols, padded,
                            partial, pOff, rr);
                }
            }
        });
        float[] dws = data(dW);
        int[] sw = dW.strides();
        for (int oi = 0; oi < o; oi++)
            for (int ci = 0, r = 0; ci < cg; ci++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++, r++) {
                        float s = 0f;
                        for (int ch = 0; ch < chunks; ch++) s += partial[ch * part + oi * rr + r];
                        dws[dW.offset() + oi * sw[0] + ci * sw[1] + i * sw[2] + j * sw[3]] = s;
                    }
    }

    /**
     * dyq[dOff + o·ld + q'] = dY[o, oh, ow] at q' = oh·Wq + ow, 0 in the dropped columns ow ≥ Wo and
     * in [cols, width).
     */
    private static void gatherDy(float[] dys, int base, int[] sdy, int og, int ho, int wo, int wq, int cols, int ld,
                                 float[] dyq, int dOff, int width) {
        for (int o = 0; o < og; o++) {
            for (int oh = 0; oh < ho; oh++) {
                int d = dOff + o * ld + oh * wq, s = base + o * sdy[1] + oh * sdy[2];
                if (sdy[3] == 1) System.arraycopy(dys, s, dyq, d, wo);
                else for (int ow = 0; ow < wo; ow++) dyq[d + ow] = dys[s + ow * sdy[3]];
                for (int ow = wo; ow < wq && oh * wq + ow < cols; ow++) dyq[d + ow] = 0f;
            }
            java.util.Arrays.fill(dyq, dOff + o * ld + cols, dOff + o * ld + width, 0f);
        }
    }

    /**
     * part[o·ldp + r] += Σ_img Σ_{q'<cols} dy[dyBase + img·dyImg + o·dyRs + q'] · planes[base + img·plImg + koff[r] + q']
     * for o < og, r < koff.length, over nImg images: 4×3 tiles of dot products, single rows and taps
     * for the remainders. When {@code padded}, dy's rows hold zeros and the planes finite values up
     * to the next multiple of L past cols, so the tiles run whole vectors only; otherwise their last
     * cols mod L columns are scalar.
     */
    public static void accumulate(float[] dy, int dyBase, int dyRs, int dyImg, int og, float[] planes, int base, int plImg, int nImg,
                                  int[] koff, int cols, boolean padded, float[] part, int pOff, int ldp) {
        int rr = koff.length, o4 = og - og % 4, r3 = rr - rr % 3;
        int vecEnd = padded ? GemmKernel.roundUp(cols, L) : cols - cols % L;
        for (int o = 0; o < o4; o += 4)
            for (int r = 0; r < r3; r += 3)
                dot4x3(dy, dyBase + o * dyRs, dyRs, dyImg, planes, base, plImg, nImg, koff, r, vecEnd, cols, part, pOff + o * ldp + r, ldp);
        for (int o = 0; o < og; o++)
            for (int r = (o < o4 ? r3 : 0); r < rr; r++)
                for (int img = 0; img < nImg; img++)
                    part[pOff + o * ldp + r] += dot(dy, dyBase + img * dyImg + o * dyRs, planes, base + img * plImg + koff[r], cols);
    }

    /**
     * The 4×3 tile: whole vectors here, the last cols mod L columns by {@link #tail4x3}. Kept to one
     * loop: C1 runs out of registers on a method with a second (masked) copy of it, and a method C1
     * cannot compile may never reach C2, where the vectors stop being objects.
     */
    private static void dot4x3(float[] dy, int dyBase, int dyRs, int dyImg, float[] pl, int base, int plImg, int nImg, int[] koff,
                               int r, int end, int cols, float[] part, int pOff, int ldp) {
        FloatVector a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;
        a00 = a01 = a02 = a10 = a11 = a12 = a20 = a21 = a22 = a30 = a31 = a32 = FloatVector.zero(S);
        for (int img = 0; img < nImg; img++) {
            int d0 = dyBase + img * dyImg, d1 = d0 + dyRs, d2 = d1 + dyRs, d3 = d2 + dyRs, pb = base + img * plImg;
            int x0 = pb + koff[r], x1 = pb + koff[r + 1], x2 = pb + koff[r + 2];
            for (int q = 0; q < end; q += L) {
                FloatVector v0 = FloatVector.fromArray(S, pl, x0 + q), v1 = FloatVector.fromArray(S, pl, x1 + q),
                        v2 = FloatVector.fromArray(S, pl, x2 + q);
                FloatVector y = FloatVector.fromArray(S, dy, d0 + q);
                a00 = y.fma(v0, a00); a01 = y.fma(v1, a01); a02 = y.fma(v2, a02);
                y = FloatVector.fromArray(S, dy, d1 + q);
                a10 = y.fma(v0, a10); a11 = y.fma(v1, a11); a12 = y.fma(v2, a12);
                y = FloatVector.fromArray(S, dy, d2 + q);
                a20 = y.fma(v0, a20); a21 = y.fma(v1, a21); a22 = y.fma(v2, a22);
                y = FloatVector.fromArray(S, dy, d3 + q);
                a30 = y.fma(v0, a30); a31 = y.fma(v1, a31); a32 = y.fma(v2, a32);
            }
            if (end < cols) tail4x3(dy, d0, dyRs, pl, x0, x1, x2, end, cols, part, pOff, ldp);
        }
        part[pOff] += VMath.sum(a00);
        part[pOff + 1] += VMath.sum(a01);
        part[pOff + 2] += VMath.sum(a02);
        part[pOff + ldp] += VMath.sum(a10);
        part[pOff + ldp + 1] += VMath.sum(a11);
        part[pOff + ldp + 2] += VMath.sum(a12);
        part[pOff + 2 * ldp] += VMath.sum(a20);
        part[pOff + 2 * ldp + 1] += VMath.sum(a21);
        part[pOff + 2 * ldp + 2] += VMath.sum(a22);
        part[pOff + 3 * ldp] += VMath.sum(a30);
        part[pOff + 3 * ldp + 1] += VMath.sum(a31);
        part[pOff + 3 * ldp + 2] += VMath.sum(a32);
    }

    /** The columns [from, cols) of a 4×3 tile, in scalars. */
    private static void tail4x3(float[] dy, int d0, int dyRs, float[] pl, int x0, int x1, int x2, int from, int cols,
                                float[] part, int pOff, int ldp) {
        for (int i = 0; i < 4; i++) {
            float s0 = 0, s1 = 0, s2 = 0;
            for (int q = from, d = d0 + i * dyRs; q < cols; q++) {
                float y = dy[d + q];
                s0 += y * pl[x0 + q];
                s1 += y * pl[x1 + q];
                s2 += y * pl[x2 + q];
            }
            part[pOff + i * ldp] += s0;
            part[pOff + i * ldp + 1] += s1;
            part[pOff + i * ldp + 2] += s2;
        }
    }

    /** Σ_{q < n} a[ai + q] · b[bi + q] with one vector accumulator pair and a masked tail. */
    static float dot(float[] a, int ai, float[] b, int bi, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        int q = 0;
        for (int end = n - 2 * L; q <= end; q += 2 * L) {
            s0 = FloatVector.fromArray(S, a, ai + q).fma(FloatVector.fromArray(S, b, bi + q), s0);
            s1 = FloatVector.fromArray(S, a, ai + q + L).fma(FloatVector.fromArray(S, b, bi + q + L), s1);
        }
        for (; q < n; q += L) {
            VectorMask<Float> m = S.indexInRange(q, n);
            s0 = FloatVector.fromArray(S, a, ai + q, m).fma(FloatVector.fromArray(S, b, bi + q, m), s0);
        }
        return VMath.sum(s0.add(s1));
    }
}
