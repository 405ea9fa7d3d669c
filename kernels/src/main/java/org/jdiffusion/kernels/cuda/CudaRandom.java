package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cuda.CudaOps.ptr;

/**
 * Launches random.cu: element i of out in row-major order takes Philox counter offset + i, the
 * mapping {@link Philox} defines, so a (seed, offset) draws the same values on every device.
 */
final class CudaRandom {
    private CudaRandom() {}

    static void fill(CudaContext c, Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        // merging contiguous dims keeps row-major order, so linear index i is the element's counter step
        int[] g = CudaGeometry.of(out.shape(), out.strides()).pack("random");
        c.launch("random", KernelFamily.RANDOM.of(out.dtype()), LaunchConfig.elementwise(n, c.multiprocessors()), CudaOpIds.id(dist), g, n, seed,
                offset, a, b, (long) a, (long) b, ptr(out), c.errorFlag().address());
    }
}
