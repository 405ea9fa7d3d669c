package org.jdiffusion.nn;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward values, gradients (float64 finite differences over inputs and weights) and errors of every layer. */
class LayersTest {
    private static Tensor randn(long seed, int... shape) { return Rand.normal(new Generator(seed), 0, 1, DType.FLOAT64, Device.CPU, shape); }

    // ---- gradchecks ---------------------------------------------------------------------------

    @Test void linearGradients() {
        ModuleGradcheck.check("Linear", new Linear(3, 4, new Generator(1)), randn(2, 2, 3));
        ModuleGradcheck.check("Linear no bias, 3-d input", new Linear(2, 3, false, new Generator(3)), randn(4, 2, 2, 2));
    }

    @Test void conv2dGradients() {
        ModuleGradcheck.check("Conv2d 3x3", Conv2d.same(2, 3, 3, new Generator(5)), randn(6, 1, 2, 4, 3));
        ModuleGradcheck.check("Conv2d 3x3 stride 2", new Conv2d(2, 2, 3, 2, 1, new Generator(7)), randn(8, 2, 2, 5, 5));
        ModuleGradcheck.check("Conv2d 1x1", new Conv2d(3, 2, 1, 1, 0, new Generator(9)), randn(10, 1, 3, 2, 2));
    }

    @Test void groupNormGradients() {
        GroupNorm n = new GroupNorm(2, 4);
        perturb(n, 11);
        ModuleGradcheck.check("GroupNorm", n, randn(12, 2, 4, 2, 3));
    }

    @Test void layerNormGradients() {
        LayerNorm n = new LayerNorm(new int[]{3, 2}, 1e-5, true);
        perturb(n, 13);
        ModuleGradcheck.check("LayerNorm", n, randn(14, 2, 3, 2));
    }

    @Test void embeddingGradients() {
        Embedding e = new Embedding(5, 3, new Generator(15));
        Tensor ids = Tensor.ofLongs(new long[]{4, 0, 4, 2}, 2, 2);
        ModuleGradcheck.check("Embedding", e, (m, vs) -> ((Embedding) m).forward(ids));
    }

    @Test void activationGradients() {
        for (Activation a : List.of(Activation.silu(), Activation.gelu(), Activation.relu()))
            ModuleGradcheck.check(a.toString(), a, randn(16, 3, 4).add(0.05)); // away from ReLU's kink at 0
    }

    @Test void upsampleGradients() {
        ModuleGradcheck.check("Upsample", new Upsample(2), randn(17, 1, 2, 2, 3));
    }

    @Test void attentionGradients() {
        SpatialSelfAttention a = new SpatialSelfAttention(4, 2, 2, 1e-5, new Generator(18));
        perturb(a, 19);
        ModuleGradcheck.check("SpatialSelfAttention", a, randn(20, 2, 4, 2, 3));
    }

    @Test void sequentialGradients() {
        Sequential s = new Sequential(new Linear(3, 4, new Generator(21)), Activation.silu(), new Linear(4, 2, new Generator(22)));
        ModuleGradcheck.check("Sequential", s, randn(23, 2, 3));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(s.namedParameters().keySet()));
    }

    @Test void dropoutGradientsInTraining() {
        Dropout d = new Dropout(0.3, null);
        // a fresh generator per call: every evaluation of the checker draws the same mask
        ModuleGradcheck.check("Dropout", d, (m, vs) -> {
            m.setDropoutGenerator(new Generator(24));
            return ((Dropout) m).forward(vs[0]);
        }, randn(25, 4, 5));
    }

    /** Moves norm weights away from ones/zeros so their gradients are exercised in general position. */
    private static void perturb(Module m, long seed) {
        Generator g = new Generator(seed);
        m.namedParameters().forEach((k, v) -> v.data().addInPlace(Rand.uniform(g, -0.5, 0.5, v.dtype(), Device.CPU, v.shape())));
    }

    // ---- forward values -----------------------------------------------------------------------

    @Test void linearMatchesItsDefinition() {
        Linear l = new Linear(3, 2, new Generator(30));
        Tensor x = Rand.normal(new Generator(31), 4, 3);
        Tensor want = x.matmul(l.weight().data().transpose(0, 1)).add(l.bias().data());
        assertArrayEquals(want.toFloatArray(), l.forward(Variable.constant(x)).data().toFloatArray(), 1e-6f);
    }

    @Test void attentionMatchesAComposite() {
        int b = 2, c = 4, heads = 2, h = 2, w = 3, d = c / heads, t = h * w;
        SpatialSelfAttention a = new SpatialSelfAttention(c, heads, 2, 1e-5, new Generator(32));
        perturb(a, 33);
        a.to(DType.FLOAT64);
        Tensor x = randn(34, b, c, h, w);
        Tensor got;
        try (var ng = Grad.noGrad()) {
            got = a.forward(Variable.constant(x)).data();
            var kids = a.children();
            Tensor hn = ((GroupNorm) kids.get("n")).forward(Variable.constant(x)).data();
            Tensor qkv = ((Conv2d) kids.get("qkv")).forward(Variable.constant(hn)).data().reshape(b, 3, heads, d, t);
            Tensor q = qkv.select(1, 0), k = qkv.select(1, 1), v = qkv.select(1, 2);          // [B, heads, d, T]
            Tensor logits = q.transpose(2, 3).matmul(k).div(Math.sqrt(d));                   // [B, heads, T(i), T(j)]
            Tensor wts = logits.sub(logits.max(new int[]{3}, true)).exp();
            wts = wts.div(wts.sum(new int[]{3}, true));
            Tensor att = v.matmul(wts.transpose(2, 3)).reshape(b, c, h, w);                   // a[d, i] = Σ_j w[i, j] v[d, j]
            Tensor want = x.add(((Conv2d) kids.get("o")).forward(Variable.constant(att)).data());
            assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), 1e-12);
        }
    }

    @Test void groupNormNormalisesEachGroup() {
        GroupNorm n = new GroupNorm(2, 4);
        Tensor x = Rand.normal(new Generator(35), 3, 5, DType.FLOAT64, Device.CPU, 2, 4, 3, 3);
        n.to(DType.FLOAT64);
        Tensor y = n.forward(Variable.constant(x)).data().reshape(2, 2, 18);
        Tensor mean = y.mean(new int[]{2}, false), var = y.var(new int[]{2}, 0, false);
        for (double m : mean.toDoubleArray()) assertEquals(0, m, 1e-12);
        for (double v : var.toDoubleArray()) assertEquals(1, v, 1e-5);
    }

    @Test void dropoutIsIdentityInEvalAndScalesInTraining() {
        Dropout d = new Dropout(0.25, new Generator(36));
        Variable x = Variable.constant(Tensor.ones(1000));
        d.eval();
        assertSame(x, d.forward(x));
        d.train();
        double[] y = d.forward(x).data().toDoubleArray();
        int zeros = 0;
        for (double v : y) {
            if (v == 0) zeros++;
            else assertEquals(1 / 0.75, v, 1e-6);
        }
        assertTrue(zeros > 180 && zeros < 320, "about a quarter dropped, got " + zeros);
        Dropout noGen = new Dropout(0.5, null);
        assertTrue(assertThrows(IllegalStateException.class, () -> noGen.forward(x)).getMessage().contains("generator"));
    }

    @Test void upsampleRepeatsPixels() {
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4}, 1, 1, 2, 2);
        assertArrayEquals(new float[]{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4},
                new Upsample(2).forward(Variable.constant(x)).data().toFloatArray());
    }

    // ---- initialisation -----------------------------------------------------------------------

    @Test void initFollowsPytorchDefaults() {
        Conv2d c = new Conv2d(16, 32, 3, 1, 1, new Generator(40));
        double bound = 1 / Math.sqrt(16 * 9);
        checkUniform(c.weight().data(), bound);
        checkUniform(c.bias().data(), bound);
        Linear l = new Linear(64, 128, new Generator(41));
        checkUniform(l.weight().data(), 1 / 8.0);
        checkUniform(l.bias().data(), 1 / 8.0);
        Tensor e = new Embedding(100, 50, new Generator(42)).namedParameters().get("weight").data();
        assertEquals(0, e.mean().item(), 0.05);
        assertEquals(1, e.std(new int[0], 0, false).item(), 0.05);
        GroupNorm n = new GroupNorm(2, 6);
        assertArrayEquals(new float[]{1, 1, 1, 1, 1, 1}, n.namedParameters().get("weight").data().toFloatArray());
        assertArrayEquals(new float[6], n.namedParameters().get("bias").data().toFloatArray());
        // the same seed draws the same weights
        assertArrayEquals(c.weight().data().toFloatArray(), new Conv2d(16, 32, 3, 1, 1, new Generator(40)).weight().data().toFloatArray());
        assertEquals(Init.kaimingUniform(new Generator(1), Math.sqrt(5), 10, 4).toFloatArray()[0],
                Init.fanInUniform(new Generator(1), 10, 4).toFloatArray()[0], 1e-7);
    }

    private static void checkUniform(Tensor t, double bound) {
        double max = t.abs().max().item();
        assertTrue(max <= bound && max > 0.9 * bound, "max |w| " + max + " vs bound " + bound);
        double std = t.std(new int[0], 0, false).item(), want = bound / Math.sqrt(3);
        assertEquals(want, std, 0.1 * want);
    }

    // ---- errors -------------------------------------------------------------------------------

    @Test void badShapesAreNamed() {
        var g = new Generator(50);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 4)).getMessage().contains("4 channels cannot form 3 groups"));
        var n = new GroupNorm(2, 4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> n.forward(Variable.constant(Tensor.zeros(1, 3, 2, 2))))
                .getMessage().contains("expected input [N, 4, *]"));
        var a = new SpatialSelfAttention(4, 2, 2, 1e-5, g);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.forward(Variable.constant(Tensor.zeros(1, 3, 2, 2))))
                .getMessage().contains("[B, 4, H, W]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SpatialSelfAttention(6, 4, 2, 1e-5, g))
                .getMessage().contains("6 channels cannot split into 4 heads"));
        var e = new Embedding(3, 2, g);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> e.forward(Tensor.ofLongs(new long[]{0, 3}, 2)))
                .getMessage().contains("[0, 3), got values in [0, 3]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> e.forward(Tensor.zeros(2))).getMessage().contains("int64"));
        var ln = new LayerNorm(4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ln.forward(Variable.constant(Tensor.zeros(4, 3))))
                .getMessage().contains("does not end in the normalized shape"));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0, g));
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, 3, 1, 1, 2, true, g));
    }
}
