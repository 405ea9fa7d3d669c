package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;

/**
 * Float32 nearest upsampling by integer factors and its gradient, straight on the arrays, one (n, c)
 * plane per task: x [N, C, H, W] → up [N, C, H·sh, W·sw], up[y, x] = x[⌊y/sh⌋, ⌊x/sw⌋];
 * dX[i, j] = Σ_{a<sh, b<sw} dY[i·sh + a, j·sw + b] (float32 sums of sh·sw terms). Memory-bound:
 * 4·(1 + sh·sw) bytes per input element, about one add per output element for the gradient.
 */
public final class FastResample {
    private FastResample() {}

    public static void upsampleNearest(Tensor x, int sh, int sw, Tensor out) {
        float[] xs = data(x), os = data(out);
        int[] sx = x.strides(), so = out.strides(), s = out.shape();
        int c = s[1], ho = s[2], wo = s[3];
        CpuParallel.forRange(s[0] * c, Math.max(1, FastRows.GRAIN / Math.max(1, ho * wo)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int xb = x.offset() + (t / c) * sx[0] + (t % c) * sx[1], ob = out.offset() + (t / c) * so[0] + (t % c) * so[1];
                for (int y = 0; y < ho; y++) {
                    int xr = xb + (y / sh) * sx[2], or = ob + y * so[2];
                    if (sw == 2 && so[3] == 1) {
                        for (int j = 0, xo = xr; j < wo - 1; j += 2, xo += sx[3]) {
                            float v = xs[xo];
                            os[or + j] = v;
                            os[or + j + 1] = v;
                        }
                        if ((wo & 1) == 1) os[or + wo - 1] = xs[xr + (wo - 1) / 2 * sx[3]];
                    } else {
                        for (int j = 0; j < wo; j++) os[or + j * so[3]] = xs[xr + (j / sw) * sx[3]];
                    }
                }
            }
        });
    }

    public static void upsampleNearestBackward(Tensor dY, int sh, int sw, Tensor dX) {
        float[] ys = data(dY), xs = data(dX);
        int[] sy = dY.strides(), sx = dX.strides(), s = dX.shape();
        int c = s[1], h = s[2], w = s[3];
        CpuParallel.forRange(s[0] * c, Math.max(1, FastRows.GRAIN / Math.max(1, h * w * sh * sw)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int yb = dY.offset() + (t / c) * sy[0] + (t % c) * sy[1], xb = dX.offset() + (t / c) * sx[0] + (t % c) * sx[1];
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++) {
                        float acc = 0f;
                        for (int a = 0; a < sh; a++)
                            for (int b = 0, p = yb + (i * sh + a) * sy[2] + j * sw * sy[3]; b < sw; b++, p += sy[3]) acc += ys[p];
                        xs[xb + i * sx[2] + j * sx[3]] = acc;
                    }
            }
        });
    }
}
