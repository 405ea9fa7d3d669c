package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;


import static org.jdiffusion.kernels.cuda.CudaOps.ptr;
import static org.jdiffusion.kernels.cuda.CudaOps.sfx;

/**
 * Launches conv.cu: conv2d forward, dX and dW as implicit GEMMs over NCHW views with any stride,
 * padding, dilation and groups (one GEMM per group). Float32 runs the {@link MatmulMode}'s version,
 * float64 the naive kernels. A 1×1, stride-1, unpadded, ungrouped forward whose (H, W) dims merge is
 * a plain batched GEMM (w [O, C] · x[n] [C, H·W]) and goes to gemm.cu. dW with few output tiles
 * splits its K = N·HO·WO ({@link GemmPlan#splitK}) into a workspace summed by conv_dw_reduce.
 */
final class CudaConv {
    private CudaConv() {}

    static void forward(CudaContext c, Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out, GemmVersion version) {
        if (out.numel() == 0) return;
        if (isPointwise(x, w, p, out)) {
            int n = x.size(0), ch = x.size(1), o = w.size(0), hw = x.size(2) * x.size(3);
            // a[z, o, c] = w[o, c, 0, 0] for every image z; b[z] = x[z] as [C, H·W]; y[z] = out[z] as [O, H·W]
            Tensor a = new Tensor(w.storage(), new int[]{n, o, ch}, new int[]{0, w.stride(0), w.stride(1)}, w.offset());
            Tensor b = new Tensor(x.storage(), new int[]{n, ch, hw}, new int[]{x.stride(0), x.stride(1), x.stride(3)}, x.offset());
            Tensor y = new Tensor(out.storage(), new int[]{n, o, hw}, new int[]{out.stride(0), out.stride(1), out.stride(3)}, out.offset());
            CudaMatmul.run(c, "conv2d", a, b, bias, y, version);
            return;
        }
        int[] g = geometry(x, w, out, p, bias == null ? 0 : bias.stride(0), 1, 1);
        int og = w.size(0) / p.groups(), cols = x.size(0) * out.size(2) * out.size(3);
        c.launch("conv2d", kernel("fwd", version, og, x.dtype()), launch(c, version, og, cols, p.groups()), g, ptr(x), ptr(w), ptr(bias), ptr(out));
    }

    static void backwardInput(CudaContext c, Tensor dY, Tensor w, Conv2dParams p, Tensor dX, GemmVersion version) {
        if (dX.numel() == 0) return;
        int[] g = geometry(dX, w, dY, p, 0, 1, 1);
        int cg = dX.size(1) / p.groups(), cols = dX.size(0) * dX.size(2) * dX.size(3);
        c.launch("conv2dBackwardInput", kernel("dx", version, cg, dX.dtype()), launch(c, version, cg, cols, p.groups()), g, ptr(dY), ptr(w), ptr(dX));
    }

    static void backwardWeight(CudaContext c, Tensor dY, Tensor x, Conv2dParams p, Tensor dW, GemmVersion version) {
        if (dW.numel() == 0) return;
        int og = dW.size(0) / p.groups(), r = dW.size(1) * dW.size(2) * dW.size(3), k = x.size(0) * dY.size(2) * dY.size(3);
        GemmPlan.Split split = !version.tiled() ? new GemmPlan.Split(1, Math.max(k, 1))
                : GemmPlan.splitK(GemmPlan.tiles(og, r) * p.groups(), k, c.multiprocessors());
        int[] g = geometry(x, dW, dY, p, 0, split.chunk(), split.splits());
        CudaStorage ws = split.splits() > 1 ? new CudaStorage(c, dW.dtype(), split.splits() * dW.size(0) * r) : null;
        long wsAddress = ws == null ? 0L : ws.address();
        LaunchConfig cfg = !version.tiled() ? GemmPlan.naive((long) og * r, p.groups(), c.multiprocessors())
                : GemmPlan.tiled(og, r, p.groups() * split.splits());
        c.launch("conv2dBackwardWeight", kernel("dw", version, og, dW.dtype()), cfg, g, ptr(dY), ptr(x), ptr(dW), wsAddress);
        if (ws != null)
            c.launch("conv2dBackwardWeight", KernelFamily.CONV_DW_REDUCE.of(dW.dtype()), LaunchConfig.elementwise(dW.numel(), c.multiprocessors()),
                    g, wsAddress, ptr(dW));
        if (ws != null) ws.release();  // the allocator reuses the block only for later work on this stream
    }

    /** 1×1, stride 1, no padding, one group, and x's and out's (H, W) dims merge into one. */
    static boolean isPointwise(Tensor x, Tensor w, Conv2dParams p, Tensor out) {
        return w.size(2) == 1 && w.size(3) == 1 && p.strideH() == 1 && p.strideW() == 1 && p.padH() == 0 && p.padW() == 0
                && p.groups() == 1 && merges(x) && merges(out);
    }

    private static boolean merges(Tensor t) { return t.size(2) == 1 || t.stride(2) == t.size(3) * t.stride(3); }

    /** The kernel of a pass and version for a GEMM of m rows: the tiled versions by {@link GemmPlan#tileM}. */
    static String kernel(String pass, GemmVersion version, int m, DType dt) {
        if (!version.tiled()) return "conv_" + pass + "_naive_" + sfx(dt);
        if (dt != DType.FLOAT32) throw new IllegalArgumentException("conv2d: the " + version + " kernels take float32, got " + dt);
        return "conv_" + pass + "_" + version.stem + GemmPlan.tileSuffix(m) + "_" + sfx(dt);
    }

    private static LaunchConfig launch(CudaContext c, GemmVersion version, int m, int n, int groups) {
        return !version.tiled() ? GemmPlan.naive((long) m * n, groups, c.multiprocessors()) : GemmPlan.tiled(m, n, groups);
    }

    /**
     * ConvGeom (conv.cu) as int[47]: sizes from the input-side tensor xs [N, C, H, W], the weight-side
     * ws [O, Cg, KH, KW] and the output-side ys [N, O, HO, WO], then p, their strides, the bias stride,
     * dW's split, and the {@link FastDivision} (mul, l) pairs of the index arithmetic's divisors
     * KH·KW, KW, HO·WO, WO, H·W, W, sH, sW (an extent of 0, which no launch divides by, packs 1).
     */
    static int[] geometry(Tensor xs, Tensor ws, Tensor ys, Conv2dParams p, int biasStride, int kchunk, int splits) {
        int[] g = new int[47];
        int[] head = {xs.size(0), xs.size(1), xs.size(2), xs.size(3), ws.size(0), ws.size(2), ws.size(3), ys.size(2), ys.size(3),
                p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilH(), p.dilW(), p.groups()};
        System.arraycopy(head, 0, g, 0, 16);
        System.arraycopy(xs.strides(), 0, g, 16, 4);
        System.arraycopy(ws.strides(), 0, g, 20, 4);
        System.arraycopy(ys.strides(), 0, g, 24, 4);
        g[28] = biasStride;
        g[29] = kchunk;
        g[30] = splits;
        int h = xs.size(2), w = xs.size(3), kh = ws.size(2), kw = ws.size(3), ho = ys.size(2), wo = ys.size(3);
        int[] divisors = {kh * kw, kw, ho * wo, wo, h * w, w, p.strideH(), p.strideW()};
        for (int i = 0; i < divisors.length; i++) System.arraycopy(FastDivision.of(Math.max(1, divisors[i])), 0, g, 31 + 2 * i, 2);
        return g;
    }
}
