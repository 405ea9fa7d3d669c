package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;

/** Launches resample.cu: nearest upsampling and average pooling over [N, C, H, W] views, one thread per written element. */
final class CudaResampling {
    private CudaResampling() {}

    private static LaunchConfig grid(CudaContext c, Tensor written) { return LaunchConfig.elementwise(written.numel(), c.multiprocessors()); }

    static void upsampleNearest(CudaContext c, Tensor x, int sh, int sw, Tensor out) {
        if (out.numel() == 0) return;
        c.launch("upsampleNearest", KernelFamily.UPSAMPLE_NEAREST.of(x.dtype()), grid(c, out), out.shape(), x.strides(), out.strides(), sh, sw,
                ptr(x), ptr(out));
    }

    static void upsampleNearestBackward(CudaContext c, Tensor dY, int sh, int sw, Tensor dX) {
        if (dX.numel() == 0) return;
        c.launch("upsampleNearestBackward", KernelFamily.UPSAMPLE_NEAREST_BACKWARD.of(dX.dtype()), grid(c, dX), dX.shape(), dY.strides(),
                dX.strides(), sh, sw, ptr(dY), ptr(dX));
    }

    static void avgPool2d(CudaContext c, Tensor x, int k, int s, Tensor out) {
        if (out.numel() == 0) return;
        c.launch("avgPool2d", KernelFamily.AVG_POOL2D.of(x.dtype()), grid(c, out), out.shape(), x.strides(), out.strides(), k, s, ptr(x), ptr(out));
    }

    static void avgPool2dBackward(CudaContext c, Tensor dY, int k, int s, Tensor dX) {
        if (dX.numel() == 0) return;
        c.launch("avgPool2dBackward", KernelFamily.AVG_POOL2D_BACKWARD.of(dX.dtype()), grid(c, dX), dX.shape(), dY.size(2), dY.size(3),
                dY.strides(), dX.strides(), k, s, ptr(dY), ptr(dX));
    }
}
