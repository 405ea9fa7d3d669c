package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.cpu.CpuReferenceBackend;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;
import static org.jdiffusion.kernels.cuda.OpSuite.poisoned;
import static org.jdiffusion.kernels.cuda.OpSuite.stridedOn;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fused attention, forward (out, lse) and backward (dQ, dK, dV), on each device against the CPU
 * reference in float64: every CUDA variant (D = Dv of 16, 32, 64, 128 and the generic path), odd
 * and unit sequence lengths, B·H > 1, the U-Net's transposed q, k, v views of one qkv tensor,
 * non-contiguous inputs, dense masks with -inf entries and a fully masked row, broadcast masks.
 */
class AttentionOnDeviceTest {
    static Stream<Device> devices() { return OpSuite.devices(); }

    /** q, k, v: "plain" (contiguous), "strided" (stored transposed) or "qkv" (views of one [B, 3, H, D, T] tensor, Tq = Tk, D = Dv). */
    record Case(DType dt, int b, int h, int tq, int tk, int d, int dv, String layout, String mask) {
        @Override public String toString() {
            return dt + " B" + b + " H" + h + " Tq" + tq + " Tk" + tk + " D" + d + " Dv" + dv + " " + layout + " mask " + mask;
        }
    }

    static final DType F = DType.FLOAT32, F64 = DType.FLOAT64;
    static final Case[] CASES = {
            new Case(F, 2, 3, 37, 45, 16, 16, "plain", "none"),
            new Case(F, 2, 3, 37, 45, 32, 32, "strided", "dense"),
            new Case(F, 2, 2, 70, 33, 64, 64, "plain", "broadcast"),
            new Case(F, 1, 3, 45, 37, 128, 128, "strided", "none"),
            new Case(F, 2, 2, 33, 70, 128, 128, "plain", "dense"),
            new Case(F, 3, 4, 49, 49, 16, 16, "qkv", "none"),          // the U-Net: 4 heads of d 16 over 7x7
            new Case(F, 2, 2, 1, 1, 64, 64, "plain", "none"),          // T = 1
            new Case(F, 1, 3, 1, 70, 32, 32, "strided", "broadcast"),
            new Case(F, 2, 1, 17, 23, 24, 40, "plain", "dense"),       // the generic path: D != Dv
            new Case(F, 1, 2, 19, 9, 200, 7, "strided", "none"),
            new Case(F, 2, 2, 21, 21, 1, 1, "plain", "dense"),
            new Case(F64, 1, 2, 33, 19, 64, 64, "strided", "dense"),
            new Case(F64, 2, 2, 25, 31, 128, 128, "plain", "broadcast"),
            new Case(F64, 1, 2, 20, 41, 48, 48, "qkv", "dense"),
    };

    @ParameterizedTest @MethodSource("devices")
    void forwardAndBackwardMatchTheReference(Device dev) {
        Backend be = OpSuite.backend(dev);
        for (Case c : CASES) check(be, dev, c);
    }

    private static void check(Backend be, Device dev, Case c) {
        Generator g = new Generator(31L * c.tq() + c.tk() + c.d() + c.dv());
        DType dt = c.dt();
        Tensor q, k, v;
        if (c.layout().equals("qkv")) {
            Tensor qkv = Rand.normal(g, 0, 1, dt, Device.CPU, c.b(), 3, c.h(), c.d(), c.tq()).to(dev);
            q = qkv.select(1, 0).transpose(2, 3);
            k = qkv.select(1, 1).transpose(2, 3);
            v = qkv.select(1, 2).transpose(2, 3);
        } else {
            q = Rand.normal(g, 0, 1, dt, Device.CPU, c.b(), c.h(), c.tq(), c.d());
            k = Rand.normal(g, 0, 1, dt, Device.CPU, c.b(), c.h(), c.tk(), c.d());
            v = Rand.normal(g, 0, 1, dt, Device.CPU, c.b(), c.h(), c.tk(), c.dv());
            boolean s = c.layout().equals("strided");
            q = s ? stridedOn(q, dev) : q.to(dev);
            k = s ? stridedOn(k, dev) : k.to(dev);
            v = s ? stridedOn(v, dev) : v.to(dev);
        }
        Tensor mask = mask(g, dt, c);
        Tensor maskOn = mask == null ? null : mask.to(dev).expand(c.b(), c.h(), c.tq(), c.tk());
        double scale = 1 / Math.sqrt(c.d());

        CpuReferenceBackend ref = CpuReferenceBackend.INSTANCE;
        Tensor q64 = f64(q), k64 = f64(k), v64 = f64(v), m64 = mask == null ? null : f64(mask).expand(c.b(), c.h(), c.tq(), c.tk());
        Tensor out64 = nan64(c.b(), c.h(), c.tq(), c.dv()), lse64 = nan64(c.b(), c.h(), c.tq());
        ref.attention(q64, k64, v64, m64, scale, out64, lse64);
        Tensor out = poisoned(dt, dev, c.b(), c.h(), c.tq(), c.dv()), lse = poisoned(dt, dev, c.b(), c.h(), c.tq());
        be.attention(q, k, v, maskOn, scale, out, lse);
        close(c + " out", out64, out, dt, 2e-5, 1e-4);
        close(c + " lse", lse64, lse, dt, 2e-5, 1e-5);

        Tensor dOut = Rand.normal(g, 0, 1, dt, Device.CPU, c.b(), c.h(), c.tq(), c.dv());
        Tensor dQ64 = nan64(c.b(), c.h(), c.tq(), c.d()), dK64 = nan64(c.b(), c.h(), c.tk(), c.d()), dV64 = nan64(c.b(), c.h(), c.tk(), c.dv());
        ref.attentionBackward(f64(dOut), q64, k64, v64, m64, scale, out64, lse64, dQ64, dK64, dV64);
        Tensor dQ = poisoned(dt, dev, c.b(), c.h(), c.tq(), c.d()), dK = poisoned(dt, dev, c.b(), c.h(), c.tk(), c.d());
        Tensor dV = poisoned(dt, dev, c.b(), c.h(), c.tk(), c.dv());
        // the backward gets the reference's out and lse (in the case's dtype), so it is checked on its own
        be.attentionBackward(stridedOn(dOut, dev), q, k, v, maskOn, scale, out64.to(dt).to(dev), lse64.to(dt).to(dev), dQ, dK, dV);
        double atol = 3e-5 * Math.sqrt(Math.max(c.tq(), c.tk()));  // float32 sums over Tq or Tk terms
        close(c + " dQ", dQ64, dQ, dt, atol, 2e-4);
        close(c + " dK", dK64, dK, dt, atol, 2e-4);
        close(c + " dV", dV64, dV, dt, atol, 2e-4);
    }

    /** "dense": [B, H, Tq, Tk], ~20% -inf and query row 0 of every head fully masked; "broadcast": [1, 1, Tq, Tk] with ~20% -inf. */
    private static Tensor mask(Generator g, DType dt, Case c) {
        if (c.mask().equals("none")) return null;
        boolean dense = c.mask().equals("dense");
        int mb = dense ? c.b() : 1, mh = dense ? c.h() : 1;
        Tensor u = Rand.uniform(g, 0, 1, dt, Device.CPU, mb, mh, c.tq(), c.tk());
        Tensor m = Tensor.where(u.lt(0.2), Tensor.full(Double.NEGATIVE_INFINITY, dt, Device.CPU, 1), Rand.normal(g, 0, 1, dt, Device.CPU, 1, 1, 1, c.tk()));
        if (dense) for (int b = 0; b < mb; b++) for (int h = 0; h < mh; h++) m.select(0, b).select(0, h).select(0, 0).fillInPlace(Double.NEGATIVE_INFINITY);
        return m;
    }

    private static Tensor f64(Tensor t) { return t.to(Device.CPU).to(DType.FLOAT64); }

    private static Tensor nan64(int... shape) { return Tensor.full(Double.NaN, F64, Device.CPU, shape); }

    /** Float32 with the given tolerance; float64 with TestTensors' (1e-10). */
    private static void close(String what, Tensor expected, Tensor actual, DType dt, double atol, double rtol) {
        try {
            if (dt == F64) assertClose(expected, actual);
            else assertClose(expected, actual, atol, rtol);
        } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void headDimsPastTheCudaLimitAreRefusedByName(Device dev) {
        OpSuite.backend(dev);
        Assumptions.assumeFalse(dev.isCpu(), "the CPU reference takes any head dim");
        Tensor q = Tensor.zeros(DType.FLOAT32, dev, 1, 1, 3, 300), v = Tensor.zeros(DType.FLOAT32, dev, 1, 1, 3, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, q, v, null, 0.1));
        assertTrue(e.getMessage().contains("D = 300") && e.getMessage().contains("256"), e.getMessage());
    }
}
