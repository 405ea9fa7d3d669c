package org.jdiffusion.kernels;

import org.jdiffusion.kernels.ConformanceReference.Nd;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Index;
import org.jdiffusion.tensor.Linalg;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.util.function.Function;

import static org.jdiffusion.kernels.BackendConformanceTest.FLOATS;
import static org.jdiffusion.kernels.BackendConformanceTest.check;
import static org.jdiffusion.kernels.BackendConformanceTest.checkGradient;
import static org.jdiffusion.kernels.BackendConformanceTest.on;
import static org.jdiffusion.kernels.BackendConformanceTest.poisoned;
import static org.jdiffusion.kernels.BackendConformanceTest.strided;
import static org.jdiffusion.kernels.BackendConformanceTest.values;

/**
 * The conformance exercises of the structured ops (matmul, convolution, resampling, normalisation,
 * softmax, attention, indexing), in float32 and float64, against {@link ConformanceReference}.
 */
final class StructuredExercises {
    private StructuredExercises() {}

    private static Tensor randn(Generator g, DType dt, int... shape) { return TestTensors.randn(g, dt, shape); }

    private static Nd nd(Tensor t) { return Nd.of(t.to(Device.CPU)); }

    // ---- matmul -------------------------------------------------------------------------------------

    /**
     * The Autocast contract of a backend's matmul: inside a bf16 scope a backend that says it
     * multiplies bf16 rounds float32 operands itself; one that does not must leave them as they are
     * (its frontend rounds them).
     */
    static void multipliesBf16(Backend be, Generator g) {
        Tensor a = randn(g, DType.FLOAT32, 1, 9, 40), b = randn(g, DType.FLOAT32, 1, 40, 7);
        Tensor out = poisoned(be, DType.FLOAT32, 1, 9, 7);
        try (org.jdiffusion.tensor.Autocast ignored = org.jdiffusion.tensor.Autocast.bf16()) {
            be.matmul(on(be, a), on(be, b), out);
        }
        Tensor ar = be.multipliesBf16() ? org.jdiffusion.tensor.Autocast.roundToBf16(a) : a;
        Tensor br = be.multipliesBf16() ? org.jdiffusion.tensor.Autocast.roundToBf16(b) : b;
        check("matmul inside an Autocast scope (multipliesBf16 " + be.multipliesBf16() + ")", ConformanceReference.matmul(nd(ar), nd(br)).v(), out,
                DType.FLOAT32);
    }

    static void matmul(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            Tensor a = randn(g, dt, 2, 3, 4), b = randn(g, dt, 2, 4, 5);
            double[] e = ConformanceReference.matmul(nd(a), nd(b)).v();
            check("matmul " + dt, e, Linalg.matmul(strided(be, a), strided(be, b)), dt);
            Tensor out = poisoned(be, dt, 2, 5, 3).transpose(1, 2);            // a non-contiguous output
            be.matmul(strided(be, a), strided(be, b), out);
            check("matmul kernel into a strided output " + dt, e, out, dt);
            Tensor a2 = randn(g, dt, 3, 4);                                     // batch broadcast
            check("matmul broadcast " + dt, ConformanceReference.matmul(nd(a2.expand(2, 3, 4)), nd(b)).v(), Linalg.matmul(on(be, a2), on(be, b)), dt);
            Tensor v = randn(g, dt, 4), m = randn(g, dt, 4, 5);                // vector · matrix
            check("matmul vector " + dt, ConformanceReference.matmul(nd(v.view(1, 1, 4)), nd(m.view(1, 4, 5))).v(),
                    Linalg.matmul(on(be, v), strided(be, m)), dt);
        }
    }

    // ---- convolution and resampling -----------------------------------------------------------------

    /** {x shape, w shape, params}: strided, padded, dilated, grouped; and a plain 3×3. */
    private static final Object[][] CONVS = {
            {new int[]{2, 4, 7, 6}, new int[]{6, 2, 3, 2}, new Conv2dParams(2, 1, 1, 2, 1, 2, 2)},
            {new int[]{1, 3, 5, 5}, new int[]{4, 3, 3, 3}, Conv2dParams.of(1, 1)},
    };

    static void conv2d(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (Object[] c : CONVS) {
                int[] xs = (int[]) c[0], ws = (int[]) c[1];
                Conv2dParams p = (Conv2dParams) c[2];
                Tensor x = randn(g, dt, xs), w = randn(g, dt, ws), bias = randn(g, dt, ws[0]);
                String at = dt + " " + p;
                check("conv2d " + at, ConformanceReference.conv2d(nd(x), nd(w), nd(bias), p).v(),
                        Conv.conv2d(strided(be, x), strided(be, w), on(be, bias), p), dt);
                Tensor out = poisoned(be, dt, ConformanceReference.convOut(xs, ws, p));
                be.conv2d(on(be, x), on(be, w), null, p, out);
                check("conv2d kernel without bias " + at, ConformanceReference.conv2d(nd(x), nd(w), null, p).v(), out, dt);
            }
    }

    static void conv2dBackwardInput(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (Object[] c : CONVS) {
                int[] xs = (int[]) c[0], ws = (int[]) c[1];
                Conv2dParams p = (Conv2dParams) c[2];
                Tensor w = randn(g, dt, ws), dY = randn(g, dt, ConformanceReference.convOut(xs, ws, p)), dX = poisoned(be, dt, xs);
                be.conv2dBackwardInput(strided(be, dY), strided(be, w), p, dX);
                check("conv2dBackwardInput " + dt + " " + p, ConformanceReference.conv2dBackwardInput(nd(dY), nd(w), xs, p).v(), dX, dt);
            }
    }

    static void conv2dBackwardWeight(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (Object[] c : CONVS) {
                int[] xs = (int[]) c[0], ws = (int[]) c[1];
                Conv2dParams p = (Conv2dParams) c[2];
                Tensor x = randn(g, dt, xs), dY = randn(g, dt, ConformanceReference.convOut(xs, ws, p)), dW = poisoned(be, dt, ws);
                be.conv2dBackwardWeight(strided(be, dY), strided(be, x), p, dW);
                check("conv2dBackwardWeight " + dt + " " + p, ConformanceReference.conv2dBackwardWeight(nd(dY), nd(x), ws, p).v(), dW, dt);
            }
    }

    static void upsampleNearest(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            Tensor x = randn(g, dt, 2, 3, 4, 3);
            check("upsampleNearest ×2 " + dt, ConformanceReference.upsampleNearest(nd(x), 2, 2).v(), Conv.upsampleNearest(strided(be, x), 2), dt);
            Tensor out = poisoned(be, dt, 2, 3, 8, 9);
            be.upsampleNearest(strided(be, x), 2, 3, out);
            check("upsampleNearest 2×3 " + dt, ConformanceReference.upsampleNearest(nd(x), 2, 3).v(), out, dt);
        }
    }

    static void upsampleNearestBackward(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            Tensor dY = randn(g, dt, 2, 3, 8, 9), dX = poisoned(be, dt, 2, 3, 4, 3);
            be.upsampleNearestBackward(strided(be, dY), 2, 3, dX);
            check("upsampleNearestBackward " + dt, ConformanceReference.upsampleNearestBackward(nd(dY), 2, 3).v(), dX, dt);
        }
    }

    /** {x shape, k, s}: overlapping windows that leave a column uncovered, and tiling windows. */
    private static final int[][] POOLS = {{2, 3, 7, 6, 3, 2}, {1, 2, 6, 4, 2, 2}};

    static void avgPool2d(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (int[] c : POOLS) {
                Tensor x = randn(g, dt, c[0], c[1], c[2], c[3]);
                double[] e = ConformanceReference.avgPool2d(nd(x), c[4], c[5]).v();
                check("avgPool2d k" + c[4] + " s" + c[5] + " " + dt, e, Conv.avgPool2d(strided(be, x), c[4], c[5]), dt);
            }
    }

    static void avgPool2dBackward(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (int[] c : POOLS) {
                int[] xs = {c[0], c[1], c[2], c[3]};
                int k = c[4], s = c[5];
                Tensor dY = randn(g, dt, c[0], c[1], (c[2] - k) / s + 1, (c[3] - k) / s + 1), dX = poisoned(be, dt, xs);
                be.avgPool2dBackward(strided(be, dY), k, s, dX);
                check("avgPool2dBackward k" + k + " s" + s + " " + dt, ConformanceReference.avgPool2dBackward(nd(dY), xs, k, s).v(), dX, dt);
            }
    }

    // ---- normalisation ------------------------------------------------------------------------------

    private static final double EPS = 1e-5;

    static void groupNorm(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            Tensor x = randn(g, dt, 2, 6, 3, 3).mul(2).add(1), gamma = randn(g, dt, 6), beta = randn(g, dt, 6);
            double[][] e = ConformanceReference.groupNorm(nd(x), values(gamma), values(beta), 3, EPS);
            Norm.Result r = Norm.groupNorm(strided(be, x), on(be, gamma), on(be, beta), 3, EPS);
            check("groupNorm out " + dt, e[0], r.out(), dt);
            check("groupNorm mean " + dt, e[1], r.mean(), dt);
            check("groupNorm rstd " + dt, e[2], r.rstd(), dt);
            Tensor x2 = randn(g, dt, 3, 4);                                     // [N, C] without affine
            check("groupNorm [N, C] " + dt, ConformanceReference.groupNorm(nd(x2), null, null, 2, EPS)[0],
                    Norm.groupNorm(strided(be, x2), null, null, 2, EPS).out(), dt);
        }
    }

    static void groupNormBackward(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (boolean affine : new boolean[]{true, false}) {
                Tensor x = randn(g, dt, 2, 4, 3, 2), gamma = affine ? randn(g, dt, 4) : null, beta = affine ? randn(g, dt, 4) : null;
                Tensor dY = randn(g, dt, 2, 4, 3, 2);
                Norm.Result f = Norm.groupNorm(on(be, x), gamma == null ? null : on(be, gamma), beta == null ? null : on(be, beta), 2, EPS);
                Tensor dX = poisoned(be, dt, 2, 4, 3, 2), dG = affine ? poisoned(be, dt, 4) : null, dB = affine ? poisoned(be, dt, 4) : null;
                be.groupNormBackward(strided(be, dY), strided(be, x), gamma == null ? null : on(be, gamma), f.mean(), f.rstd(), 2, dX, dG, dB);
                Nd xn = nd(x);
                double[] r = values(dY), gv = affine ? values(gamma) : null, bv = affine ? values(beta) : null;
                String at = dt + (affine ? " affine" : "");
                checkGradient("groupNormBackward dX " + at,
                        ConformanceReference.gradient(v -> ConformanceReference.groupNorm(xn.with(v), gv, bv, 2, EPS)[0], xn.v(), r), dX, dt);
                if (!affine) continue;
                checkGradient("groupNormBackward dGamma " + at,
                        ConformanceReference.gradient(v -> ConformanceReference.groupNorm(xn, v, bv, 2, EPS)[0], gv, r), dG, dt);
                checkGradient("groupNormBackward dBeta " + at,
                        ConformanceReference.gradient(v -> ConformanceReference.groupNorm(xn, gv, v, 2, EPS)[0], bv, r), dB, dt);
            }
    }

    static void layerNorm(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            Tensor x = randn(g, dt, 3, 4, 5).mul(3).sub(1), gamma = randn(g, dt, 4, 5), beta = randn(g, dt, 4, 5);
            double[][] e = ConformanceReference.layerNorm(nd(x), values(gamma), values(beta), 20, EPS);
            Norm.Result r = Norm.layerNorm(strided(be, x), strided(be, gamma), on(be, beta), 2, EPS);
            check("layerNorm out " + dt, e[0], r.out(), dt);
            check("layerNorm mean " + dt, e[1], r.mean(), dt);
            check("layerNorm rstd " + dt, e[2], r.rstd(), dt);
            check("layerNorm last dim, no affine " + dt, ConformanceReference.layerNorm(nd(x), null, null, 5, EPS)[0],
                    Norm.layerNorm(strided(be, x), null, null, 1, EPS).out(), dt);
        }
    }

    static void layerNormBackward(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (boolean affine : new boolean[]{true, false}) {
                Tensor x = randn(g, dt, 3, 2, 4), gamma = affine ? randn(g, dt, 2, 4) : null, beta = affine ? randn(g, dt, 2, 4) : null;
                Tensor dY = randn(g, dt, 3, 2, 4);
                Norm.Result f = Norm.layerNorm(on(be, x), gamma == null ? null : on(be, gamma), beta == null ? null : on(be, beta), 2, EPS);
                Tensor dX = poisoned(be, dt, 3, 2, 4), dG = affine ? poisoned(be, dt, 2, 4) : null, dB = affine ? poisoned(be, dt, 2, 4) : null;
                be.layerNormBackward(strided(be, dY), strided(be, x), gamma == null ? null : on(be, gamma), f.mean(), f.rstd(), 2, dX, dG, dB);
                Nd xn = nd(x);
                double[] r = values(dY), gv = affine ? values(gamma) : null, bv = affine ? values(beta) : null;
                String at = dt + (affine ? " affine" : "");
                checkGradient("layerNormBackward dX " + at,
                        ConformanceReference.gradient(v -> ConformanceReference.layerNorm(xn.with(v), gv, bv, 8, EPS)[0], xn.v(), r), dX, dt);
                if (!affine) continue;
                checkGradient("layerNormBackward dGamma " + at,
                        ConformanceReference.gradient(v -> ConformanceReference.layerNorm(xn, v, bv, 8, EPS)[0], gv, r), dG, dt);
                checkGradient("layerNormBackward dBeta " + at,
                        ConformanceReference.gradient(v -> ConformanceReference.layerNorm(xn, gv, v, 8, EPS)[0], bv, r), dB, dt);
            }
    }

    // ---- softmax and attention ----------------------------------------------------------------------

    static void softmax(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            // large logits: only a max-shifted softmax survives them in float32
            Tensor x = randn(g, dt, 3, 4, 5).mul(3).add(1000);
            for (int dim : new int[]{0, 1, -1})
                for (boolean log : new boolean[]{false, true}) {
                    double[] e = ConformanceReference.softmax(nd(x), dim < 0 ? dim + 3 : dim, log).v();
                    Tensor y = log ? Norm.logSoftmax(strided(be, x), dim) : Norm.softmax(strided(be, x), dim);
                    check((log ? "logSoftmax" : "softmax") + " dim " + dim + " " + dt, e, y, dt);
                }
        }
    }

    static void softmaxBackward(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (int dim : new int[]{0, 2})
                for (boolean log : new boolean[]{false, true}) {
                    Tensor x = randn(g, dt, 3, 4, 5), dY = randn(g, dt, 3, 4, 5);
                    Tensor y = log ? Norm.logSoftmax(on(be, x), dim) : Norm.softmax(on(be, x), dim), dX = poisoned(be, dt, 3, 4, 5);
                    be.softmaxBackward(strided(be, dY), strided(be, y.to(Device.CPU)), dim, log, dX);
                    Nd xn = nd(x);
                    checkGradient((log ? "logSoftmax" : "softmax") + "Backward dim " + dim + " " + dt,
                            ConformanceReference.gradient(v -> ConformanceReference.softmax(xn.with(v), dim, log).v(), xn.v(), values(dY)), dX, dt);
                }
    }

    /** An additive mask [1, 1, Tq, Tk] of finite values and −∞, never blocking a whole row. */
    private static Tensor mask(Generator g, DType dt, int tq, int tk) {
        double[] m = Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, tq * tk).toDoubleArray();
        double[] blocked = Rand.bernoulli(g, 0.3, DType.FLOAT64, Device.CPU, tq * tk).toDoubleArray();
        for (int i = 0; i < m.length; i++) if (blocked[i] != 0 && i % tk != i / tk % tk) m[i] = Double.NEGATIVE_INFINITY;
        return Tensor.of(m, 1, 1, tq, tk).to(dt);
    }

    static void attention(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (boolean masked : new boolean[]{true, false}) {
                Tensor q = randn(g, dt, 2, 2, 3, 4), k = randn(g, dt, 2, 2, 5, 4), v = randn(g, dt, 2, 2, 5, 3);
                Tensor m = masked ? mask(g, dt, 3, 5) : null;
                Nd[] e = ConformanceReference.attention(nd(q), nd(k), nd(v), masked ? nd(m.expand(2, 2, 3, 5)) : null, 0.5);
                Norm.AttentionResult r = Norm.attention(strided(be, q), strided(be, k), strided(be, v), masked ? on(be, m) : null, 0.5);
                String at = dt + (masked ? " masked" : "");
                check("attention out " + at, e[0].v(), r.out(), dt);
                check("attention lse " + at, e[1].v(), r.lse(), dt);
            }
    }

    static void attentionBackward(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (boolean masked : new boolean[]{true, false}) {
                Tensor q = randn(g, dt, 2, 2, 3, 4), k = randn(g, dt, 2, 2, 5, 4), v = randn(g, dt, 2, 2, 5, 3), dOut = randn(g, dt, 2, 2, 3, 3);
                Tensor m = masked ? mask(g, dt, 3, 5) : null;
                Tensor md = masked ? on(be, m).expand(2, 2, 3, 5) : null;
                Norm.AttentionResult f = Norm.attention(on(be, q), on(be, k), on(be, v), masked ? on(be, m) : null, 0.5);
                Tensor dQ = poisoned(be, dt, 2, 2, 3, 4), dK = poisoned(be, dt, 2, 2, 5, 4), dV = poisoned(be, dt, 2, 2, 5, 3);
                be.attentionBackward(strided(be, dOut), strided(be, q), strided(be, k), strided(be, v), md, 0.5, f.out(), f.lse(), dQ, dK, dV);
                Nd qn = nd(q), kn = nd(k), vn = nd(v), mn = masked ? nd(m.expand(2, 2, 3, 5)) : null;
                double[] r = values(dOut);
                Function<Nd[], double[]> out = a -> ConformanceReference.attention(a[0], a[1], a[2], mn, 0.5)[0].v();
                String at = dt + (masked ? " masked" : "");
                checkGradient("attentionBackward dQ " + at, ConformanceReference.gradient(x -> out.apply(new Nd[]{qn.with(x), kn, vn}), qn.v(), r), dQ, dt);
                checkGradient("attentionBackward dK " + at, ConformanceReference.gradient(x -> out.apply(new Nd[]{qn, kn.with(x), vn}), kn.v(), r), dK, dt);
                checkGradient("attentionBackward dV " + at, ConformanceReference.gradient(x -> out.apply(new Nd[]{qn, kn, vn.with(x)}), vn.v(), r), dV, dt);
            }
    }

    // ---- indexing -----------------------------------------------------------------------------------

    static void gather(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            Tensor x = randn(g, dt, 3, 5, 4);
            Tensor i1 = Rand.randint(g, 0, 5, Device.CPU, 3, 2, 4), i2 = Rand.randint(g, 0, 4, Device.CPU, 2, 5, 3);
            check("gather dim 1 " + dt, ConformanceReference.gather(nd(x), 1, nd(i1)).v(), Index.gather(strided(be, x), 1, strided(be, i1)), dt);
            check("gather dim -1, smaller index " + dt, ConformanceReference.gather(nd(x), 2, nd(i2)).v(), Index.gather(strided(be, x), -1, on(be, i2)), dt);
        }
    }

    static void scatterAdd(Backend be, Generator g) {
        for (DType dt : FLOATS) {
            Tensor src = randn(g, dt, 3, 2, 4), index = Rand.randint(g, 0, 5, Device.CPU, 3, 2, 4), acc0 = randn(g, dt, 3, 5, 4);
            Tensor acc = strided(be, acc0);
            be.scatterAdd(strided(be, src), 1, on(be, index), acc);
            check("scatterAdd accumulates " + dt, ConformanceReference.scatterAdd(nd(src), 1, nd(index), nd(acc0)).v(), acc, dt);
            check("scatterAdd frontend " + dt, ConformanceReference.scatterAdd(nd(src), 1, nd(index), Nd.zeros(3, 5, 4)).v(),
                    Index.scatterAdd(on(be, src), 1, on(be, index), new int[]{3, 5, 4}), dt);
        }
    }

    static void indexSelect(Backend be, Generator g) {
        long[] idx = {0, 4, 4, 2, 1, 0};
        for (DType dt : FLOATS) {
            Tensor x = randn(g, dt, 5, 5, 3);
            check("indexSelect dim 1 " + dt, ConformanceReference.indexSelect(nd(x), 1, idx).v(),
                    Index.indexSelect(strided(be, x), 1, on(be, Tensor.ofLongs(idx, idx.length))), dt);
            check("indexSelect dim 0 " + dt, ConformanceReference.indexSelect(nd(x), 0, idx).v(),
                    Index.indexSelect(strided(be, x), 0, strided(be, Tensor.ofLongs(idx, idx.length))), dt);
        }
    }

    static void indexAdd(Backend be, Generator g) {
        long[] idx = {3, 0, 3, 1, 3, 4};
        for (DType dt : FLOATS) {
            Tensor src = randn(g, dt, 4, 6, 3), acc0 = randn(g, dt, 4, 5, 3), acc = strided(be, acc0);
            be.indexAdd(strided(be, src), 1, on(be, Tensor.ofLongs(idx, idx.length)), acc);
            check("indexAdd accumulates " + dt, ConformanceReference.indexAdd(nd(src), 1, idx, nd(acc0)).v(), acc, dt);
            check("indexAdd frontend " + dt, ConformanceReference.indexAdd(nd(src), 1, idx, Nd.zeros(4, 5, 3)).v(),
                    Index.indexAdd(on(be, src), 1, on(be, Tensor.ofLongs(idx, idx.length)), new int[]{4, 5, 3}), dt);
        }
    }
}
