package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HalfFloats;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;
import static org.jdiffusion.kernels.cuda.CudaOps.sfx;

/**
 * Launches elementwise.cu: fill, copy/cast, unary, binary, where (bfloat16/float16: fill and copy/cast only). Dense operands (after merging
 * contiguous dims) take the *_dense kernels (float4 vectors for float32), everything else the
 * strided kernels with a packed {@link CudaGeometry}.
 */
final class CudaElementwise {
    private CudaElementwise() {}

    private static LaunchConfig grid(CudaContext c, int n, DType dt, boolean dense) {
        long work = dense && dt == DType.FLOAT32 ? (n + 3L) / 4 + 3 : n;
        return LaunchConfig.elementwise(work, c.multiprocessors());
    }

    static void fill(CudaContext c, Tensor out, double v) {
        int n = out.numel();
        if (n == 0) return;
        Object val = switch (out.dtype()) {
            case FLOAT32 -> (float) v;
            case FLOAT64 -> v;
            case INT64 -> (long) v;
            case BFLOAT16 -> HalfFloats.bf16FromDouble(v);
            case FLOAT16 -> HalfFloats.f16FromDouble(v);
        };
        CudaGeometry g = CudaGeometry.of(out.shape(), out.strides());
        String s = sfx(out.dtype());
        if (g.isDense()) c.launch("fill", "fill_dense_" + s, grid(c, n, out.dtype(), true), n, ptr(out), val);
        else c.launch("fill", "fill_" + s, grid(c, n, out.dtype(), false), g.pack("fill"), n, ptr(out), val);
    }

    static void copy(CudaContext c, Tensor src, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), src.strides(), out.strides());
        String k = sfx(src.dtype()) + "_" + sfx(out.dtype());
        boolean vec = src.dtype() == out.dtype();
        if (g.isDense()) c.launch("copy", "copy_dense_" + k, grid(c, n, vec ? out.dtype() : DType.INT64, true), n, ptr(src), ptr(out));
        else c.launch("copy", "copy_" + k, grid(c, n, out.dtype(), false), g.pack("copy"), n, ptr(src), ptr(out));
    }

    static void unary(CudaContext c, UnaryOp op, Tensor x, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), x.strides(), out.strides());
        String s = sfx(out.dtype()), name = op.opName();
        if (g.isDense()) c.launch(name, "unary_dense_" + s, grid(c, n, out.dtype(), true), op.ordinal(), n, ptr(x), ptr(out));
        else c.launch(name, "unary_" + s, grid(c, n, out.dtype(), false), op.ordinal(), g.pack(name), n, ptr(x), ptr(out));
    }

    static void binary(CudaContext c, BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), a.strides(), b.strides(), out.strides());
        String s = sfx(out.dtype()), name = op.opName();
        long err = c.errorFlag().address();
        if (g.isDense())
            c.launch(name, "binary_dense_" + s, grid(c, n, out.dtype(), true), op.ordinal(), n, ptr(a), ptr(b), ptr(out), err);
        else
            c.launch(name, "binary_" + s, grid(c, n, out.dtype(), false), op.ordinal(), g.pack(name), n, ptr(a), ptr(b), ptr(out), err);
    }

    static void where(CudaContext c, Tensor cond, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), cond.strides(), a.strides(), b.strides(), out.strides());
        c.launch("where", "where_" + sfx(cond.dtype()) + "_" + sfx(out.dtype()), grid(c, n, out.dtype(), false), g.pack("where"), n,
                ptr(cond), ptr(a), ptr(b), ptr(out));
    }
}
