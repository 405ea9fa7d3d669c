package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Conv2dParams;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Gradcheck.check;
import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;

class ConvGradTest {
    @Test void conv2dWithBias() {
        check(v -> ConvFunctions.conv2d(v[0], v[1], v[2], Conv2dParams.of(1, 1)), randn(1, 2, 2, 5, 4), randn(2, 3, 2, 3, 3), randn(3, 3));
    }

    @Test void conv2dStride2Padding1() {
        check(v -> ConvFunctions.conv2d(v[0], v[1], v[2], Conv2dParams.of(2, 1)), strided(randn(4, 1, 3, 5, 6)), randn(5, 2, 3, 3, 3), randn(6, 2));
    }

    @Test void conv2dGroupsWithoutBias() {
        check(v -> ConvFunctions.conv2d(v[0], v[1], null, Conv2dParams.of(1, 1, 1, 2)), randn(7, 2, 4, 4, 5), strided(randn(8, 4, 2, 3, 3)));
    }

    @Test void conv2dDilatedRectangular() {
        check(v -> ConvFunctions.conv2d(v[0], v[1], v[2], new Conv2dParams(2, 1, 0, 2, 2, 1, 1)), randn(9, 1, 2, 7, 5), randn(10, 2, 2, 2, 3),
                randn(11, 2));
    }

    @Test void upsampleNearest() { check(v -> ConvFunctions.upsampleNearest(v[0], 2), strided(randn(12, 2, 3, 2, 3))); }

    @Test void avgPool2dNonOverlapping() { check(v -> ConvFunctions.avgPool2d(v[0], 2, 2), randn(13, 2, 2, 4, 5)); }

    @Test void avgPool2dOverlapping() { check(v -> ConvFunctions.avgPool2d(v[0], 3, 1), strided(randn(14, 1, 2, 4, 5))); }
}
