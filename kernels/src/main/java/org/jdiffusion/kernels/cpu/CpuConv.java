package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * Reference 2-d convolution (cross-correlation, NCHW input, OIHW weight) and its two gradients,
 * computed as products of the weight with im2col matrices.
 * Shapes: x [N, C, H, W], w [O, Cg, kH, kW], y [N, O, Ho, Wo] with G groups, Cg = C/G, Og = O/G;
 * R = Cg·kH·kW indexes a receptive field r = (c·kH + i)·kW + j, P = Ho·Wo an output pixel
 * q = oh·Wo + ow, and col_n[r, q] = x[n, c, oh·sH − pH + i·dH, ow·sW − pW + j·dW] (0 in the padding),
 * each within one group:
 * <pre>
 *   y[n, o, q]    = bias[o] + Σ_r w[o, r] · col_n[r, q]
 *   dcol_n[r, q]  = Σ_o w[o, r] · dY[n, o, q],     dX[n] = col2im(dcol_n)  (scatter-add of the fields)
 *   dW[o, r]      = Σ_n Σ_q dY[n, o, q] · col_n[r, q]
 * </pre>
 * FLOPs: 2·N·O·R·P for each of the three. Bytes moved: x, w, y (or dY, dX, dW) once each, plus the
 * col scratch of R·P elements per image and group, written once and read once per task.
 * Parallel over (image, block of output channels) for the forward, (image, block of input channels)
 * for dX and blocks of output channels for dW, so no two threads write one output element. Inputs
 * are read through their strides; outputs are written through theirs (dW via a contiguous buffer).
 */
final class CpuConv {
    private CpuConv() {}

    /** The sizes of one convolution; ho, wo are taken from y (or dY). */
    private record Geometry(int n, int c, int h, int w, int o, int kh, int kw, int ho, int wo, Conv2dParams p) {
        static Geometry of(int[] xShape, int[] wShape, int ho, int wo, Conv2dParams p) {
            return new Geometry(xShape[0], xShape[1], xShape[2], xShape[3], wShape[0], wShape[2], wShape[3], ho, wo, p);
        }
        int g() { return p.groups(); }
        int cg() { return c / p.groups(); }
        int og() { return o / p.groups(); }
        int kk() { return kh * kw; }
        int fields() { return cg() * kh * kw; }
        int pixels() { return ho * wo; }
    }

    static void forward(Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out) {
        Geometry gm = Geometry.of(x.shape(), w.shape(), out.size(2), out.size(3), p);
        int g = gm.g(), og = gm.og(), rr = gm.fields(), pix = gm.pixels();
        Tensor wc = w.contiguous();   // w[o, r] at wc.offset + o·R + r
        HostStorage xs = host(x), ws = host(wc), os = host(out), bs = bias == null ? null : host(bias);
        int[] sx = x.strides(), so = out.strides();
        int ob = blockSize(og, gm.n() * g), blocks = (og + ob - 1) / ob;
        CpuParallel.forRange(gm.n() * g * blocks, 1, (lo, hi) -> {
            RowBlock col = RowBlock.allocate(x.dtype(), rr, pix), acc = RowBlock.allocate(x.dtype(), ob, pix);
            int colOf = -1;   // (image, group) whose col is in the buffer
            for (int t = lo; t < hi; t++) {
                int ng = t / blocks, n = ng / g, grp = ng % g;
                int o0 = grp * og + (t % blocks) * ob, m = Math.min(ob, (grp + 1) * og - o0);
                if (ng != colOf) {
                    im2col(gm, xs, x.offset() + n * sx[0] + grp * gm.cg() * sx[1], sx, col, false);
                    colOf = ng;
                }
                for (int i = 0; i < m; i++) {
                    double b0 = bs == null ? 0 : bs.get(bias.offset() + (o0 + i) * bias.stride(0));
                    for (int q = 0; q < pix; q++) acc.set(i, q, b0);
                }
                acc.addProduct(m, pix, rr, ws, wc.offset() + o0 * rr, rr, 1, col);
                acc.store(m, gm.ho(), gm.wo(), os, out.offset() + n * so[0] + o0 * so[1], so[1], so[2], so[3]);
            }
        });
    }

    static void backwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) {
        Geometry gm = Geometry.of(dX.shape(), w.shape(), dY.size(2), dY.size(3), p);
        int g = gm.g(), og = gm.og(), cg = gm.cg(), kk = gm.kk(), rr = gm.fields(), pix = gm.pixels();
        Tensor wc = w.contiguous();
        HostStorage dys = host(dY), ws = host(wc), dxs = host(dX);
        int[] sdy = dY.strides(), sdx = dX.strides();
        int cb = blockSize(cg, gm.n() * g), blocks = (cg + cb - 1) / cb;
        CpuParallel.forRange(gm.n() * g * blocks, 1, (lo, hi) -> {
            RowBlock dy = RowBlock.allocate(dY.dtype(), og, pix), dcol = RowBlock.allocate(dY.dtype(), cb * kk, pix);
            double[] plane = new double[gm.h() * gm.w()];
            int loaded = -1;   // (image, group) whose dY rows are in the buffer
            for (int t = lo; t < hi; t++) {
                int ng = t / blocks, n = ng / g, grp = ng % g;
                int c0 = (t % blocks) * cb, m = Math.min(cb, cg - c0);
                if (ng != loaded) {
                    dy.load(og, gm.ho(), gm.wo(), dys, dY.offset() + n * sdy[0] + grp * og * sdy[1], sdy[1], sdy[2], sdy[3]);
                    loaded = ng;
                }
                // dcol[r, q] for the fields of channels c0..c0+m: A[r, o] = w[grp·Og + o, r] (transposed weight)
                dcol.zero(m * kk);
                dcol.addProduct(m * kk, pix, og, ws, wc.offset() + grp * og * rr + c0 * kk, 1, rr, dy);
                col2im(gm, dcol, m, plane, dxs, dX.offset() + n * sdx[0] + (grp * cg + c0) * sdx[1], sdx);
            }
        });
    }

    static void backwardWeight(Tensor dY, Tensor x, Conv2dParams p, Tensor dW) {
        Geometry gm = Geometry.of(x.shape(), dW.shape(), dY.size(2), dY.size(3), p);
        int g = gm.g(), og = gm.og(), rr = gm.fields(), pix = gm.pixels();
        Tensor dyc = dY.contiguous();   // dY[n, o, q] at dyc.offset + (n·O + o)·P + q
        HostStorage dys = host(dyc), xs = host(x);
        int[] sx = x.strides();
        int ob = blockSize(og, g), blocks = (og + ob - 1) / ob;
        RowBlock[] acc = new RowBlock[g * blocks];
        for (int b = 0; b < acc.length; b++) acc[b] = RowBlock.allocate(dW.dtype(), ob, rr);
        // Images in chunks: first the chunk's transposed col matrices [P, R] in parallel over images,
        // then every block of output channels accumulates Σ_n dY_n · col_nᵀ over the chunk.
        int chunk = Math.max(1, Math.min(gm.n(), CpuParallel.threads()));
        RowBlock[] cols = new RowBlock[chunk];
        for (int i = 0; i < chunk; i++) cols[i] = RowBlock.allocate(x.dtype(), pix, rr);
        for (int n0 = 0; n0 < gm.n(); n0 += chunk) {
            int first = n0, count = Math.min(chunk, gm.n() - n0);
            for (int grp = 0; grp < g; grp++) {
                int gr = grp;
                CpuParallel.forRange(count, 1, (lo, hi) -> {
                    for (int i = lo; i < hi; i++)
                        im2col(gm, xs, x.offset() + (first + i) * sx[0] + gr * gm.cg() * sx[1], sx, cols[i], true);
                });
                CpuParallel.forRange(blocks, 1, (lo, hi) -> {
                    for (int b = lo; b < hi; b++) {
                        int o0 = gr * og + b * ob, m = Math.min(ob, (gr + 1) * og - o0);
                        for (int i = 0; i < count; i++)
                            acc[gr * blocks + b].addProduct(m, rr, pix, dys, dyc.offset() + ((first + i) * gm.o() + o0) * pix, pix, 1, cols[i]);
                    }
                });
            }
        }
        Tensor target = dW.isContiguous() ? dW : Tensor.zeros(dW.dtype(), dW.device(), dW.shape());
        for (int grp = 0; grp < g; grp++)
            for (int b = 0; b < blocks; b++) {
                int o0 = grp * og + b * ob, m = Math.min(ob, (grp + 1) * og - o0);
                acc[grp * blocks + b].store(m, 1, rr, host(target), target.offset() + o0 * rr, rr, 0, 1);
            }
        if (target != dW) CpuElementwise.copy(target, dW);
    }

    /**
     * col[r][q] (or col[q][r] when transposed) = x[n, c, ih, iw] of one image and group, whose
     * channel 0 starts at xBase; zero where (ih, iw) falls in the padding.
     */
    private static void im2col(Geometry gm, HostStorage xs, int xBase, int[] sx, RowBlock col, boolean transposed) {
        Conv2dParams p = gm.p();
        for (int c = 0, r = 0; c < gm.cg(); c++)
            for (int i = 0; i < gm.kh(); i++)
                for (int j = 0; j < gm.kw(); j++, r++)
                    for (int oh = 0, q = 0; oh < gm.ho(); oh++) {
                        int ih = oh * p.strideH() - p.padH() + i * p.dilH();
                        boolean rowInside = ih >= 0 && ih < gm.h();
                        int rowBase = xBase + c * sx[1] + ih * sx[2];
                        for (int ow = 0; ow < gm.wo(); ow++, q++) {
                            int iw = ow * p.strideW() - p.padW() + j * p.dilW();
                            double v = rowInside && iw >= 0 && iw < gm.w() ? xs.get(rowBase + iw * sx[3]) : 0;
                            if (transposed) col.set(q, r, v);
                            else col.set(r, q, v);
                        }
                    }
    }

    /**
     * dX[n, c] = Σ of dcol[(c·kH + i)·kW + j][q] over the (i, j, q) whose field lands on each pixel,
     * for the m channels whose first one starts at dxBase; accumulated in float64, then overwritten.
     */
    private static void col2im(Geometry gm, RowBlock dcol, int m, double[] plane, HostStorage dxs, int dxBase, int[] sdx) {
        Conv2dParams p = gm.p();
        for (int c = 0, r = 0; c < m; c++) {
            java.util.Arrays.fill(plane, 0);
            for (int i = 0; i < gm.kh(); i++)
                for (int j = 0; j < gm.kw(); j++, r++)
                    for (int oh = 0, q = 0; oh < gm.ho(); oh++) {
                        int ih = oh * p.strideH() - p.padH() + i * p.dilH();
                        if (ih < 0 || ih >= gm.h()) { q += gm.wo(); continue; }
                        for (int ow = 0; ow < gm.wo(); ow++, q++) {
                            int iw = ow * p.strideW() - p.padW() + j * p.dilW();
                            if (iw >= 0 && iw < gm.w()) plane[ih * gm.w() + iw] += dcol.get(r, q);
                        }
                    }
            for (int y = 0; y < gm.h(); y++)
                for (int x = 0, o = dxBase + c * sdx[1] + y * sdx[2]; x < gm.w(); x++, o += sdx[3])
                    dxs.set(o, plane[y * gm.w() + x]);
        }
    }

    /**
     * Block size splitting {@code count} channels so that outer · blocks gives every thread a few
     * tasks: whole channel ranges when outer alone does, smaller blocks otherwise.
     */
    private static int blockSize(int count, int outer) {
        int wanted = (4 * CpuParallel.threads() + outer - 1) / Math.max(outer, 1);
        int blocks = Math.max(1, Math.min(count, wanted));
        return Math.max(1, (count + blocks - 1) / blocks);
    }

    private static HostStorage host(Tensor t) { return (HostStorage) t.storage(); }
}
