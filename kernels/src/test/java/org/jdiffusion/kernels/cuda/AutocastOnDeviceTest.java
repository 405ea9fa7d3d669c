package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Autocast;
import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Linalg;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;
import static org.jdiffusion.kernels.cuda.OpSuite.backend;
import static org.jdiffusion.kernels.cuda.OpSuite.input;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bf16 autocast on each device: inside a scope, float32 matmul, the three convolutions and attention
 * equal the float64 reference computed on the inputs rounded to bfloat16, within float32
 * accumulation (tol 1e-5·√K per element, as MatmulConvOnDeviceTest's fp32); each also differs from
 * the unrounded reference by far more than that, which proves the rounding happened. Outside a
 * scope, and for float64 inside one, nothing changes.
 */
class AutocastOnDeviceTest {
    static final Conv2dParams P = Conv2dParams.of(2, 1);

    static Tensor f64(Tensor t) { return t.to(Device.CPU).to(DType.FLOAT64); }

    static Tensor bf16Of(Tensor t) { return Autocast.roundToBf16(t.to(Device.CPU)).to(DType.FLOAT64); }

    static <T> T inScope(Supplier<T> f) {
        try (Autocast ignored = Autocast.bf16()) {
            return f.get();
        }
    }

    /** actual matches exact within fp32 accumulation and is farther than that from unrounded. */
    static void assertBf16(Tensor exact, Tensor unrounded, Tensor actual, int k, String what) {
        double tol = 1e-5 * Math.sqrt(k);
        assertClose(exact, actual, tol, tol);
        double gap = exact.sub(unrounded).abs().max().item();
        assertTrue(gap > 20 * tol, what + ": the bf16 and float32 results differ by only " + gap + ", so the inputs were not rounded");
    }

    @ParameterizedTest @MethodSource("org.jdiffusion.kernels.cuda.OpSuite#devices")
    void matmulInsideAScopeMultipliesBf16Values(Device dev) {
        backend(dev);
        Generator g = new Generator(71);
        Tensor a = input(g, DType.FLOAT32, 3, 37, 150), b = input(g, DType.FLOAT32, 150, 45);
        Tensor ad = a.to(dev), bd = b.to(dev);
        Tensor out = inScope(() -> Linalg.matmul(ad, bd));
        assertEquals(DType.FLOAT32, out.dtype());
        assertBf16(Linalg.matmul(bf16Of(a), bf16Of(b)), Linalg.matmul(f64(a), f64(b)), out, 150, "matmul");
        // outside the scope: plain float32
        assertClose(Linalg.matmul(f64(a), f64(b)), Linalg.matmul(ad, bd), 1e-5 * Math.sqrt(150), 1e-5 * Math.sqrt(150));
    }

    @ParameterizedTest @MethodSource("org.jdiffusion.kernels.cuda.OpSuite#devices")
    void convolutionsInsideAScopeMultiplyBf16Values(Device dev) {
        backend(dev);
        Generator g = new Generator(72);
        Tensor x = input(g, DType.FLOAT32, 2, 24, 9, 9), w = input(g, DType.FLOAT32, 16, 24, 3, 3), bias = input(g, DType.FLOAT32, 16);
        Tensor dy = input(g, DType.FLOAT32, 2, 16, 5, 5);
        Tensor xd = x.to(dev), wd = w.to(dev), bd = bias.to(dev), dyd = dy.to(dev);
        int[] xs = x.shape(), ws = w.shape();

        Tensor y = inScope(() -> Conv.conv2d(xd, wd, bd, P));
        assertBf16(Conv.conv2d(bf16Of(x), bf16Of(w), f64(bias), P), Conv.conv2d(f64(x), f64(w), f64(bias), P), y, 24 * 9, "conv2d");
        Tensor dx = inScope(() -> Conv.conv2dBackwardInput(dyd, wd, xs, P));
        assertBf16(Conv.conv2dBackwardInput(bf16Of(dy), bf16Of(w), xs, P), Conv.conv2dBackwardInput(f64(dy), f64(w), xs, P), dx, 16 * 9, "dX");
        Tensor dw = inScope(() -> Conv.conv2dBackwardWeight(dyd, xd, ws, P));
        assertBf16(Conv.conv2dBackwardWeight(bf16Of(dy), bf16Of(x), ws, P), Conv.conv2dBackwardWeight(f64(dy), f64(x), ws, P), dw, 2 * 25, "dW");
    }

    @ParameterizedTest @MethodSource("org.jdiffusion.kernels.cuda.OpSuite#devices")
    void attentionInsideAScopeTakesBf16Operands(Device dev) {
        backend(dev);
        Generator g = new Generator(73);
        Tensor q = input(g, DType.FLOAT32, 2, 2, 13, 32), k = input(g, DType.FLOAT32, 2, 2, 17, 32), v = input(g, DType.FLOAT32, 2, 2, 17, 32);
        double scale = 1 / Math.sqrt(32);
        Tensor out = inScope(() -> Norm.attention(q.to(dev), k.to(dev), v.to(dev), null, scale).out());
        Tensor exact = Norm.attention(bf16Of(q), bf16Of(k), bf16Of(v), null, scale).out();
        assertBf16(exact, Norm.attention(f64(q), f64(k), f64(v), null, scale).out(), out, 32, "attention");
    }

    @ParameterizedTest @MethodSource("org.jdiffusion.kernels.cuda.OpSuite#devices")
    void float64IsNeverRounded(Device dev) {
        backend(dev);
        Generator g = new Generator(74);
        Tensor a = input(g, DType.FLOAT64, 20, 30).to(dev), b = input(g, DType.FLOAT64, 30, 10).to(dev);
        Tensor in = inScope(() -> Linalg.matmul(a, b));
        assertClose(Linalg.matmul(a, b).to(Device.CPU), in, 1e-12, 1e-12);
    }

    @Test void scopesNestAndCloseInReverseOrder() {
        assertFalse(Autocast.bf16Active());
        Autocast outer = Autocast.bf16();
        Autocast inner = Autocast.bf16();
        var e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("reverse order"), e.getMessage());
        inner.close();
        assertTrue(Autocast.bf16Active());
        outer.close();
        outer.close();  // idempotent
        assertFalse(Autocast.bf16Active());
    }

    @Test void aScopeBelongsToItsThread() throws InterruptedException {
        try (Autocast a = Autocast.bf16()) {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            AtomicReference<Boolean> activeThere = new AtomicReference<>();
            Thread t = new Thread(() -> {
                activeThere.set(Autocast.bf16Active());
                try {
                    a.close();
                } catch (Throwable x) {
                    seen.set(x);
                }
            }, "other");
            t.start();
            t.join();
            assertFalse(activeThere.get(), "a scope is visible only on its own thread");
            assertTrue(seen.get() instanceof IllegalStateException && seen.get().getMessage().contains("thread that opened it"),
                    String.valueOf(seen.get()));
            assertTrue(Autocast.bf16Active());
        }
    }

    @Test void roundingAskedOfANonFloat32TensorSaysWhatItExpects() {
        Tensor d = Tensor.zeros(DType.FLOAT64, Device.CPU, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> Autocast.roundToBf16(d));
        assertTrue(e.getMessage().contains("expected a float32 tensor") && e.getMessage().contains("float64"), e.getMessage());
    }
}
