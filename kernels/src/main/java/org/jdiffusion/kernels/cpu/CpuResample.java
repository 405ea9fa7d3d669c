package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * Reference nearest upsampling and average pooling (NCHW) with their gradients, one (n, c) plane at a
 * time, planes in parallel. Shapes: x [N, C, H, W]; upsampling by (sh, sw) gives [N, C, H·sh, W·sw];
 * pooling with a k×k window and stride s (no padding) gives [N, C, Ho, Wo], Ho = (H − k)/s + 1.
 * <pre>
 *   up[n, c, y, x]   = x[n, c, ⌊y/sh⌋, ⌊x/sw⌋]          dX[i, j] = Σ_{a<sh, b<sw} dY[i·sh + a, j·sw + b]
 *   pool[n, c, y, x] = (1/k²) Σ_{a,b<k} x[y·s + a, x·s + b]  dX[i, j] = (1/k²) Σ over the windows holding (i, j)
 * </pre>
 * FLOPs: about one add per element of the larger tensor (N·C·H·W·sh·sw, or N·C·Ho·Wo·k² for pooling).
 * Bytes moved: the input and output once each. Sums accumulate in float64; every output element is
 * written (the gradients overwrite dX, pixels no window covers get 0).
 */
final class CpuResample {
    private CpuResample() {}

    static void upsampleNearest(Tensor x, int sh, int sw, Tensor out) {
        HostStorage xs = host(x), os = host(out);
        int[] sx = x.strides(), so = out.strides(), s = out.shape();
        planes(x.size(0), x.size(1), s[2] * s[3], (n, c) -> {
            int xb = x.offset() + n * sx[0] + c * sx[1], ob = out.offset() + n * so[0] + c * so[1];
            for (int y = 0; y < s[2]; y++)
                for (int xx = 0; xx < s[3]; xx++)
                    os.set(ob + y * so[2] + xx * so[3], xs.get(xb + (y / sh) * sx[2] + (xx / sw) * sx[3]));
        });
    }

    static void upsampleNearestBackward(Tensor dY, int sh, int sw, Tensor dX) {
        HostStorage ys = host(dY), xs = host(dX);
        int[] sy = dY.strides(), sx = dX.strides(), s = dX.shape();
        planes(s[0], s[1], s[2] * s[3] * sh * sw, (n, c) -> {
            int yb = dY.offset() + n * sy[0] + c * sy[1], xb = dX.offset() + n * sx[0] + c * sx[1];
            for (int i = 0; i < s[2]; i++)
                for (int j = 0; j < s[3]; j++) {
                    double acc = 0;
                    for (int a = 0; a < sh; a++)
                        for (int b = 0; b < sw; b++) acc += ys.get(yb + (i * sh + a) * sy[2] + (j * sw + b) * sy[3]);
                    xs.set(xb + i * sx[2] + j * sx[3], acc);
                }
        });
    }

    static void avgPool2d(Tensor x, int k, int s, Tensor out) {
        HostStorage xs = host(x), os = host(out);
        int[] sx = x.strides(), so = out.strides(), os4 = out.shape();
        double scale = 1.0 / (k * k);
        planes(x.size(0), x.size(1), os4[2] * os4[3] * k * k, (n, c) -> {
            int xb = x.offset() + n * sx[0] + c * sx[1], ob = out.offset() + n * so[0] + c * so[1];
            for (int y = 0; y < os4[2]; y++)
                for (int xx = 0; xx < os4[3]; xx++) {
                    double acc = 0;
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++) acc += xs.get(xb + (y * s + a) * sx[2] + (xx * s + b) * sx[3]);
                    os.set(ob + y * so[2] + xx * so[3], acc * scale);
                }
        });
    }

    static void avgPool2dBackward(Tensor dY, int k, int s, Tensor dX) {
        HostStorage ys = host(dY), xs = host(dX);
        int[] sy = dY.strides(), sx = dX.strides(), ysh = dY.shape(), xsh = dX.shape();
        int h = xsh[2], w = xsh[3];
        double scale = 1.0 / (k * k);
        planes(xsh[0], xsh[1], ysh[2] * ysh[3] * k * k + h * w, (n, c) -> {
            double[] plane = new double[h * w];
            int yb = dY.offset() + n * sy[0] + c * sy[1], xb = dX.offset() + n * sx[0] + c * sx[1];
            for (int y = 0; y < ysh[2]; y++)
                for (int xx = 0; xx < ysh[3]; xx++) {
                    double g = ys.get(yb + y * sy[2] + xx * sy[3]) * scale;
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++) plane[(y * s + a) * w + xx * s + b] += g;
                }
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) xs.set(xb + i * sx[2] + j * sx[3], plane[i * w + j]);
        });
    }

    @FunctionalInterface
    private interface PlaneKernel { void plane(int n, int c); }

    /** Runs kernel on every (n, c) plane, in parallel; work is the element count of one plane's loop. */
    private static void planes(int n, int c, int work, PlaneKernel kernel) {
        CpuParallel.forRange(n * c, Math.max(1, 16384 / Math.max(work, 1)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) kernel.plane(t / c, t % c);
        });
    }

    private static HostStorage host(Tensor t) { return (HostStorage) t.storage(); }
}
