package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;
import static org.jdiffusion.kernels.cuda.OpSuite.input;
import static org.jdiffusion.kernels.cuda.OpSuite.poisoned;
import static org.jdiffusion.kernels.cuda.OpSuite.stridedOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * softmax / log_softmax, layer norm and group norm, forward and backward, on each device against
 * their composite definitions evaluated in float64 on the CPU (the fused ops' oracles). The first
 * three tests use transposed (strided) inputs, so cuda:0 runs the generic kernels; the "contiguous"
 * tests lay rows out densely, at an odd offset (misaligned: scalar loads) and as column slices of a
 * wider tensor (evenly spaced rows), and check with {@link CudaFastRows} that those take the register
 * kernels (warp and block per row, with and without vectors; both dX) and the dense parameter
 * gradient kernels, and that over-long rows (and group norm's short spatial runs) fall back.
 */
class NormSoftmaxOnDeviceTest {
    static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    static final double EPS = 1e-5;

    static Stream<Device> devices() { return OpSuite.devices(); }

    /** Runs body; on the CPU device a reference kernel that is not written yet skips the test instead of failing it. */
    static void run(Device d, Runnable body) {
        try {
            body.run();
        } catch (UnsupportedOperationException e) {
            Assumptions.assumeTrue(!d.isCpu(), () -> "the CPU reference is not implemented yet: " + e.getMessage());
            throw e;
        }
    }

    static Tensor f64(Tensor t) { return t.to(DType.FLOAT64); }

    static int[] range(int from, int to) { return IntStream.range(from, to).toArray(); }

    @ParameterizedTest @MethodSource("devices")
    void softmaxAndLogSoftmaxForwardAndBackwardAlongEveryDim(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(707);
        for (DType dt : FLOATS)
            for (int dim = 0; dim < 3; dim++)
                for (boolean log : new boolean[]{false, true}) {
                    Tensor x = input(g, dt, 4, 67, 3).mul(3), dY = input(g, dt, 4, 67, 3);
                    int[] dd = {dim};
                    Tensor x64 = f64(x), m = x64.max(dd, true), e = x64.sub(m).exp(), s = e.sum(dd, true);
                    Tensor y64 = log ? x64.sub(m).sub(s.log()) : e.div(s);
                    Tensor dY64 = f64(dY);
                    Tensor dX64 = log ? dY64.sub(y64.exp().mul(dY64.sum(dd, true))) : y64.mul(dY64.sub(dY64.mul(y64).sum(dd, true)));
                    final int fd = dim;
                    run(d, () -> {
                        Tensor y = poisoned(dt, d, 4, 67, 3);
                        be.softmax(stridedOn(x, d), fd, log, y);
                        assertClose(y64, y);
                        Tensor dX = poisoned(dt, d, 4, 67, 3);
                        be.softmaxBackward(stridedOn(dY, d), y64.to(dt).to(d), fd, log, dX);
                        assertClose(dX64, dX);
                    });
                }
    }

    @ParameterizedTest @MethodSource("devices")
    void layerNormForwardAndBackwardWithAndWithoutAffine(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(808);
        for (DType dt : FLOATS)
            for (int nd : new int[]{1, 2})
                for (boolean affine : new boolean[]{true, false}) {
                    int[] shape = {3, 5, 41};
                    int lead = shape.length - nd;
                    int[] leadShape = java.util.Arrays.copyOf(shape, lead), normShape = java.util.Arrays.copyOfRange(shape, lead, shape.length);
                    Tensor x = input(g, dt, shape).mul(2).add(0.5), dY = input(g, dt, shape);
                    Tensor gamma = affine ? input(g, dt, normShape) : null, beta = affine ? input(g, dt, normShape) : null;
                    NormRef ref = layerNormRef(x, dY, gamma, beta, nd);
                    Tensor mu = ref.mean(), rstd = ref.rstd(), out64 = ref.out(), dX64 = ref.dX(), dGamma64 = ref.dGamma(), dBeta64 = ref.dBeta();
                    run(d, () -> {
                        Tensor out = poisoned(dt, d, shape), mean = poisoned(dt, d, leadShape), rs = poisoned(dt, d, leadShape);
                        be.layerNorm(stridedOn(x, d), affine ? gamma.to(d) : null, affine ? beta.to(d) : null, nd, EPS, out, mean, rs);
                        assertClose(out64, out);
                        assertClose(mu.reshape(leadShape), mean);
                        assertClose(rstd.reshape(leadShape), rs);
                        Tensor dX = poisoned(dt, d, shape);
                        Tensor dG = affine ? poisoned(dt, d, normShape) : null, dB = affine ? poisoned(dt, d, normShape) : null;
                        be.layerNormBackward(stridedOn(dY, d), x.to(d), affine ? gamma.to(d) : null, mean, rs, nd, dX, dG, dB);
                        assertClose(dX64, dX);
                        if (affine) {
                            assertClose(dGamma64, dG);
                            assertClose(dBeta64, dB);
                        }
                    });
                }
    }

    @ParameterizedTest @MethodSource("devices")
    void groupNormForwardAndBackwardWithAndWithoutAffine(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(909);
        int n = 3, c = 6, h = 5, w = 7;
        for (DType dt : FLOATS)
            for (int groups : new int[]{1, 3, 6})
                for (boolean affine : new boolean[]{true, false}) {
                    Tensor x = input(g, dt, n, c, h, w).mul(1.5).add(-0.25), dY = input(g, dt, n, c, h, w);
                    Tensor gamma = affine ? input(g, dt, c) : null, beta = affine ? input(g, dt, c) : null;
                    NormRef ref = groupNormRef(x, dY, gamma, beta, groups);
                    Tensor mu = ref.mean(), rstd = ref.rstd(), out64 = ref.out(), dX64 = ref.dX(), dGamma64 = ref.dGamma(), dBeta64 = ref.dBeta();
                    run(d, () -> {
                        Tensor out = poisoned(dt, d, n, c, h, w), mean = poisoned(dt, d, n, groups), rs = poisoned(dt, d, n, groups);
                        be.groupNorm(stridedOn(x, d), affine ? gamma.to(d) : null, affine ? beta.to(d) : null, groups, EPS, out, mean, rs);
                        assertClose(out64, out);
                        assertClose(mu.reshape(n, groups), mean);
                        assertClose(rstd.reshape(n, groups), rs);
                        Tensor dX = poisoned(dt, d, n, c, h, w);
                        Tensor dG = affine ? poisoned(dt, d, c) : null, dB = affine ? poisoned(dt, d, c) : null;
                        be.groupNormBackward(stridedOn(dY, d), x.to(d), affine ? gamma.to(d) : null, mean, rs, groups, dX, dG, dB);
                        assertClose(dX64, dX);
                        if (affine) {
                            assertClose(dGamma64, dG);
                            assertClose(dBeta64, dB);
                        }
                    });
                }
    }

    // ---- contiguous layouts: the register kernels of softmax.cu and norm.cu ---------------------------

    enum Layout { DENSE, OFFSET, WIDE }

    static final long ALIGNED = 1L << 20;

    /** Storage full of NaN on d holding a view of {@code shape} laid out as l; values copied from cpu when given. */
    static Tensor place(Tensor cpu, DType dt, Device d, Layout l, int... shape) {
        int n = 1, r = shape.length;
        for (int s : shape) n *= s;
        Tensor v = switch (l) {
            case DENSE -> Tensor.full(Double.NaN, dt, d, shape);
            case OFFSET -> Tensor.full(Double.NaN, dt, d, n + 1).slice(0, 1, n + 1, 1).view(shape);
            case WIDE -> {
                int[] w = shape.clone();
                w[r - 1] += 4;
                yield Tensor.full(Double.NaN, dt, d, w).slice(r - 1, 0, shape[r - 1], 1);
            }
        };
        if (cpu != null) v.copyFrom(cpu.to(d));
        return v;
    }

    /** The address a storage aligned like the allocator's would give t's first element. */
    static long address(Tensor t) { return t == null ? 0 : ALIGNED + (long) t.offset() * t.dtype().byteSize(); }

    static Tensor softmaxRef(Tensor x64, int dim, boolean log) {
        int[] dd = {dim};
        Tensor m = x64.max(dd, true), e = x64.sub(m).exp(), s = e.sum(dd, true);
        return log ? x64.sub(m).sub(s.log()) : e.div(s);
    }

    static Tensor softmaxBackwardRef(Tensor dY64, Tensor y64, int dim, boolean log) {
        int[] dd = {dim};
        return log ? dY64.sub(y64.exp().mul(dY64.sum(dd, true))) : y64.mul(dY64.sub(dY64.mul(y64).sum(dd, true)));
    }

    @ParameterizedTest @MethodSource("devices")
    void softmaxOfContiguousRowsShortAndLongAlignedOrNot(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(717);
        for (DType dt : FLOATS)
            for (int len : new int[]{1, 3, 49, 64, 200, 1000, 1536, 2050, 33000})
                for (Layout l : Layout.values()) {
                    int rows = len > 10000 ? 1 : 3;
                    int[] sh = {rows, len};
                    Tensor x = input(g, dt, sh).mul(3), dY = input(g, dt, sh);
                    for (boolean log : new boolean[]{false, true}) {
                        Tensor y64 = softmaxRef(f64(x), 1, log), dX64 = softmaxBackwardRef(f64(dY), y64, 1, log);
                        run(d, () -> {
                            Tensor xd = place(x, dt, d, l, sh), y = place(null, dt, d, l, sh);
                            CudaFastRows fast = CudaFastRows.softmax(false, dt, sh, 1, new int[][]{xd.strides(), y.strides()},
                                    new long[]{address(xd), address(y)});
                            assertEquals(len <= 16384, fast != null, "register kernel for " + l + " " + len + ": " + fast);
                            be.softmax(xd, 1, log, y);
                            assertClose(y64, y.to(Device.CPU));
                            Tensor dYd = place(dY, dt, d, l, sh), yd = place(y64.to(dt), dt, d, l, sh), dX = place(null, dt, d, l, sh);
                            be.softmaxBackward(dYd, yd, 1, log, dX);
                            assertClose(dX64, dX.to(Device.CPU));
                        });
                    }
                }
    }

    @ParameterizedTest @MethodSource("devices")
    void layerNormOfContiguousRowsShortAndLongAlignedOrNot(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(818);
        for (DType dt : FLOATS)
            for (int[] sh : new int[][]{{3, 5}, {3, 48}, {2, 3, 16}, {3, 600}, {2, 1536}, {2, 2050}, {1, 40000}})
                for (Layout l : Layout.values())
                    for (boolean affine : new boolean[]{true, false}) {
                        int nd = sh.length == 3 && l != Layout.WIDE ? 2 : 1, lead = sh.length - nd;
                        int[] leadShape = java.util.Arrays.copyOf(sh, lead), normShape = java.util.Arrays.copyOfRange(sh, lead, sh.length);
                        Tensor x = input(g, dt, sh).mul(2).add(0.5);
                        Tensor gamma = affine ? input(g, dt, normShape) : null, beta = affine ? input(g, dt, normShape) : null;
                        Tensor dY = input(g, dt, sh);
                        NormRef ref = layerNormRef(x, dY, gamma, beta, nd);
                        Tensor mu = ref.mean(), rstd = ref.rstd(), out64 = ref.out(), dX64 = ref.dX(), dGamma64 = ref.dGamma(), dBeta64 = ref.dBeta();
                        run(d, () -> {
                            Tensor xd = place(x, dt, d, l, sh), out = place(null, dt, d, l, sh);
                            Tensor mean = poisoned(dt, d, leadShape), rs = poisoned(dt, d, leadShape);
                            // γ at an odd offset with the misaligned layout, so the vectors must be refused for γ alone too
                            Layout gl = l == Layout.OFFSET ? Layout.OFFSET : Layout.DENSE;
                            Tensor gd = affine ? place(gamma, dt, d, gl, normShape) : null, bd = affine ? place(beta, dt, d, Layout.DENSE, normShape) : null;
                            CudaFastRows fast = CudaFastRows.layerNorm(dt, sh, nd, xd.strides(), out.strides(), mean.strides(), rs.strides(),
                                    affine ? gd.strides() : null, affine ? bd.strides() : null, address(xd), address(out), address(gd), address(bd));
                            int longest = dt == DType.FLOAT32 ? 64 * 512 : 16 * 512;
                            assertEquals(normShape[normShape.length - 1] * (nd == 2 ? normShape[0] : 1) <= longest, fast != null,
                                    "register kernel for " + l + " " + java.util.Arrays.toString(sh) + ": " + fast);
                            be.layerNorm(xd, gd, bd, nd, EPS, out, mean, rs);
                            assertClose(out64, out.to(Device.CPU));
                            assertClose(mu.reshape(leadShape), mean);
                            assertClose(rstd.reshape(leadShape), rs);
                            // dX: x and dY held in registers, so shorter rows than the forward's (float32 16384, float64 8192)
                            Tensor dYd = place(dY, dt, d, l, sh), dX = place(null, dt, d, l, sh);
                            CudaFastRows back = CudaFastRows.layerNormBackward(dt, sh, nd, dYd.strides(), xd.strides(), dX.strides(), mean.strides(),
                                    rs.strides(), affine ? gd.strides() : null, address(dYd), address(xd), address(dX), address(gd));
                            assertEquals(normShape[normShape.length - 1] * (nd == 2 ? normShape[0] : 1) <= (dt == DType.FLOAT32 ? 32 : 16) * 512,
                                    back != null, "register dX kernel for " + l + " " + java.util.Arrays.toString(sh) + ": " + back);
                            Tensor dG = affine ? poisoned(dt, d, normShape) : null, dB = affine ? poisoned(dt, d, normShape) : null;
                            if (affine)
                                assertNotNull(CudaFastRows.layerNormParamGradRows(dt, sh, nd, dYd.strides(), xd.strides(), mean.strides(), rs.strides(),
                                        dG.strides(), dB.strides()), "dense parameter gradient kernel for " + l);
                            be.layerNormBackward(dYd, xd, gd, mean, rs, nd, dX, dG, dB);
                            assertClose(dX64, dX.to(Device.CPU));
                            if (affine) {
                                assertClose(dGamma64, dG);
                                assertClose(dBeta64, dB);
                            }
                        });
                    }
    }

    @ParameterizedTest @MethodSource("devices")
    void groupNormAndItsBackwardOfDenseInputsShortAndLongGroupsAlignedOrNot(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(919);
        // {n, c, h, w, groups}: S = 16 (vectors), 15 (scalar), groups of 32 (a warp each), 3200 (a block),
        // 12800 (a block in float32, too long for float64), 72000 (too long); the parameter gradients'
        // (channel, sample chunk) kernel for S >= 32: 20 and 11 samples in chunks of 7 and 6 (a short last chunk)
        for (DType dt : FLOATS)
            for (int[] cs : new int[][]{{2, 6, 4, 4, 3}, {2, 6, 3, 5, 2}, {2, 4, 40, 40, 2}, {1, 8, 40, 40, 1}, {1, 8, 90, 100, 1},
                    {20, 2, 6, 6, 1}, {11, 2, 5, 7, 2}})
                for (Layout l : new Layout[]{Layout.DENSE, Layout.OFFSET})
                    for (boolean affine : new boolean[]{true, false}) {
                        int n = cs[0], c = cs[1], h = cs[2], w = cs[3], groups = cs[4];
                        int[] sh = {n, c, h, w};
                        Tensor x = input(g, dt, sh).mul(1.5).add(-0.25);
                        Tensor gamma = affine ? input(g, dt, c) : null, beta = affine ? input(g, dt, c) : null;
                        Tensor dY = input(g, dt, sh);
                        NormRef ref = groupNormRef(x, dY, gamma, beta, groups);
                        Tensor mu = ref.mean(), rstd = ref.rstd(), out64 = ref.out(), dX64 = ref.dX(), dGamma64 = ref.dGamma(), dBeta64 = ref.dBeta();
                        run(d, () -> {
                            Tensor xd = place(x, dt, d, l, sh), out = place(null, dt, d, l, sh);
                            Tensor mean = poisoned(dt, d, n, groups), rs = poisoned(dt, d, n, groups);
                            CudaFastRows fast = CudaFastRows.groupNorm(dt, sh, groups, xd.strides(), out.strides(), address(xd), address(out));
                            int longest = dt == DType.FLOAT32 ? 64 * 512 : 16 * 512;
                            assertEquals(c / groups * h * w <= longest, fast != null, "register kernel for " + l + " " + fast);
                            be.groupNorm(xd, affine ? gamma.to(d) : null, affine ? beta.to(d) : null, groups, EPS, out, mean, rs);
                            assertClose(out64, out.to(Device.CPU));
                            assertClose(mu.reshape(n, groups), mean);
                            assertClose(rstd.reshape(n, groups), rs);
                            // dX: x and dY held in registers, so shorter groups than the forward's (float32 16384, float64 8192)
                            Tensor dYd = place(dY, dt, d, l, sh), dX = place(null, dt, d, l, sh);
                            CudaFastRows back = CudaFastRows.groupNormBackward(dt, sh, groups, xd.strides(), dYd.strides(), dX.strides(),
                                    address(xd), address(dYd), address(dX));
                            assertEquals(c / groups * h * w <= (dt == DType.FLOAT32 ? 32 : 16) * 512, back != null, "register dX kernel for " + l + " " + back);
                            int nPer = CudaFastRows.groupNormParamGradSamples(dt, sh, xd.strides(), dYd.strides(), 132);
                            assertEquals(h * w >= 32, nPer > 0, "parameter gradient kernel for " + l + " S " + h * w);
                            if (n > 8) assertTrue(nPer < n && n % nPer != 0, "samples " + n + " in chunks of " + nPer);
                            Tensor dG = affine ? poisoned(dt, d, c) : null, dB = affine ? poisoned(dt, d, c) : null;
                            be.groupNormBackward(dYd, xd, affine ? gamma.to(d) : null, mean, rs, groups, dX, dG, dB);
                            assertClose(dX64, dX.to(Device.CPU));
                            if (affine) {
                                assertClose(dGamma64, dG);
                                assertClose(dBeta64, dB);
                            }
                        });
                    }
    }

    /** A norm's float64 oracle: statistics (mean, rstd with the dims they reduce kept), output, dX, dγ, dβ. */
    record NormRef(Tensor mean, Tensor rstd, Tensor out, Tensor dX, Tensor dGamma, Tensor dBeta) {}

    /** Layer norm over the last nd dims of x: xh = (x − μ)·rstd; out = xh·γ + β; dX = rstd·(g − mean g − xh·mean(g·xh)), g = dY·γ. */
    static NormRef layerNormRef(Tensor x, Tensor dY, Tensor gamma, Tensor beta, int nd) {
        int lead = x.dim() - nd;
        int[] normDims = range(lead, x.dim()), leadDims = range(0, lead);
        Tensor x64 = f64(x), mu = x64.mean(normDims, true), rstd = x64.sub(mu).square().mean(normDims, true).add(EPS).rsqrt();
        Tensor xh = x64.sub(mu).mul(rstd), out = gamma != null ? xh.mul(f64(gamma)).add(f64(beta)) : xh;
        Tensor gr = gamma != null ? f64(dY).mul(f64(gamma)) : f64(dY);
        Tensor dX = rstd.mul(gr.sub(gr.mean(normDims, true)).sub(xh.mul(gr.mul(xh).mean(normDims, true))));
        return new NormRef(mu, rstd, out, dX, f64(dY).mul(xh).sum(leadDims, false), f64(dY).sum(leadDims, false));
    }

    /** Group norm of x [n, c, h, w] in `groups` groups, as layerNormRef per (n, group) with γ, β per channel; mean, rstd [n, groups, 1]. */
    static NormRef groupNormRef(Tensor x, Tensor dY, Tensor gamma, Tensor beta, int groups) {
        int n = x.size(0), c = x.size(1);
        int[] two = {2}, notC = {0, 2, 3}, sh = x.shape();
        Tensor xr = f64(x).reshape(n, groups, -1);
        Tensor mu = xr.mean(two, true), rstd = xr.sub(mu).square().mean(two, true).add(EPS).rsqrt();
        Tensor xh = xr.sub(mu).mul(rstd).reshape(sh);
        Tensor g4 = gamma != null ? f64(gamma).reshape(1, c, 1, 1) : null;
        Tensor out = gamma != null ? xh.mul(g4).add(f64(beta).reshape(1, c, 1, 1)) : xh;
        Tensor gr = (gamma != null ? f64(dY).mul(g4) : f64(dY)).reshape(n, groups, -1), xhr = xh.reshape(n, groups, -1);
        Tensor dX = rstd.mul(gr.sub(gr.mean(two, true)).sub(xhr.mul(gr.mul(xhr).mean(two, true)))).reshape(sh);
        return new NormRef(mu, rstd, out, dX, f64(dY).mul(xh).sum(notC, false), f64(dY).sum(notC, false));
    }
}
