package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.close;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.f64;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan32;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan64;

/** Fast nearest upsampling and its gradient against the reference: factors 2×2 and odd ones, strided inputs and outputs. */
class FastResampleTest {

    @ParameterizedTest
    @CsvSource({"2, 3, 7, 5, 2, 2", "1, 4, 14, 14, 2, 2", "2, 2, 3, 4, 3, 1", "1, 1, 5, 3, 1, 3"})
    void upsampleAndGradientMatchReference(int n, int c, int h, int w, int sh, int sw) {
        Generator g = new Generator(h * 31L + w + sh);
        Tensor x = randn(g, DType.FLOAT32, n, c, h, w), dy = randn(g, DType.FLOAT32, n, c, h * sh, w * sw);
        for (boolean str : new boolean[]{false, true}) {
            Tensor xi = str ? strided(x) : x, dyi = str ? strided(dy) : dy;
            Tensor up = str ? nan32(n, c, w * sw, h * sh).transpose(2, 3) : nan32(n, c, h * sh, w * sw), up64 = nan64(n, c, h * sh, w * sw);
            FAST.upsampleNearest(xi, sh, sw, up);
            REF.upsampleNearest(f64(xi), sh, sw, up64);
            close("upsampleNearest", up64, up, 0, 0);
            Tensor dx = nan32(n, c, h, w), dx64 = nan64(n, c, h, w);
            FAST.upsampleNearestBackward(dyi, sh, sw, dx);
            REF.upsampleNearestBackward(f64(dyi), sh, sw, dx64);
            close("upsampleNearestBackward", dx64, dx, 1e-6, 1e-6);
        }
    }
}
