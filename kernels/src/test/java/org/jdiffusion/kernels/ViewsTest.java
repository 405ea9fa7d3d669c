package org.jdiffusion.kernels;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Views share storage and never copy: each view's elements are checked against index arithmetic on
 * the base's values (arange, so every element names its own position).
 */
class ViewsTest {

    /** 0, 1, ..., n−1 as float64 in the given shape. */
    private static Tensor iota(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return Tensor.arange(0, n, 1, DType.FLOAT64, org.jdiffusion.tensor.Device.CPU).view(shape);
    }

    private static double[] range(int n) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    @Test
    void viewAndReshapeOfContiguousDataNeverCopy() {
        Tensor t = iota(2, 3, 4);
        for (int[] shape : new int[][]{{24}, {6, 4}, {2, 12}, {4, 3, 2}, {1, 24, 1}, {2, -1}, {-1, 3, 2, 2}}) {
            Tensor v = t.view(shape), r = t.reshape(shape);
            assertSame(t.storage(), v.storage(), "view " + java.util.Arrays.toString(shape));
            assertSame(t.storage(), r.storage(), "reshape " + java.util.Arrays.toString(shape));
            assertArrayEquals(range(24), v.toDoubleArray(), 0);
            assertArrayEquals(range(24), r.toDoubleArray(), 0);
        }
        assertArrayEquals(new int[]{2, 12}, t.view(2, -1).shape());
        assertArrayEquals(new int[]{2, 3, 2, 2}, t.view(-1, 3, 2, 2).shape());
    }

    @Test
    void viewOfNonContiguousDataWhenTheStridesAllow() {
        Tensor t = iota(4, 6).transpose(0, 1);            // [6, 4], strides [1, 6]
        Tensor split = t.view(3, 2, 4);                    // splitting a dim is always a view
        assertSame(t.storage(), split.storage());
        assertArrayEquals(t.toDoubleArray(), split.toDoubleArray(), 0);
        Tensor sliced = iota(4, 6).narrow(1, 1, 4);        // rows of 4 at stride 6: merging rows is impossible
        assertThrows(IllegalArgumentException.class, () -> sliced.view(16));
        Tensor r = sliced.reshape(16);
        assertNotSame(sliced.storage(), r.storage(), "reshape copies when a view is impossible");
        assertArrayEquals(sliced.toDoubleArray(), r.toDoubleArray(), 0);
        Tensor rowsOnly = iota(4, 6).narrow(0, 1, 2);      // whole rows: still contiguous, a view
        assertSame(rowsOnly.storage(), rowsOnly.view(12).storage());
        assertArrayEquals(new double[]{6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, rowsOnly.view(12).toDoubleArray(), 0);
    }

    @Test
    void viewImpossibleNamesShapesStridesAndTheWayOut() {
        Tensor t = iota(3, 4).transpose(0, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> t.view(12));
        String m = e.getMessage();
        assertTrue(m.startsWith("view:") && m.contains("[4, 3]") && m.contains("[1, 4]") && m.contains("[12]") && m.contains("reshape"), m);
    }

    @Test
    void permuteAndTranspose() {
        Tensor t = iota(2, 3, 4), p = t.permute(2, 0, 1);
        assertArrayEquals(new int[]{4, 2, 3}, p.shape());
        assertSame(t.storage(), p.storage());
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 3; k++)
                    assertEquals(j * 12 + k * 4 + i, p.select(0, i).select(0, j).select(0, k).item());
        Tensor q = t.transpose(-1, 0);
        assertArrayEquals(new int[]{4, 3, 2}, q.shape());
        assertArrayEquals(new int[]{1, 4, 12}, q.strides());
        assertEquals(1 * 12 + 2 * 4 + 3, q.select(0, 3).select(0, 2).select(0, 1).item());
        assertFalse(q.isContiguous());
        assertTrue(t.permute(0, 1, 2).isContiguous());
    }

    @Test
    void narrowSliceWithStepAndSelect() {
        Tensor t = iota(5, 6);
        assertArrayEquals(new double[]{8, 9, 10, 14, 15, 16}, t.narrow(0, 1, 2).narrow(1, 2, 3).toDoubleArray(), 0);
        assertArrayEquals(new double[]{1, 3, 5, 13, 15, 17, 25, 27, 29}, t.slice(0, 0, 5, 2).slice(1, 1, 6, 2).toDoubleArray(), 0);
        assertArrayEquals(new double[]{2, 5}, t.select(0, 0).slice(0, 2, 6, 3).toDoubleArray(), 0);
        assertArrayEquals(new double[]{24, 25}, t.slice(0, -1, 5, 1).slice(1, 0, -4, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[]{24, 25, 26, 27, 28, 29}, t.select(0, -1).toDoubleArray(), 0);
        assertArrayEquals(new double[]{5, 11, 17, 23, 29}, t.select(-1, -1).toDoubleArray(), 0);
        assertEquals(0, t.narrow(1, 6, 0).numel(), "an empty narrow at the end is allowed");
        assertEquals(17, t.select(1, 5).select(0, 2).item());
        assertSame(t.storage(), t.slice(1, 1, 6, 2).storage());
    }

    @Test
    void expandBroadcastsWithStrideZero() {
        Tensor col = iota(3, 1), e = col.expand(2, 3, 4);
        assertArrayEquals(new int[]{2, 3, 4}, e.shape());
        assertArrayEquals(new int[]{0, 1, 0}, e.strides());
        assertSame(col.storage(), e.storage());
        assertArrayEquals(new double[]{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, e.toDoubleArray(), 0);
        assertArrayEquals(new int[]{3, 5}, col.expand(-1, 5).shape());
        // an expanded view reads through; a copy of it is a dense tensor
        Tensor c = e.contiguous();
        assertNotSame(e.storage(), c.storage());
        assertTrue(c.isContiguous());
        assertArrayEquals(e.toDoubleArray(), c.toDoubleArray(), 0);
    }

    @Test
    void squeezeUnsqueezeFlatten() {
        Tensor t = iota(2, 1, 3, 1);
        assertArrayEquals(new int[]{2, 3}, t.squeeze().shape());
        assertArrayEquals(new int[]{2, 3, 1}, t.squeeze(1).shape());
        assertArrayEquals(new int[]{2, 1, 3}, t.squeeze(-1).shape());
        Tensor u = iota(2, 3).unsqueeze(1);
        assertArrayEquals(new int[]{2, 1, 3}, u.shape());
        assertArrayEquals(new int[]{2, 3, 1}, iota(2, 3).unsqueeze(-1).shape());
        assertArrayEquals(new int[]{1, 2, 3}, iota(2, 3).unsqueeze(-3).shape());
        assertTrue(u.isContiguous());
        assertArrayEquals(range(6), u.toDoubleArray(), 0);
        Tensor f = iota(2, 3, 4, 5).flatten(1, 2);
        assertArrayEquals(new int[]{2, 12, 5}, f.shape());
        assertArrayEquals(range(120), f.toDoubleArray(), 0);
        assertArrayEquals(new int[]{120}, iota(2, 3, 4, 5).flatten(0, -1).shape());
        Tensor tr = iota(2, 3, 4).transpose(0, 2);       // flatten of a non-contiguous run copies
        assertArrayEquals(tr.toDoubleArray(), tr.flatten(0, 1).toDoubleArray(), 0);
        assertArrayEquals(new int[]{1}, Tensor.scalar(3).flatten(0, 0).shape());
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor t = iota(3, 4);
        assertSame(t, t.contiguous());
        assertSame(t.storage(), t.narrow(0, 1, 2).contiguous().storage(), "a block of whole rows is contiguous");
        assertSame(t.storage(), t.unsqueeze(0).contiguous().storage());
        Tensor tr = t.transpose(0, 1), c = tr.contiguous();
        assertNotSame(t.storage(), c.storage());
        assertArrayEquals(new int[]{3, 1}, c.strides());
        assertArrayEquals(tr.toDoubleArray(), c.toDoubleArray(), 0);
        assertNotSame(t.storage(), t.slice(1, 0, 4, 2).contiguous().storage());
    }

    @Test
    void writesThroughViewsReachTheBase() {
        Tensor base = Tensor.zeros(DType.FLOAT64, org.jdiffusion.tensor.Device.CPU, 3, 4);
        base.select(1, 2).fillInPlace(7);                               // column 2
        base.transpose(0, 1).select(0, 0).copyFrom(Tensor.of(new double[]{1, 2, 3}, 3)); // column 0 through a transpose
        base.view(12).slice(0, 1, 12, 4).addInPlace(Tensor.scalar(5, DType.FLOAT64, org.jdiffusion.tensor.Device.CPU));
        base.narrow(0, 2, 1).narrow(1, 3, 1).mulInPlace(0.0).addInPlace(-1.0);
        assertArrayEquals(new double[]{1, 5, 7, 0, 2, 5, 7, 0, 3, 5, 7, -1}, base.toDoubleArray(), 0);
    }

    @Test
    void toArraysAreCopiesNotViews() {
        Tensor t = iota(2, 2);
        double[] d = t.toDoubleArray();
        d[0] = 42;
        assertEquals(0, t.select(0, 0).select(0, 0).item());
    }
}
