package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostPool;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Optim;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Step-scoped memory ({@link MemoryScope}) on each device: a hand-written training step (conv →
 * group norm → SiLU → conv, a mean-square loss, every backward by the tensor ops, a fused Adam
 * update in place) run in a scope per step. After two warm-up steps a step makes no driver
 * allocation or free on CUDA (the caching allocator's counters) and no pool miss on the CPU, every
 * block of the step is back in the cache when the scope closes, and the results are bit-identical
 * to the same steps run without scopes.
 */
class MemoryScopeOnDeviceTest {
    static Stream<Device> devices() { return OpSuite.devices(); }

    /** Weights of the little network, allocated outside any scope (they live across steps). */
    record Net(Tensor w1, Tensor b1, Tensor gamma, Tensor beta, Tensor w2, Tensor b2, List<Tensor> m, List<Tensor> v) {
        List<Tensor> params() { return List.of(w1, b1, gamma, beta, w2, b2); }

        static Net init(Device d) {
            Generator g = new Generator(7);
            Tensor w1 = Rand.normal(g, 0, 0.2, DType.FLOAT32, d, 8, 3, 3, 3), b1 = Rand.normal(g, 0, 0.1, DType.FLOAT32, d, 8);
            Tensor gamma = Rand.normal(g, 1, 0.1, DType.FLOAT32, d, 8), beta = Rand.normal(g, 0, 0.1, DType.FLOAT32, d, 8);
            Tensor w2 = Rand.normal(g, 0, 0.2, DType.FLOAT32, d, 4, 8, 3, 3), b2 = Rand.normal(g, 0, 0.1, DType.FLOAT32, d, 4);
            List<Tensor> ps = List.of(w1, b1, gamma, beta, w2, b2);
            List<Tensor> m = ps.stream().map(p -> Tensor.zeros(p.dtype(), d, p.shape())).toList();
            List<Tensor> v = ps.stream().map(p -> Tensor.zeros(p.dtype(), d, p.shape())).toList();
            return new Net(w1, b1, gamma, beta, w2, b2, m, v);
        }
    }

    /** One step on batch number {@code k}; returns the loss as a 0-d tensor. */
    static Tensor step(Net n, int k, Device d) {
        Generator g = new Generator(100 + k);
        Tensor x = Rand.normal(g, 0, 1, DType.FLOAT32, d, 2, 3, 10, 10), target = Rand.normal(g, 0, 1, DType.FLOAT32, d, 2, 4, 10, 10);
        Conv2dParams p = Conv2dParams.of(1, 1);
        Tensor h = Conv.conv2d(x, n.w1(), n.b1(), p);
        Norm.Result gn = Norm.groupNorm(h, n.gamma(), n.beta(), 2, 1e-5);
        Tensor a = gn.out().silu();
        Tensor y = Conv.conv2d(a, n.w2(), n.b2(), p);
        Tensor diff = y.sub(target);
        Tensor loss = diff.square().mean();
        // backward by hand: dL/dy = 2·diff/numel
        Tensor dY = diff.mul(2.0 / diff.numel());
        Tensor dW2 = Conv.conv2dBackwardWeight(dY, a, n.w2().shape(), p), dB2 = dY.sum(new int[]{0, 2, 3}, false);
        Tensor dA = Conv.conv2dBackwardInput(dY, n.w2(), a.shape(), p);
        Tensor sig = gn.out().sigmoid();
        Tensor dGn = dA.mul(sig.mul(gn.out().mul(sig.neg().add(1)).add(1)));   // silu' = σ(1 + x(1 − σ))
        Norm.Grads gg = Norm.groupNormBackward(dGn, h, n.gamma(), gn.mean(), gn.rstd(), 2);
        Tensor dW1 = Conv.conv2dBackwardWeight(gg.dX(), x, n.w1().shape(), p), dB1 = gg.dX().sum(new int[]{0, 2, 3}, false);
        List<Tensor> grads = List.of(dW1, dB1, gg.dGamma(), gg.dBeta(), dW2, dB2);
        Optim.adamStep(n.params(), grads, n.m(), n.v(), new AdamHyper(1e-2, 0.9, 0.999, 1e-8, 0.01, true, k + 1));
        return loss;
    }

    @ParameterizedTest @MethodSource("devices")
    void scopedStepsMatchUnscopedBitForBitAndReuseTheirMemory(Device d) {
        CudaCondition.assumeUsable(d);
        boolean poison = MemoryScope.setPoisoning(false);   // the pool must reuse for the hit counts below
        try {
            Net plain = Net.init(d), scoped = Net.init(d);
            float[] plainLoss = new float[6], scopedLoss = new float[6];
            for (int k = 0; k < 6; k++) plainLoss[k] = (float) step(plain, k, d).item();
            for (int k = 0; k < 6; k++) {
                MemoryStats before = d.isCpu() ? null : ((CudaBackend) Backends.of(d)).memoryStats();
                HostPool.Stats hostBefore = HostPool.stats();
                try (MemoryScope s = MemoryScope.open("test step")) {
                    scopedLoss[k] = (float) step(scoped, k, d).item();
                    assertTrue(s.allocations() > 20, "the step's intermediates belong to the scope: " + s);
                }
                if (k < 2) continue;   // warm-up: the pool and the cache fill
                if (d.isCpu()) {
                    HostPool.Stats after = HostPool.stats();
                    assertEquals(hostBefore.misses(), after.misses(), "step " + k + " missed the host pool: " + hostBefore + " -> " + after);
                } else {
                    MemoryStats after = ((CudaBackend) Backends.of(d)).memoryStats();
                    assertEquals(before.driverMallocs(), after.driverMallocs(), "step " + k + " called cuMemAlloc: " + after);
                    assertEquals(before.driverFrees(), after.driverFrees(), "step " + k + " called cuMemFree: " + after);
                    assertEquals(before.allocated(), after.allocated(), "step " + k + " left blocks allocated: " + before + " -> " + after);
                }
            }
            assertArrayEquals(plainLoss, scopedLoss);
            for (int i = 0; i < plain.params().size(); i++)
                assertArrayEquals(plain.params().get(i).toFloatArray(), scoped.params().get(i).toFloatArray(), "parameter " + i);
        } finally {
            MemoryScope.setPoisoning(poison);
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void keptTensorsSurviveAndNestedScopesHandThemOutward(Device d) {
        CudaCondition.assumeUsable(d);
        Tensor kept;
        try (MemoryScope outer = MemoryScope.open("outer")) {
            Tensor a = Tensor.full(3, DType.FLOAT32, d, 4);
            try (MemoryScope inner = MemoryScope.open("inner")) {
                assertSame(inner, MemoryScope.current());
                kept = inner.keep(a.add(a));
                assertEquals(1, inner.keptCount());
                assertEquals(0, inner.ownedCount());
            }
            assertSame(outer, MemoryScope.current());
            assertEquals(2, outer.ownedCount(), "a and the kept product belong to the outer scope now");
            outer.keep(kept);
        }
        assertEquals(null, MemoryScope.current());
        assertArrayEquals(new float[]{6, 6, 6, 6}, kept.toFloatArray());
    }

    @ParameterizedTest @MethodSource("devices")
    void untrackedAllocationsAndExplicitReleases(Device d) {
        CudaCondition.assumeUsable(d);
        try (MemoryScope s = MemoryScope.open("step")) {
            Tensor state = MemoryScope.untracked(() -> Tensor.ones(DType.FLOAT32, d, 3));
            assertEquals(0, s.ownedCount(), "an untracked allocation belongs to no scope");
            Tensor t = Tensor.ones(DType.FLOAT32, d, 5);
            assertTrue(s.release(t));
            assertFalse(s.release(t), "a storage is released once");
            assertFalse(s.release(state), "a tensor the scope does not own is not released");
            assertArrayEquals(new float[]{1, 1, 1}, state.toFloatArray());
        }
    }

    @Test
    void aReleasedCudaTensorRefusesToBeUsedNamingTheScope() {
        Device d = Device.cuda(0);
        CudaCondition.assumeUsable(d);
        Tensor t;
        try (MemoryScope s = MemoryScope.open("step")) {
            t = Tensor.ones(DType.FLOAT32, d, 8);
        }
        Tensor stale = t;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> stale.add(1).toFloatArray());
        assertTrue(e.getMessage().contains("released by its MemoryScope"), e.getMessage());
    }

    @Test
    void aReleasedHostTensorReadsPoisonInPoisonMode() {
        boolean prev = MemoryScope.setPoisoning(true);
        try {
            Tensor t;
            try (MemoryScope s = MemoryScope.open("step")) {
                t = Tensor.ones(DType.FLOAT32, Device.CPU, 4);
                Tensor i = Tensor.zeros(DType.INT64, Device.CPU, 2);
                s.release(i);
                assertEquals(-(double) (1L << 62), i.toLongArray()[0]);
            }
            for (float v : t.toFloatArray()) assertTrue(Float.isNaN(v), "poisoned after the scope closed");
            for (float v : Tensor.empty(DType.FLOAT32, Device.CPU, 3).toFloatArray()) assertTrue(Float.isNaN(v), "empty starts as poison");
        } finally {
            MemoryScope.setPoisoning(prev);
        }
    }

    @Test
    void scopesCloseInReverseOrderOnTheirOwnThread() throws Exception {
        MemoryScope outer = MemoryScope.open("outer");
        MemoryScope inner = MemoryScope.open("inner");
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("inner scope 'inner' is still open"), e.getMessage());
        Thread other = new Thread(() -> assertThrows(IllegalStateException.class, inner::close));
        other.start();
        other.join();
        inner.close();
        outer.close();
        assertEquals(null, MemoryScope.current());
        IllegalStateException k = assertThrows(IllegalStateException.class, () -> outer.keep(Tensor.zeros(1)));
        assertTrue(k.getMessage().contains("already closed"), k.getMessage());
    }
}
