package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** View strides when merging and splitting runs of dims (pure stride arithmetic, no storage). */
class ViewStridesTest {
    @Test
    void mergedRunTakesTheInnermostStride() {
        // [2, 6, 2, 3] contiguous → [2, 2, 18]: dims 1..3 merge and split; the run's unit is dim 3's stride
        assertArrayEquals(new int[]{36, 18, 1}, Views.viewStrides(new int[]{2, 6, 2, 3}, new int[]{36, 6, 3, 1}, new int[]{2, 2, 18}));
        // a strided run (every other element) keeps its step
        assertArrayEquals(new int[]{24, 2}, Views.viewStrides(new int[]{4, 3, 4}, new int[]{24, 8, 2}, new int[]{4, 12}));
    }

    @Test
    void nonContiguousRunCannotBeMerged() {
        assertNull(Views.viewStrides(new int[]{3, 4}, new int[]{1, 3}, new int[]{12}));
    }
}
