package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;


import static org.jdiffusion.kernels.cuda.CudaOps.ptr;

/**
 * Launches reduce.cu. x's dims split into kept dims (a Geom over x and out) and reduced dims (a
 * Geom over x in row-major order, so argmax/argmin indices match the CPU's); the launch shape
 * comes from {@link LaunchConfig#reduce}.
 */
final class CudaReductions {
    private CudaReductions() {}

    static void reduce(CudaContext c, ReduceOp op, Tensor x, int[] dims, Tensor out) {
        int r = x.dim();
        boolean[] red = new boolean[r];
        for (int d : dims) red[d] = true;
        int[] sh = x.shape(), xs = x.strides(), os = out.strides();
        int nk = r - dims.length;
        int[] keptShape = new int[nk], keptX = new int[nk], keptOut = new int[nk];
        int[] redShape = new int[dims.length], redX = new int[dims.length];
        for (int d = 0, k = 0, j = 0; d < r; d++) {
            if (red[d]) {
                redShape[j] = sh[d];
                redX[j++] = xs[d];
            } else {
                keptShape[k] = sh[d];
                keptX[k] = xs[d];
                keptOut[k++] = os[d];
            }
        }
        int nOut = Shapes.numel(keptShape), nInner = Shapes.numel(redShape);
        if (nOut == 0) return;
        String name = op.opName();
        int[] outer = CudaGeometry.of(keptShape, keptX, keptOut).pack(name);
        int[] inner = CudaGeometry.of(redShape, redX).pack(name);
        boolean arg = op.isArg();
        long outPtr = arg ? 0L : ptr(out), idxPtr = arg ? ptr(out) : 0L;
        LaunchConfig.ReducePlan plan = LaunchConfig.reduce(nOut, nInner, c.multiprocessors());
        if (plan.perThread()) {
            c.launch(name, KernelFamily.REDUCE_THREAD.of(x.dtype()), plan.launch(), CudaOpIds.id(op), outer, nOut, inner, nInner, ptr(x), outPtr, idxPtr,
                    c.errorFlag().address());
        } else if (plan.chunks() == 1) {
            c.launch(name, KernelFamily.REDUCE.of(x.dtype()), plan.launch(), CudaOpIds.id(op), outer, inner, nInner, plan.chunkLen(), ptr(x), outPtr, idxPtr,
                    0L, 0L, c.errorFlag().address());
        } else {
            int parts = nOut * plan.chunks();
            CudaStorage pv = new CudaStorage(c, x.dtype() == DType.INT64 ? DType.INT64 : DType.FLOAT64, parts);
            CudaStorage pi = new CudaStorage(c, DType.INT64, parts);
            c.launch(name, KernelFamily.REDUCE.of(x.dtype()), plan.launch(), CudaOpIds.id(op), outer, inner, nInner, plan.chunkLen(), ptr(x), outPtr, idxPtr,
                    pv.address(), pi.address(), c.errorFlag().address());
            c.launch(name, KernelFamily.REDUCE_FINISH.of(x.dtype()), new LaunchConfig(nOut, 1, LaunchConfig.rowBlock(plan.chunks() * 4L)), CudaOpIds.id(op),
                    outer, plan.chunks(), pv.address(), pi.address(), outPtr, idxPtr, c.errorFlag().address());
            pv.release();  // reused only by later work on this stream
            pi.release();
        }
    }
}
