package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.TestTensors.uniform;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.close;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.f64;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan32;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan64;

/**
 * The tiled attention (forward and backward) against the float64 reference: the U-Net's layout
 * (q, k, v as transposed views of one qkv tensor), odd sizes, query blocks, masks with fully masked rows.
 */
class FastAttentionTest {

    @ParameterizedTest
    @CsvSource({
            "2, 4, 49, 49, 16, 16, qkv, false", "2, 3, 5, 7, 3, 2, plain, true", "1, 2, 33, 17, 8, 5, strided, true",
            "1, 1, 700, 30, 4, 4, plain, true", "2, 2, 9, 600, 16, 3, strided, false", "3, 1, 1, 1, 1, 1, plain, false"})
    void matchesReference(int b, int h, int tq, int tk, int d, int dv, String layout, boolean masked) {
        Generator g = new Generator(31L * tq + tk + d + (masked ? 1 : 0));
        Tensor q, k, v;
        if (layout.equals("qkv")) {
            // as the U-Net: qkv [B, 3, H, D, T] viewed as [B, H, T, D] (T has unit stride)
            Tensor qkv = randn(g, DType.FLOAT32, b, 3, h, d, tq);
            q = qkv.select(1, 0).transpose(2, 3);
            k = qkv.select(1, 1).transpose(2, 3);
            v = qkv.select(1, 2).transpose(2, 3);
        } else {
            q = randn(g, DType.FLOAT32, b, h, tq, d);
            k = randn(g, DType.FLOAT32, b, h, tk, d);
            v = randn(g, DType.FLOAT32, b, h, tk, dv);
            if (layout.equals("strided")) { q = strided(q); k = strided(k); v = strided(v); }
        }
        Tensor mask = null;
        if (masked) {
            Tensor u = uniform(g, 0, 1, DType.FLOAT32, b, 1, tq, tk);
            mask = Tensor.where(u.lt(0.3), Tensor.full(Double.NEGATIVE_INFINITY, DType.FLOAT32, Device.CPU, 1), Tensor.zeros(1));
            mask.select(0, 0).select(0, 0).select(0, tq - 1).fillInPlace(Double.NEGATIVE_INFINITY);
            mask = mask.expand(b, h, tq, tk);
        }
        double scale = 1 / Math.sqrt(d);
        Tensor out = nan32(b, h, tq, dv), lse = nan32(b, h, tq), out64 = nan64(b, h, tq, dv), lse64 = nan64(b, h, tq);
        FAST.attention(q, k, v, mask, scale, out, lse);
        REF.attention(f64(q), f64(k), f64(v), f64(mask), scale, out64, lse64);
        close("attention out", out64, out, 2e-5, 1e-4);
        close("attention lse", lse64, lse, 2e-5, 1e-5);

        Tensor dOut = randn(g, DType.FLOAT32, b, h, tq, dv);
        Tensor dQ = nan32(b, h, tq, d), dK = nan32(b, h, tk, d), dV = nan32(b, h, tk, dv);
        Tensor dQ64 = nan64(b, h, tq, d), dK64 = nan64(b, h, tk, d), dV64 = nan64(b, h, tk, dv);
        FAST.attentionBackward(dOut, q, k, v, mask, scale, out, lse, dQ, dK, dV);
        REF.attentionBackward(f64(dOut), f64(q), f64(k), f64(v), f64(mask), scale, out64, lse64, dQ64, dK64, dV64);
        double atol = 3e-5 * Math.sqrt(Math.max(tq, tk));
        close("attention dQ", dQ64, dQ, atol, 2e-4);
        close("attention dK", dK64, dK, atol, 2e-4);
        close("attention dV", dV64, dV, atol, 2e-4);
    }
}
