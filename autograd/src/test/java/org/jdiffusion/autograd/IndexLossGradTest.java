package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Gradcheck.check;
import static org.jdiffusion.autograd.Inputs.longs;
import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndexLossGradTest {
    @Test void gatherWithDuplicateIndices() {
        Tensor idx = longs(new long[]{0, 0, 2, 1, 1, 1, 3, 3}, 2, 4);
        check(v -> IndexFunctions.gather(v[0], 1, idx), strided(randn(1, 2, 4)));
    }

    @Test void gatherAlongDim0() {
        Tensor idx = longs(new long[]{2, 0, 2, 2, 1, 0}, 2, 3);
        check(v -> IndexFunctions.gather(v[0], 0, idx), randn(2, 3, 3));
    }

    @Test void indexSelectWithDuplicateIndices() {
        Tensor idx = longs(new long[]{1, 3, 1, 1, 0}, 5);
        check(v -> IndexFunctions.indexSelect(v[0], 1, idx), strided(randn(3, 2, 4)));
    }

    @Test void embeddingWithDuplicateIds() {
        Tensor ids = longs(new long[]{4, 1, 1, 0, 4, 4}, 2, 3);
        check(v -> IndexFunctions.embedding(v[0], ids), randn(4, 5, 3));
    }

    @Test void mse() { check(v -> LossFunctions.mse(v[0], v[1]), strided(randn(5, 3, 4)), randn(6, 3, 4)); }

    @Test void mseRejectsDifferentShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> LossFunctions.mse(Variable.param(randn(7, 3, 4)), randn(8, 4, 3)));
        assertTrue(e.getMessage().contains("mse") && e.getMessage().contains("[3, 4]") && e.getMessage().contains("[4, 3]"), e.getMessage());
    }

    @Test void crossEntropy() {
        Tensor labels = longs(new long[]{2, 0, 2, 1}, 4);
        check(v -> LossFunctions.crossEntropy(v[0], labels), strided(randn(9, 4, 3)));
    }

    @Test void crossEntropyValue() {
        Tensor logits = randn(10, 2, 3);
        double[] z = logits.toDoubleArray();
        long[] y = {1, 2};
        double expected = 0;
        for (int n = 0; n < 2; n++) {
            double lse = Math.log(Math.exp(z[3 * n]) + Math.exp(z[3 * n + 1]) + Math.exp(z[3 * n + 2]));
            expected += (lse - z[3 * n + (int) y[n]]) / 2;
        }
        assertEquals(expected, LossFunctions.crossEntropy(Variable.constant(logits), longs(y, 2)).item(), 1e-12);
    }

    @Test void crossEntropyRejectsBadLabels() {
        Variable logits = Variable.param(randn(11, 2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> LossFunctions.crossEntropy(logits, longs(new long[]{0, 3}, 2)));
        assertTrue(e.getMessage().contains("crossEntropy") && e.getMessage().contains("3 classes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LossFunctions.crossEntropy(logits, randn(12, 2)));
        assertTrue(e.getMessage().contains("int64") && e.getMessage().contains("float64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LossFunctions.crossEntropy(logits, longs(new long[]{0}, 1)));
        assertTrue(e.getMessage().contains("[N, C]"), e.getMessage());
        assertEquals(DType.FLOAT64, logits.dtype());
    }
}
