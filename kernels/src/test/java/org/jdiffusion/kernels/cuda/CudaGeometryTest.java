package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Shapes;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaGeometryTest {
    /** common.cuh's geom_offsets, on a packed Geom. */
    static int[] offsets(int[] packed, int n, int i) {
        int[] off = new int[n];
        int rank = packed[0];
        for (int k = 0; k < rank; k++) {
            int s = packed[1 + k], idx = k == rank - 1 ? i : i % s;
            if (k < rank - 1) i /= s;
            for (int j = 0; j < n; j++) off[j] += idx * packed[1 + CudaGeometry.MAX_DIMS + k * n + j];
        }
        return off;
    }

    @Test void denseTensorsMergeToOneDim() {
        CudaGeometry g = CudaGeometry.of(new int[]{2, 3, 4}, new int[]{12, 4, 1}, new int[]{12, 4, 1});
        assertArrayEquals(new int[]{24}, g.sizes());
        assertTrue(g.isDense());
    }

    @Test void sizeOneDimsDropAndScalarsHaveRankZero() {
        CudaGeometry g = CudaGeometry.of(new int[]{1, 5, 1}, new int[]{99, 1, 7});
        assertArrayEquals(new int[]{5}, g.sizes());
        CudaGeometry s = CudaGeometry.of(new int[0], new int[0]);
        assertEquals(0, s.rank());
        assertTrue(s.isDense());
        assertEquals(1, s.numel());
    }

    @Test void transposedAndBroadcastOperandsKeepTheirDims() {
        CudaGeometry t = CudaGeometry.of(new int[]{3, 4}, new int[]{1, 3}, new int[]{4, 1});
        assertEquals(2, t.rank());
        assertFalse(t.isDense());
        int[] p = t.pack("op");
        assertEquals(2, p[0]);
        assertEquals(4, p[1], "innermost size first");
        assertEquals(3, p[2]);
        assertEquals(3, p[1 + 8], "operand 0's stride of the innermost dim");
        assertEquals(1, p[1 + 8 + 1]);
        CudaGeometry rowBroadcast = CudaGeometry.of(new int[]{4, 5}, new int[]{5, 1}, new int[]{0, 1});
        assertEquals(2, rowBroadcast.rank());
        CudaGeometry scalarBroadcast = CudaGeometry.of(new int[]{4, 5}, new int[]{5, 1}, new int[]{0, 0});
        assertEquals(1, scalarBroadcast.rank());
        assertArrayEquals(new int[]{0}, scalarBroadcast.strides()[1]);
    }

    @Test void packedOffsetsVisitEveryElementInRowMajorOrder() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int rank = rnd.nextInt(6);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = 1 + rnd.nextInt(4);
            int ops = 1 + rnd.nextInt(4);
            int[][] strides = new int[ops][];
            for (int j = 0; j < ops; j++) strides[j] = randomStrides(shape, rnd);
            int[] packed = CudaGeometry.of(shape, strides).pack("test");
            for (int j = 0; j < ops; j++) {
                List<Integer> expected = new ArrayList<>();
                Shapes.forEachOffset(shape, strides[j], 0, (i, off) -> expected.add(off));
                for (int i = 0; i < expected.size(); i++)
                    assertEquals(expected.get(i), offsets(packed, ops, i)[j], "trial " + trial + " operand " + j + " element " + i);
            }
        }
    }

    /** Contiguous, permuted, sliced or broadcast strides for shape. */
    private static int[] randomStrides(int[] shape, Random rnd) {
        int r = shape.length;
        int[] st = Shapes.contiguousStrides(shape);
        switch (rnd.nextInt(4)) {
            case 0 -> { }
            case 1 -> { // permuted layout
                if (r >= 2) {
                    int a = rnd.nextInt(r), b = rnd.nextInt(r);
                    int[] perm = new int[r];
                    for (int i = 0; i < r; i++) perm[i] = i;
                    perm[a] = b;
                    perm[b] = a;
                    int[] permShape = new int[r];
                    for (int i = 0; i < r; i++) permShape[i] = shape[perm[i]];
                    int[] ps = Shapes.contiguousStrides(permShape);
                    for (int i = 0; i < r; i++) st[perm[i]] = ps[i];
                }
            }
            case 2 -> { for (int i = 0; i < r; i++) st[i] *= 2; }  // every other element
            default -> { for (int i = 0; i < r; i++) if (rnd.nextBoolean()) st[i] = 0; }  // broadcast dims
        }
        return st;
    }

    @Test void moreThanEightUnmergeableDimsAreRejectedNamingTheOp() {
        int[] shape = new int[9], a = new int[9], b = new int[9];
        for (int d = 0; d < 9; d++) {
            shape[d] = 2;
            a[d] = 1 << (8 - d);
            b[d] = 1 << d;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaGeometry.of(shape, a, b).pack("add"));
        assertTrue(e.getMessage().startsWith("add: "), e.getMessage());
        assertTrue(e.getMessage().contains("at most 8"), e.getMessage());
    }

    @Test void mismatchedStrideRanksAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaGeometry.of(new int[]{2, 3}, new int[]{3}));
        assertTrue(e.getMessage().contains("do not fit shape [2, 3]"), e.getMessage());
    }
}
