package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;
import static org.jdiffusion.kernels.cuda.CudaOps.sfx;
import static org.jdiffusion.kernels.cuda.CudaOps.without;

/**
 * Launches softmax.cu: rows are every index of the shape without the softmax dim. Contiguous, evenly
 * spaced rows of float32/float64 run the register kernels ({@link CudaFastRows}: a warp or a block
 * per row, one read and one write); any other layout the generic kernel, one block per row.
 */
final class CudaSoftmax {
    private CudaSoftmax() {}

    static void forward(CudaContext c, Tensor x, int dim, boolean log, Tensor out) {
        int[] rowsShape = without(x.shape(), dim);
        int rows = Shapes.numel(rowsShape), d = x.size(dim);
        if (rows == 0 || d == 0) return;
        String op = log ? "logSoftmax" : "softmax";
        CudaFastRows f = CudaFastRows.softmax(false, x.dtype(), x.shape(), dim, new int[][]{x.strides(), out.strides()},
                new long[]{ptr(x), ptr(out)});
        if (f != null) {
            c.launch(op, f.kernel(), f.launch(), log ? 1 : 0, rows, d, f.ld()[0], f.ld()[1], f.warpRows() ? 1 : 0, f.vec() ? 1 : 0,
                    ptr(x), ptr(out));
            return;
        }
        int[] g = CudaGeometry.of(rowsShape, without(x.strides(), dim), without(out.strides(), dim)).pack(op);
        c.launch(op, KernelFamily.SOFTMAX.of(x.dtype()), LaunchConfig.rows(rows, d), log ? 1 : 0, g, d, x.stride(dim), out.stride(dim),
                ptr(x), ptr(out));
    }

    static void backward(CudaContext c, Tensor dY, Tensor y, int dim, boolean log, Tensor dX) {
        int[] rowsShape = without(y.shape(), dim);
        int rows = Shapes.numel(rowsShape), d = y.size(dim);
        if (rows == 0 || d == 0) return;
        String op = log ? "logSoftmaxBackward" : "softmaxBackward";
        CudaFastRows f = CudaFastRows.softmax(true, y.dtype(), y.shape(), dim, new int[][]{dY.strides(), y.strides(), dX.strides()},
                new long[]{ptr(dY), ptr(y), ptr(dX)});
        if (f != null) {
            c.launch(op, f.kernel(), f.launch(), log ? 1 : 0, rows, d, f.ld()[0], f.ld()[1], f.ld()[2], f.warpRows() ? 1 : 0,
                    f.vec() ? 1 : 0, ptr(dY), ptr(y), ptr(dX));
            return;
        }
        int[] g = CudaGeometry.of(rowsShape, without(dY.strides(), dim), without(y.strides(), dim), without(dX.strides(), dim)).pack(op);
        c.launch(op, KernelFamily.SOFTMAX_BACKWARD.of(y.dtype()), LaunchConfig.rows(rows, d), log ? 1 : 0, g, d, dY.stride(dim), y.stride(dim),
                dX.stride(dim), ptr(dY), ptr(y), ptr(dX));
    }
}
