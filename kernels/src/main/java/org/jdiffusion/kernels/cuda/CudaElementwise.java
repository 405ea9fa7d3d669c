package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HalfFloats;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;

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
        DType dt = out.dtype();
        if (g.isDense()) c.launch("fill", KernelFamily.FILL_DENSE.of(dt), grid(c, n, dt, true), n, ptr(out), val);
        else c.launch("fill", KernelFamily.FILL.of(dt), grid(c, n, dt, false), g.pack("fill"), n, ptr(out), val);
    }

    static void copy(CudaContext c, Tensor src, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), src.strides(), out.strides());
        DType from = src.dtype(), to = out.dtype();
        boolean vec = from == to;
        if (g.isDense()) c.launch("copy", KernelFamily.COPY_DENSE.of(from, to), grid(c, n, vec ? to : DType.INT64, true), n, ptr(src), ptr(out));
        else c.launch("copy", KernelFamily.COPY.of(from, to), grid(c, n, to, false), g.pack("copy"), n, ptr(src), ptr(out));
    }

    static void unary(CudaContext c, UnaryOp op, Tensor x, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        launchUnary(c, op.opName(), CudaOpIds.id(op), x, out);
    }

    /** The unary kernels for op id {@code id}: the backend passes only its enum's generated ids; tests pass others on purpose. */
    static void launchUnary(CudaContext c, String name, int id, Tensor x, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), x.strides(), out.strides());
        DType dt = out.dtype();
        long err = c.errorFlag().address();
        if (g.isDense()) c.launch(name, KernelFamily.UNARY_DENSE.of(dt), grid(c, n, dt, true), id, n, ptr(x), ptr(out), err);
        else c.launch(name, KernelFamily.UNARY.of(dt), grid(c, n, dt, false), id, g.pack(name), n, ptr(x), ptr(out), err);
    }

    static void binary(CudaContext c, BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), a.strides(), b.strides(), out.strides());
        DType dt = out.dtype();
        String name = op.opName();
        int id = CudaOpIds.id(op);
        long err = c.errorFlag().address();
        if (g.isDense())
            c.launch(name, KernelFamily.BINARY_DENSE.of(dt), grid(c, n, dt, true), id, n, ptr(a), ptr(b), ptr(out), err);
        else
            c.launch(name, KernelFamily.BINARY.of(dt), grid(c, n, dt, false), id, g.pack(name), n, ptr(a), ptr(b), ptr(out), err);
    }

    static void where(CudaContext c, Tensor cond, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        CudaGeometry g = CudaGeometry.of(out.shape(), cond.strides(), a.strides(), b.strides(), out.strides());
        c.launch("where", KernelFamily.WHERE.of(cond.dtype(), out.dtype()), grid(c, n, out.dtype(), false), g.pack("where"), n,
                ptr(cond), ptr(a), ptr(b), ptr(out));
    }
}
