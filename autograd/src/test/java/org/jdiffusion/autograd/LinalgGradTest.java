package org.jdiffusion.autograd;

import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Gradcheck.check;
import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;

class LinalgGradTest {
    @Test void matmul2d() { check(v -> LinalgFunctions.matmul(v[0], v[1]), randn(1, 3, 4), randn(2, 4, 5)); }

    @Test void matmulTransposedOperands() { check(v -> LinalgFunctions.matmul(v[0], v[1]), strided(randn(3, 3, 4)), strided(randn(4, 4, 2))); }

    @Test void matmulBroadcastsBatchDims() { check(v -> LinalgFunctions.matmul(v[0], v[1]), randn(5, 2, 1, 3, 4), strided(randn(6, 3, 4, 2))); }

    @Test void matmulBatchTimesMatrix() { check(v -> LinalgFunctions.matmul(v[0], v[1]), randn(7, 2, 3, 4), randn(8, 4, 2)); }

    @Test void matmulVectorTimesBatch() { check(v -> LinalgFunctions.matmul(v[0], v[1]), randn(9, 4), randn(10, 2, 4, 3)); }

    @Test void matmulMatrixTimesVector() { check(v -> LinalgFunctions.matmul(v[0], v[1]), strided(randn(11, 3, 4)), randn(12, 4)); }

    @Test void matmulDotProduct() { check(v -> LinalgFunctions.matmul(v[0], v[1]), randn(13, 5), strided(randn(14, 5))); }

    @Test void linearWithBias3d() { check(v -> LinalgFunctions.linear(v[0], v[1], v[2]), randn(15, 2, 3, 4), strided(randn(16, 5, 4)), randn(17, 5)); }

    @Test void linearWithoutBias() { check(v -> LinalgFunctions.linear(v[0], v[1], null), strided(randn(18, 3, 4)), randn(19, 2, 4)); }

    @Test void linearOfAVector() { check(v -> LinalgFunctions.linear(v[0], v[1], v[2]), randn(20, 4), randn(21, 3, 4), randn(22, 3)); }

    @Test void linearWithAConstantWeight() {
        Gradcheck.constant(1).check(v -> LinalgFunctions.linear(v[0], v[1], v[2]), randn(23, 3, 4), randn(24, 2, 4), randn(25, 2));
    }
}
