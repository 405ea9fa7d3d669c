package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Gradcheck.check;
import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;

class NormGradTest {
    @Test void groupNormAffine() {
        check(v -> NormFunctions.groupNorm(v[0], v[1], v[2], 3, 1e-5), randn(1, 2, 6, 3, 2), randn(2, 6), randn(3, 6));
    }

    @Test void groupNormPlainOnATransposedInput() {
        check(v -> NormFunctions.groupNorm(v[0], null, null, 2, 1e-5), strided(randn(4, 2, 4, 3, 3)));
    }

    @Test void groupNormOneGroupPerChannel() {
        check(v -> NormFunctions.groupNorm(v[0], v[1], v[2], 4, 1e-5), randn(5, 1, 4, 5), randn(6, 4), randn(7, 4));
    }

    @Test void layerNormLastDim() {
        check(v -> NormFunctions.layerNorm(v[0], v[1], v[2], 1, 1e-5), strided(randn(8, 2, 3, 5)), randn(9, 5), randn(10, 5));
    }

    @Test void layerNormTwoDimsPlain() { check(v -> NormFunctions.layerNorm(v[0], null, null, 2, 1e-5), randn(11, 2, 3, 4)); }

    @Test void layerNormTwoDimsAffine() {
        check(v -> NormFunctions.layerNorm(v[0], v[1], v[2], 2, 1e-5), randn(12, 2, 3, 4), strided(randn(13, 3, 4)), randn(14, 3, 4));
    }

    @Test void softmaxLastDim() { check(v -> NormFunctions.softmax(v[0], -1), strided(randn(15, 3, 5))); }

    @Test void softmaxMiddleDim() { check(v -> NormFunctions.softmax(v[0], 1), randn(16, 2, 4, 3)); }

    @Test void logSoftmax() { check(v -> NormFunctions.logSoftmax(v[0], 1), strided(randn(17, 2, 3, 4))); }

    @Test void attention() {
        check(v -> NormFunctions.attention(v[0], v[1], v[2], null, 0.5), randn(18, 1, 2, 3, 4), randn(19, 1, 2, 5, 4), randn(20, 1, 2, 5, 2));
    }

    @Test void attentionTransposedInputs() {
        check(v -> NormFunctions.attention(v[0], v[1], v[2], null, 1 / Math.sqrt(3)), strided(randn(21, 2, 1, 4, 3)),
                strided(randn(22, 2, 1, 4, 3)), strided(randn(23, 2, 1, 4, 3)));
    }

    @Test void attentionWithACausalMask() {
        int t = 4;
        double[] m = new double[t * t];
        for (int i = 0; i < t; i++) for (int j = 0; j < t; j++) m[i * t + j] = j > i ? Double.NEGATIVE_INFINITY : 0;
        Tensor mask = Tensor.of(m, 1, 1, t, t);
        check(v -> NormFunctions.attention(v[0], v[1], v[2], mask, 0.5), randn(24, 2, 2, t, 3), randn(25, 2, 2, t, 3), randn(26, 2, 2, t, 3));
    }

    @Test void attentionWithAnAdditiveBiasMask() {
        Tensor mask = randn(27, 3, 5);
        check(v -> NormFunctions.attention(v[0], v[1], v[2], mask, 0.7), randn(28, 1, 2, 3, 2), randn(29, 1, 2, 5, 2), randn(30, 1, 2, 5, 3));
    }
}
