package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;


import static org.jdiffusion.kernels.cuda.CudaOps.ptr;
import static org.jdiffusion.kernels.cuda.CudaOps.sfx;
import static org.jdiffusion.kernels.cuda.CudaOps.slice;
import static org.jdiffusion.kernels.cuda.CudaOps.stridesOr0;

/**
 * Launches norm.cu. Layer norm: rows are the leading dims, the row the trailing normalised dims
 * (each a Geom, so any view works). Group norm: one block per (sample, group) over its channels
 * and spatial positions; parameter gradients per channel (group norm) or per feature with row
 * chunks accumulated atomically (layer norm). The forwards and both dX of contiguous layouts
 * (float32/float64) run the register kernels instead ({@link CudaFastRows}: a warp or a block per row
 * or group); dense layouts' parameter gradients run kernels without Geom (layer norm: the same row
 * chunks and atomics; group norm: (channel, sample chunk) partials and a fixed-order sum).
 */
final class CudaNorms {
    private CudaNorms() {}

    private static int[] lead(Tensor t, int lead) { return slice(t.strides(), 0, lead); }

    private static int[] trail(Tensor t, int lead) { return slice(t.strides(), lead, t.dim()); }

    static void layerNorm(CudaContext c, Tensor x, Tensor gamma, Tensor beta, int nd, double eps, Tensor out, Tensor mean, Tensor rstd) {
        int lead = x.dim() - nd;
        int[] sh = x.shape(), leadShape = slice(sh, 0, lead), trailShape = slice(sh, lead, sh.length);
        int rows = Shapes.numel(leadShape), d = Shapes.numel(trailShape);
        if (rows == 0 || d == 0) return;
        CudaFastRows f = CudaFastRows.layerNorm(x.dtype(), sh, nd, x.strides(), out.strides(), mean.strides(), rstd.strides(),
                gamma == null ? null : gamma.strides(), beta == null ? null : beta.strides(), ptr(x), ptr(out), ptr(gamma), ptr(beta));
        if (f != null) {
            int[] ld = f.ld();
            c.launch("layerNorm", f.kernel(), f.launch(), rows, d, ld[0], ld[1], ld[2], ld[3], f.warpRows() ? 1 : 0, f.vec() ? 1 : 0, eps,
                    ptr(x), ptr(gamma), ptr(beta), ptr(out), ptr(mean), ptr(rstd));
            return;
        }
        int[] rg = CudaGeometry.of(leadShape, lead(x, lead), lead(out, lead), mean.strides(), rstd.strides()).pack("layerNorm");
        int[] ig = CudaGeometry.of(trailShape, trail(x, lead), trail(out, lead), stridesOr0(gamma, nd), stridesOr0(beta, nd)).pack("layerNorm");
        c.launch("layerNorm", KernelFamily.LAYER_NORM.of(x.dtype()), LaunchConfig.rows(rows, d), rg, ig, d, eps, ptr(x), ptr(gamma), ptr(beta),
                ptr(out), ptr(mean), ptr(rstd));
    }

    static void layerNormBackward(CudaContext c, Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int nd,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        int lead = x.dim() - nd;
        int[] sh = x.shape(), leadShape = slice(sh, 0, lead), trailShape = slice(sh, lead, sh.length);
        int rows = Shapes.numel(leadShape), d = Shapes.numel(trailShape);
        if (dGamma != null) {
            CudaElementwise.fill(c, dGamma, 0);
            CudaElementwise.fill(c, dBeta, 0);
        }
        if (rows == 0 || d == 0) return;
        CudaFastRows f = CudaFastRows.layerNormBackward(x.dtype(), sh, nd, dY.strides(), x.strides(), dX.strides(), mean.strides(), rstd.strides(),
                gamma == null ? null : gamma.strides(), ptr(dY), ptr(x), ptr(dX), ptr(gamma));
        if (f != null) {
            int[] ld = f.ld();
            c.launch("layerNormBackward", f.kernel(), f.launch(), rows, d, ld[0], ld[1], ld[2], ld[3], ld[4], f.warpRows() ? 1 : 0,
                    f.vec() ? 1 : 0, ptr(dY), ptr(x), ptr(gamma), ptr(mean), ptr(rstd), ptr(dX));
        } else {
            int[] rg = CudaGeometry.of(leadShape, lead(dY, lead), lead(x, lead), mean.strides(), rstd.strides(), lead(dX, lead))
                    .pack("layerNormBackward");
            int[] ig = CudaGeometry.of(trailShape, trail(dY, lead), trail(x, lead), stridesOr0(gamma, nd), trail(dX, lead))
                    .pack("layerNormBackward");
            c.launch("layerNormBackward", KernelFamily.LAYER_NORM_BACKWARD.of(x.dtype()), LaunchConfig.rows(rows, d), rg, ig, d, ptr(dY), ptr(x), ptr(gamma),
                    ptr(mean), ptr(rstd), ptr(dX));
        }
        if (dGamma == null) return;
        int block = LaunchConfig.ELEMENTWISE_BLOCK, gridX = (d + block - 1) / block;
        long want = (long) c.multiprocessors() * 8;
        int chunks = (int) Math.max(1, Math.min(Math.min((want + gridX - 1) / gridX, rows), 1024));
        int perChunk = (rows + chunks - 1) / chunks;
        chunks = (rows + perChunk - 1) / perChunk;
        LaunchConfig lc = new LaunchConfig(gridX, chunks, block);
        int[] pl = CudaFastRows.layerNormParamGradRows(x.dtype(), sh, nd, dY.strides(), x.strides(), mean.strides(), rstd.strides(),
                dGamma.strides(), dBeta.strides());
        if (pl != null) {
            c.launch("layerNormBackward", KernelFamily.LAYER_NORM_ROWS_PARAM_GRADS.of(x.dtype()), lc, rows, perChunk, d, pl[0], pl[1], pl[2], pl[3], ptr(dY),
                    ptr(x), ptr(mean), ptr(rstd), ptr(dGamma), ptr(dBeta));
            return;
        }
        int[] rp = CudaGeometry.of(leadShape, lead(dY, lead), lead(x, lead), mean.strides(), rstd.strides()).pack("layerNormBackward");
        int[] ip = CudaGeometry.of(trailShape, trail(dY, lead), trail(x, lead), dGamma.strides(), dBeta.strides()).pack("layerNormBackward");
        c.launch("layerNormBackward", KernelFamily.LAYER_NORM_PARAM_GRADS.of(x.dtype()), lc, rp, rows, perChunk, ip, d, ptr(dY), ptr(x), ptr(mean), ptr(rstd),
                ptr(dGamma), ptr(dBeta));
    }

    /** GnStrides of norm.cu: (n, c) strides of x, out|dX, dY, gamma (c only), mean, rstd (n, g). */
    private static int[] gnStrides(Tensor x, Tensor out, Tensor dY, Tensor gamma, Tensor mean, Tensor rstd) {
        return new int[]{
                x.stride(0), out.stride(0), dY == null ? 0 : dY.stride(0), 0, mean.stride(0), rstd.stride(0),
                x.stride(1), out.stride(1), dY == null ? 0 : dY.stride(1), gamma == null ? 0 : gamma.stride(0), mean.stride(1), rstd.stride(1)};
    }

    static void groupNorm(CudaContext c, Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd) {
        int[] sh = x.shape(), spatial = slice(sh, 2, sh.length);
        int n = sh[0], ch = sh[1], s = Shapes.numel(spatial);
        if (x.numel() == 0) return;
        CudaFastRows f = CudaFastRows.groupNorm(x.dtype(), sh, groups, x.strides(), out.strides(), ptr(x), ptr(out));
        if (f != null) {
            c.launch("groupNorm", f.kernel(), f.launch(), n * groups, s, ch / groups, groups, f.warpRows() ? 1 : 0, f.vec() ? 1 : 0,
                    mean.stride(0), mean.stride(1), rstd.stride(0), rstd.stride(1), eps, ptr(x), ptr(gamma),
                    gamma == null ? 0 : gamma.stride(0), ptr(beta), beta == null ? 0 : beta.stride(0), ptr(out), ptr(mean), ptr(rstd));
            return;
        }
        int[] sg = CudaGeometry.of(spatial, slice(x.strides(), 2, sh.length), slice(out.strides(), 2, sh.length)).pack("groupNorm");
        c.launch("groupNorm", KernelFamily.GROUP_NORM.of(x.dtype()), LaunchConfig.rows(n * groups, (long) ch / groups * s), sg, s, ch, groups,
                gnStrides(x, out, null, gamma, mean, rstd), eps, ptr(x), ptr(gamma), ptr(beta), beta == null ? 0 : beta.stride(0),
                ptr(out), ptr(mean), ptr(rstd));
    }

    static void groupNormBackward(CudaContext c, Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        int[] sh = x.shape(), spatial = slice(sh, 2, sh.length);
        int n = sh[0], ch = sh[1], s = Shapes.numel(spatial), r = sh.length;
        if (x.numel() == 0) {
            if (dGamma != null) {
                CudaElementwise.fill(c, dGamma, 0);
                CudaElementwise.fill(c, dBeta, 0);
            }
            return;
        }
        int[] st = gnStrides(x, dX, dY, gamma, mean, rstd);
        int[] sg3 = CudaGeometry.of(spatial, slice(x.strides(), 2, r), slice(dX.strides(), 2, r), slice(dY.strides(), 2, r))
                .pack("groupNormBackward");
        CudaFastRows f = CudaFastRows.groupNormBackward(x.dtype(), sh, groups, x.strides(), dY.strides(), dX.strides(), ptr(x), ptr(dY), ptr(dX));
        if (f != null)
            c.launch("groupNormBackward", f.kernel(), f.launch(), n * groups, s, ch / groups, groups, f.warpRows() ? 1 : 0, f.vec() ? 1 : 0,
                    mean.stride(0), mean.stride(1), rstd.stride(0), rstd.stride(1), ptr(dY), ptr(x), ptr(gamma),
                    gamma == null ? 0 : gamma.stride(0), ptr(mean), ptr(rstd), ptr(dX));
        else
            c.launch("groupNormBackward", KernelFamily.GROUP_NORM_BACKWARD.of(x.dtype()), LaunchConfig.rows(n * groups, (long) ch / groups * s), sg3, s, ch,
                    groups, st, ptr(dY), ptr(x), ptr(gamma), ptr(mean), ptr(rstd), ptr(dX));
        if (dGamma == null) return;
        int nPer = CudaFastRows.groupNormParamGradSamples(x.dtype(), sh, x.strides(), dY.strides(), c.multiprocessors());
        if (nPer > 0) {
            // partials per (channel, chunk of nPer samples) in double, summed in a fixed order: same result every run
            int chunks = (n + nPer - 1) / nPer;
            boolean vec = CudaFastRows.vectorizable(x.dtype(), s, new int[]{s}, ptr(x), ptr(dY));
            CudaStorage part = new CudaStorage(c, DType.FLOAT64, 2 * chunks * ch);
            c.launch("groupNormBackward", KernelFamily.GROUP_NORM_ROWS_PARAM_PARTIALS.of(x.dtype()), new LaunchConfig(ch, chunks, CudaFastRows.GN_PARAM_BLOCK), n, s,
                    ch, groups, nPer, vec ? 1 : 0, mean.stride(0), mean.stride(1), rstd.stride(0), rstd.stride(1), ptr(dY), ptr(x), ptr(mean),
                    ptr(rstd), part.address());
            int block = LaunchConfig.ELEMENTWISE_BLOCK;
            c.launch("groupNormBackward", KernelFamily.GROUP_NORM_PARAM_GRADS_SUM.of(x.dtype()), new LaunchConfig((ch + block - 1) / block, 1, block), ch, chunks,
                    part.address(), ptr(dGamma), dGamma.stride(0), ptr(dBeta), dBeta.stride(0));
            part.release();  // reused only by later work on this stream
            return;
        }
        int[] sg2 = CudaGeometry.of(spatial, slice(x.strides(), 2, r), slice(dY.strides(), 2, r)).pack("groupNormBackward");
        c.launch("groupNormBackward", KernelFamily.GROUP_NORM_PARAM_GRADS.of(x.dtype()), LaunchConfig.rows(ch, (long) n * s), sg2, n, s, ch, groups, st,
                ptr(dY), ptr(x), ptr(mean), ptr(rstd), ptr(dGamma), dGamma.stride(0), ptr(dBeta), dBeta.stride(0));
    }
}
