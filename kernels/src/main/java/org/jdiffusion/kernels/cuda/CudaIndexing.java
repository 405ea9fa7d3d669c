package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;

/**
 * Launches index.cu. Each op walks the tensor it iterates with a Geom over (that tensor, the index
 * operand, the other tensor with its stride along dim zeroed); for indexSelect/indexAdd the index
 * operand is the coordinate along dim (stride 1 there, 0 elsewhere) into the 1-d index. Error
 * codes follow common.cuh's ErrorCode.
 */
final class CudaIndexing {
    private CudaIndexing() {}

    private static int[] zeroAt(int[] strides, int dim) {
        int[] s = strides.clone();
        s[dim] = 0;
        return s;
    }

    private static int[] unitAt(int rank, int dim) {
        int[] s = new int[rank];
        s[dim] = 1;
        return s;
    }

    /** A 0-d operand as one element of a 1-d view (gather and scatterAdd take same-rank operands). */
    private static Tensor atLeast1d(Tensor t) { return t.dim() == 0 ? t.view(1) : t; }

    /** The error-flag code of an index op: ErrorCode | dim << 8. */
    private static int code(CudaOpIds.DeviceError e, int dim) { return CudaOpIds.code(e) | dim << 8; }

    static void gather(CudaContext c, Tensor x0, int dim, Tensor index0, Tensor out0) {
        Tensor x = atLeast1d(x0), index = atLeast1d(index0), out = atLeast1d(out0);
        int n = out.numel();
        if (n == 0) return;
        int[] g = CudaGeometry.of(out.shape(), out.strides(), index.strides(), zeroAt(x.strides(), dim)).pack("gather");
        c.launch("gather", KernelFamily.GATHER.of(x.dtype()), LaunchConfig.elementwise(n, c.multiprocessors()), g, n, 1, x.size(dim),
                x.stride(dim), ptr(x), ptr(index), ptr(out), c.errorFlag().address(), code(CudaOpIds.DeviceError.GATHER_INDEX, dim));
    }

    static void scatterAdd(CudaContext c, Tensor src0, int dim, Tensor index0, Tensor acc0) {
        Tensor src = atLeast1d(src0), index = atLeast1d(index0), acc = atLeast1d(acc0);
        int n = src.numel();
        if (n == 0) return;
        int[] g = CudaGeometry.of(src.shape(), src.strides(), index.strides(), zeroAt(acc.strides(), dim)).pack("scatterAdd");
        c.launch("scatterAdd", KernelFamily.SCATTER_ADD.of(src.dtype()), LaunchConfig.elementwise(n, c.multiprocessors()), g, n, 1,
                acc.size(dim), acc.stride(dim), ptr(src), ptr(index), ptr(acc), c.errorFlag().address(), code(CudaOpIds.DeviceError.SCATTER_ADD_INDEX, dim));
    }

    static void indexSelect(CudaContext c, Tensor x, int dim, Tensor index, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        int[] g = CudaGeometry.of(out.shape(), out.strides(), unitAt(out.dim(), dim), zeroAt(x.strides(), dim)).pack("indexSelect");
        c.launch("indexSelect", KernelFamily.GATHER.of(x.dtype()), LaunchConfig.elementwise(n, c.multiprocessors()), g, n, index.stride(0),
                x.size(dim), x.stride(dim), ptr(x), ptr(index), ptr(out), c.errorFlag().address(), code(CudaOpIds.DeviceError.INDEX_SELECT_INDEX, dim));
    }

    static void indexAdd(CudaContext c, Tensor src, int dim, Tensor index, Tensor acc) {
        int n = src.numel();
        if (n == 0) return;
        int[] g = CudaGeometry.of(src.shape(), src.strides(), unitAt(src.dim(), dim), zeroAt(acc.strides(), dim)).pack("indexAdd");
        c.launch("indexAdd", KernelFamily.SCATTER_ADD.of(src.dtype()), LaunchConfig.elementwise(n, c.multiprocessors()), g, n, index.stride(0),
                acc.size(dim), acc.stride(dim), ptr(src), ptr(index), ptr(acc), c.errorFlag().address(), code(CudaOpIds.DeviceError.INDEX_ADD_INDEX, dim));
    }
}
