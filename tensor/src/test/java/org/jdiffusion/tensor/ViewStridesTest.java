package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@link Views#viewStrides} against a complete oracle: a layout can be viewed as a new shape iff the
 * strides read off the element offsets (the step of each new dim from the first element) reproduce
 * every offset.
 */
class ViewStridesTest {

    private static int[] offsets(int[] shape, int[] strides, int offset) {
        int[] r = new int[Shapes.numel(shape)];
        Shapes.forEachOffset(shape, strides, offset, (i, o) -> r[i] = o);
        return r;
    }

    /** The strides a view must have, or null when no strides reproduce the offsets. */
    private static int[] oracle(int[] offs, int[] newShape) {
        int[] cs = Shapes.contiguousStrides(newShape), st = new int[newShape.length];
        for (int d = 0; d < newShape.length; d++) st[d] = newShape[d] > 1 ? offs[cs[d]] - offs[0] : 0;
        return Arrays.equals(offsets(newShape, st, offs[0]), offs) ? st : null;
    }

    @Test
    void contiguousSplitsAndMerges() {
        assertArrayEquals(new int[]{1}, Views.viewStrides(new int[]{2, 3}, new int[]{3, 1}, new int[]{6}));
        assertArrayEquals(new int[]{4, 1}, Views.viewStrides(new int[]{2, 3, 4}, new int[]{12, 4, 1}, new int[]{6, 4}));
        assertArrayEquals(new int[]{12, 1}, Views.viewStrides(new int[]{2, 3, 4}, new int[]{12, 4, 1}, new int[]{2, 12}));
        assertArrayEquals(new int[]{12, 6, 3, 1}, Views.viewStrides(new int[]{4, 6}, new int[]{6, 1}, new int[]{2, 2, 2, 3}));
    }

    @Test
    void mergedRunTakesTheInnermostStride() {
        // [2, 6, 2, 3] contiguous → [2, 2, 18]: dims 1..3 merge and split; the run's unit is dim 3's stride
        assertArrayEquals(new int[]{36, 18, 1}, Views.viewStrides(new int[]{2, 6, 2, 3}, new int[]{36, 6, 3, 1}, new int[]{2, 2, 18}));
        // a strided run (every other element) keeps its step
        assertArrayEquals(new int[]{24, 2}, Views.viewStrides(new int[]{4, 3, 4}, new int[]{24, 8, 2}, new int[]{4, 12}));
    }

    @Test
    void transposedLayoutsSplitButDoNotMerge() {
        // [3, 4] stored transposed: strides [1, 3]
        assertNull(Views.viewStrides(new int[]{3, 4}, new int[]{1, 3}, new int[]{12}));
        int[] st = Views.viewStrides(new int[]{3, 4}, new int[]{1, 3}, new int[]{3, 2, 2});
        assertArrayEquals(new int[]{1, 6, 3}, st);
    }

    @Test
    void sizeOneDimsComeAndGo() {
        int[] st = Views.viewStrides(new int[]{2, 1, 3}, new int[]{3, 3, 1}, new int[]{1, 6, 1});
        assertNotNull(st);
        assertEquals(1, st[1]);
        assertNotNull(Views.viewStrides(new int[]{1, 1}, new int[]{5, 9}, new int[]{}));
        assertNotNull(Views.viewStrides(new int[]{}, new int[]{}, new int[]{1, 1, 1}));
    }

    @Test
    void agreesWithTheOracleOnRandomLayouts() {
        SplittableRandom r = new SplittableRandom(77);
        int views = 0, refusals = 0;
        for (int t = 0; t < 3000; t++) {
            int rank = 1 + r.nextInt(4);
            int[] base = new int[rank];
            for (int i = 0; i < rank; i++) base[i] = 1 + r.nextInt(4);
            int[] shape = base.clone(), strides = Shapes.contiguousStrides(base);
            int offset = 0;
            // a random slice with step on one dim, then a random permutation
            int d = r.nextInt(rank);
            if (shape[d] > 1 && r.nextBoolean()) {
                int start = r.nextInt(shape[d]), step = 1 + r.nextInt(2);
                offset += start * strides[d];
                shape[d] = (shape[d] - start + step - 1) / step;
                strides[d] *= step;
            }
            List<Integer> perm = new ArrayList<>();
            for (int i = 0; i < rank; i++) perm.add(i);
            if (r.nextBoolean()) java.util.Collections.shuffle(perm, new java.util.Random(r.nextLong()));
            int[] ps = new int[rank], pst = new int[rank];
            for (int i = 0; i < rank; i++) { ps[i] = shape[perm.get(i)]; pst[i] = strides[perm.get(i)]; }
            int[] target = randomShapeOf(Shapes.numel(ps), r);
            int[] offs = offsets(ps, pst, offset);
            int[] got = Views.viewStrides(ps, pst, target), want = oracle(offs, target);
            String at = Arrays.toString(ps) + " strides " + Arrays.toString(pst) + " as " + Arrays.toString(target);
            if (want == null) { assertNull(got, at); refusals++; continue; }
            assertNotNull(got, at);
            assertArrayEquals(offs, offsets(target, got, offset), at);
            views++;
        }
        // the random layouts must exercise both outcomes
        assertEquals(true, views > 500 && refusals > 100, views + " views, " + refusals + " refusals");
    }

    /** A random factorisation of n into 1..4 dims, with size-1 dims sprinkled in. */
    private static int[] randomShapeOf(int n, SplittableRandom r) {
        List<Integer> dims = new ArrayList<>();
        int rest = n;
        for (int p = 2; p <= rest; p++) while (rest % p == 0) { dims.add(p); rest /= p; }
        java.util.Collections.shuffle(dims, new java.util.Random(r.nextLong()));
        List<Integer> merged = new ArrayList<>();
        for (int f : dims) {
            if (!merged.isEmpty() && r.nextInt(3) == 0) merged.set(merged.size() - 1, merged.getLast() * f);
            else merged.add(f);
        }
        if (r.nextInt(3) == 0) merged.add(r.nextInt(merged.size() + 1), 1);
        if (merged.isEmpty()) merged.add(1);
        return merged.stream().mapToInt(Integer::intValue).toArray();
    }
}
