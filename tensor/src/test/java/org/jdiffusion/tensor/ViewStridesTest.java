package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ViewStridesTest {
    @Test void mergingDimsIntoOneTakesTheInnermostStride() {
        assertArrayEquals(new int[]{1}, Views.viewStrides(new int[]{2, 3}, new int[]{3, 1}, new int[]{6}));
        assertArrayEquals(new int[]{210, 1, 1}, Views.viewStrides(new int[]{3, 6, 5, 7}, new int[]{210, 35, 7, 1}, new int[]{3, 1, 210}));
        // a strided run (every other element) keeps its step
        assertArrayEquals(new int[]{2}, Views.viewStrides(new int[]{2, 3}, new int[]{6, 2}, new int[]{6}));
    }
}
