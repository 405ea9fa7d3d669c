package org.jdiffusion.kernels.cpu;

import org.jdiffusion.kernels.FiniteDifferences;
import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.jdiffusion.kernels.TestTensors.assertClose;
import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group norm and layer norm against their composite definitions; backward against finite differences. */
class CpuNormTest {
    private static final DType F64 = DType.FLOAT64, F32 = DType.FLOAT32;
    private static final double EPS = 1e-5;
    private static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;
    /** Finite differences of the float64 composite: truncation and round-off near 1e-9. */
    private static final double FD_ATOL = 1e-6, FD_RTOL = 1e-5;

    // ---- composites: the definitions, from primitive tensor ops in float64 ----------------------

    /** [N, G] statistics and output of group norm: reshape to [N, G, −1], mean/var (correction 0). */
    static Tensor[] groupNormRef(Tensor x, Tensor gamma, Tensor beta, int groups) {
        int[] sh = x.shape();
        Tensor xr = x.to(F64).reshape(sh[0], groups, -1);
        Tensor mu = xr.mean(new int[]{2}, true), rstd = xr.var(new int[]{2}, 0, true).add(EPS).sqrt().pow(-1);
        Tensor y = xr.sub(mu).mul(rstd).reshape(sh);
        if (gamma != null) {
            int[] ps = new int[sh.length];
            Arrays.fill(ps, 1);
            ps[1] = sh[1];
            y = y.mul(gamma.to(F64).reshape(ps)).add(beta.to(F64).reshape(ps));
        }
        return new Tensor[]{y, mu.reshape(sh[0], groups), rstd.reshape(sh[0], groups)};
    }

    /** Layer norm over the last k dims: mean/var over those dims, then the affine of their shape. */
    static Tensor[] layerNormRef(Tensor x, Tensor gamma, Tensor beta, int k) {
        int r = x.dim();
        int[] dims = new int[k];
        for (int i = 0; i < k; i++) dims[i] = r - k + i;
        Tensor x64 = x.to(F64);
        Tensor mu = x64.mean(dims, true), rstd = x64.var(dims, 0, true).add(EPS).sqrt().pow(-1);
        Tensor y = x64.sub(mu).mul(rstd);
        if (gamma != null) y = y.mul(gamma.to(F64)).add(beta.to(F64));
        int[] lead = Arrays.copyOf(x.shape(), r - k);
        return new Tensor[]{y, mu.reshape(lead), rstd.reshape(lead)};
    }

    // ---- group norm ---------------------------------------------------------------------------

    @Test
    void groupNormMatchesComposite() {
        int seed = 10;
        int[][] shapes = {{2, 6, 3, 5}, {3, 4}, {1, 4, 2, 3, 2}, {2, 3, 7}};
        int[][] groupChoices = {{1, 3, 6}, {2, 4}, {4, 1}, {3}};
        for (DType dt : new DType[]{F64, F32}) {
            for (int s = 0; s < shapes.length; s++) {
                for (int groups : groupChoices[s]) {
                    for (boolean affine : new boolean[]{true, false}) {
                        Generator g = TestTensors.gen(seed++);
                        int c = shapes[s][1];
                        Tensor x = randn(g, dt, shapes[s]).mul(2).add(0.5);
                        Tensor gamma = affine ? randn(g, dt, c) : null, beta = affine ? randn(g, dt, c) : null;
                        Tensor[] ref = groupNormRef(x, gamma, beta, groups);
                        Norm.Result r = Norm.groupNorm(x, gamma, beta, groups, EPS);
                        assertClose(ref[0], r.out());
                        assertClose(ref[1], r.mean());
                        assertClose(ref[2], r.rstd());
                    }
                }
            }
        }
    }

    @Test
    void groupNormStridedInputsAndPoisonedStridedOutputs() {
        for (DType dt : new DType[]{F64, F32}) {
            Generator g = TestTensors.gen(dt == F64 ? 21 : 22);
            int[] sh = {3, 4, 5, 3};
            Tensor x = randn(g, dt, sh), gamma = randn(g, dt, 4), beta = randn(g, dt, 4);
            Tensor[] ref = groupNormRef(x, gamma, beta, 2);
            Tensor out = strided(poisoned(dt, sh)), mean = strided(poisoned(dt, 3, 2)), rstd = strided(poisoned(dt, 3, 2));
            CPU.groupNorm(strided(x), strided(gamma), strided(beta), 2, EPS, out, mean, rstd);
            assertClose(ref[0], out);
            assertClose(ref[1], mean);
            assertClose(ref[2], rstd);
        }
    }

    @Test
    void groupNormBackwardMatchesFiniteDifferences() {
        int seed = 30;
        for (boolean affine : new boolean[]{true, false}) {
            for (int groups : new int[]{1, 2, 6}) {
                Generator g = TestTensors.gen(seed++);
                int[] sh = {2, 6, 2, 3};
                Tensor x = randn(g, F64, sh), gamma = affine ? randn(g, F64, 6) : null, beta = affine ? randn(g, F64, 6) : null;
                Tensor dY = randn(g, F64, sh);
                Norm.Result fwd = Norm.groupNorm(x, gamma, beta, groups, EPS);
                Tensor dX = poisoned(F64, sh), dG = affine ? poisoned(F64, 6) : null, dB = affine ? poisoned(F64, 6) : null;
                CPU.groupNormBackward(strided(dY), strided(x), gamma, fwd.mean(), fwd.rstd(), groups, dX, dG, dB);
                assertClose(FiniteDifferences.gradient(t -> groupNormRef(t, gamma, beta, groups)[0], x, dY), dX, FD_ATOL, FD_RTOL);
                if (affine) {
                    assertClose(FiniteDifferences.gradient(t -> groupNormRef(x, t, beta, groups)[0], gamma, dY), dG, FD_ATOL, FD_RTOL);
                    assertClose(FiniteDifferences.gradient(t -> groupNormRef(x, gamma, t, groups)[0], beta, dY), dB, FD_ATOL, FD_RTOL);
                }
            }
        }
    }

    @Test
    void groupNormBackwardFloat32MatchesFloat64() {
        Generator g = TestTensors.gen(40);
        int[] sh = {2, 8, 5, 3};
        Tensor x = randn(g, F64, sh).to(F32), gamma = randn(g, F64, 8).to(F32), beta = randn(g, F64, 8).to(F32);
        Tensor dY = randn(g, F64, sh).to(F32);
        Tensor[] ref = groupNormBackward(dY.to(F64), x.to(F64), gamma.to(F64), beta.to(F64), 4, F64);
        Tensor[] got = groupNormBackward(dY, x, gamma, beta, 4, F32);
        for (int i = 0; i < 3; i++) assertClose(ref[i], got[i]);
    }

    private static Tensor[] groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor beta, int groups, DType dt) {
        Norm.Result fwd = Norm.groupNorm(x, gamma, beta, groups, EPS);
        Tensor dX = poisoned(dt, x.shape()), dG = poisoned(dt, x.size(1)), dB = poisoned(dt, x.size(1));
        CPU.groupNormBackward(dY, x, gamma, fwd.mean(), fwd.rstd(), groups, dX, dG, dB);
        return new Tensor[]{dX, dG, dB};
    }

    @Test
    void groupNormLargeEnoughToRunInParallel() {
        Generator g = TestTensors.gen(50);
        int[] sh = {4, 8, 32, 32};
        Tensor x = randn(g, F32, sh), gamma = randn(g, F32, 8), beta = randn(g, F32, 8), dY = randn(g, F32, sh);
        Tensor[] ref = groupNormRef(x, gamma, beta, 4);
        Norm.Result r = Norm.groupNorm(x, gamma, beta, 4, EPS);
        assertClose(ref[0], r.out());
        Tensor[] want = groupNormBackward(dY.to(F64), x.to(F64), gamma.to(F64), beta.to(F64), 4, F64);
        Tensor[] got = groupNormBackward(dY, x, gamma, beta, 4, F32);
        for (int i = 0; i < 3; i++) assertClose(want[i], got[i], 1e-5, 1e-4);
    }

    @Test
    void groupNormBadInputsNameTheProblem() {
        Generator g = TestTensors.gen(60);
        Tensor x = randn(g, F32, 2, 6, 3, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> Norm.groupNorm(x, null, null, 4, EPS));
        assertContains(e, "groupNorm", "6 channels", "4 groups");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.groupNorm(x, randn(g, F32, 4), randn(g, F32, 6), 3, EPS));
        assertContains(e, "groupNorm", "[4]", "[2, 6, 3, 3]", "expected shape [6]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.groupNorm(x, randn(g, F32, 6), null, 3, EPS));
        assertContains(e, "groupNorm", "gamma and beta");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.groupNorm(x, randn(g, F64, 6), randn(g, F64, 6), 3, EPS));
        assertContains(e, "groupNorm", "dtype", "float64", "float32");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.groupNorm(randn(g, F32, 6), null, null, 3, EPS));
        assertContains(e, "groupNorm", "[N, C, *]", "[6]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.groupNorm(Tensor.ofLongs(new long[]{1, 2}, 1, 2), null, null, 1, EPS));
        assertContains(e, "groupNorm", "floating", "int64");
    }

    // ---- layer norm ---------------------------------------------------------------------------

    @Test
    void layerNormMatchesComposite() {
        int seed = 70;
        int[][] shapes = {{3, 7}, {2, 3, 4}, {5}, {2, 1, 3, 5}};
        for (DType dt : new DType[]{F64, F32}) {
            for (int[] sh : shapes) {
                for (int k = 1; k <= Math.min(2, sh.length); k++) {
                    for (boolean affine : new boolean[]{true, false}) {
                        Generator g = TestTensors.gen(seed++);
                        int[] ps = Arrays.copyOfRange(sh, sh.length - k, sh.length);
                        Tensor x = randn(g, dt, sh).mul(3).sub(1);
                        Tensor gamma = affine ? randn(g, dt, ps) : null, beta = affine ? randn(g, dt, ps) : null;
                        Tensor[] ref = layerNormRef(x, gamma, beta, k);
                        Norm.Result r = Norm.layerNorm(strided(x), gamma == null ? null : strided(gamma), beta, k, EPS);
                        assertClose(ref[0], r.out());
                        assertClose(ref[1], r.mean());
                        assertClose(ref[2], r.rstd());
                    }
                }
            }
        }
    }

    @Test
    void layerNormPoisonedStridedOutputs() {
        Generator g = TestTensors.gen(80);
        Tensor x = randn(g, F32, 4, 3, 6), gamma = randn(g, F32, 3, 6), beta = randn(g, F32, 3, 6);
        Tensor[] ref = layerNormRef(x, gamma, beta, 2);
        Tensor out = strided(poisoned(F32, 4, 3, 6)), mean = strided(poisoned(F32, 4)), rstd = strided(poisoned(F32, 4));
        CPU.layerNorm(x, gamma, beta, 2, EPS, out, mean, rstd);
        assertClose(ref[0], out);
        assertClose(ref[1], mean);
        assertClose(ref[2], rstd);
    }

    @Test
    void layerNormBackwardMatchesFiniteDifferences() {
        int seed = 90;
        for (int k = 1; k <= 2; k++) {
            for (boolean affine : new boolean[]{true, false}) {
                Generator g = TestTensors.gen(seed++);
                int[] sh = {3, 2, 5};
                int[] ps = Arrays.copyOfRange(sh, 3 - k, 3);
                Tensor x = randn(g, F64, sh), gamma = affine ? randn(g, F64, ps) : null, beta = affine ? randn(g, F64, ps) : null;
                Tensor dY = randn(g, F64, sh);
                Norm.Result fwd = Norm.layerNorm(x, gamma, beta, k, EPS);
                Tensor dX = strided(poisoned(F64, sh)), dG = affine ? poisoned(F64, ps) : null, dB = affine ? poisoned(F64, ps) : null;
                int kk = k;
                CPU.layerNormBackward(strided(dY), strided(x), gamma, fwd.mean(), fwd.rstd(), k, dX, dG, dB);
                assertClose(FiniteDifferences.gradient(t -> layerNormRef(t, gamma, beta, kk)[0], x, dY), dX, FD_ATOL, FD_RTOL);
                if (affine) {
                    assertClose(FiniteDifferences.gradient(t -> layerNormRef(x, t, beta, kk)[0], gamma, dY), dG, FD_ATOL, FD_RTOL);
                    assertClose(FiniteDifferences.gradient(t -> layerNormRef(x, gamma, t, kk)[0], beta, dY), dB, FD_ATOL, FD_RTOL);
                } else {
                    assertNull(dG);
                }
            }
        }
    }

    @Test
    void layerNormBackwardFloat32MatchesFloat64InParallel() {
        Generator g = TestTensors.gen(100);
        int[] sh = {96, 3, 64};
        Tensor x = randn(g, F32, sh), gamma = randn(g, F32, 64), beta = randn(g, F32, 64), dY = randn(g, F32, sh);
        Tensor[] want = layerNormBackward(dY.to(F64), x.to(F64), gamma.to(F64), beta.to(F64), F64);
        Tensor[] got = layerNormBackward(dY, x, gamma, beta, F32);
        for (int i = 0; i < 3; i++) assertClose(want[i], got[i], 2e-5, 1e-4);
    }

    private static Tensor[] layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor beta, DType dt) {
        Norm.Result fwd = Norm.layerNorm(x, gamma, beta, 1, EPS);
        Tensor dX = poisoned(dt, x.shape()), dG = poisoned(dt, gamma.shape()), dB = poisoned(dt, beta.shape());
        CPU.layerNormBackward(dY, x, gamma, fwd.mean(), fwd.rstd(), 1, dX, dG, dB);
        return new Tensor[]{dX, dG, dB};
    }

    @Test
    void layerNormBadInputsNameTheProblem() {
        Generator g = TestTensors.gen(110);
        Tensor x = randn(g, F32, 2, 3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> Norm.layerNorm(x, null, null, 4, EPS));
        assertContains(e, "layerNorm", "last 4 dims", "[2, 3, 4]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.layerNorm(x, randn(g, F32, 4, 3), randn(g, F32, 4, 3), 2, EPS));
        assertContains(e, "layerNorm", "[4, 3]", "expected shape [3, 4]");
        e = assertThrows(IllegalArgumentException.class,
                () -> Norm.layerNorm(x, Tensor.ones(F32, Device.CPU, 4), Tensor.zeros(F32, Device.CPU, 4).to(F64), 1, EPS));
        assertContains(e, "layerNorm", "dtype");
    }

    static void assertContains(Exception e, String... parts) {
        for (String p : parts)
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should mention '" + p + "'");
    }
}
