package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesTest {

    @Test
    void broadcastAlignsTrailingDims() {
        assertArrayEquals(new int[]{3, 4, 5}, Shapes.broadcast("add", new int[]{3, 1, 5}, new int[]{4, 1}));
        assertArrayEquals(new int[]{3, 4, 5}, Shapes.broadcast("add", new int[]{4, 1}, new int[]{3, 1, 5}));
        assertArrayEquals(new int[]{2, 3}, Shapes.broadcast("add", new int[]{2, 3}, new int[]{}));
        assertArrayEquals(new int[]{}, Shapes.broadcast("add", new int[]{}, new int[]{}));
        assertArrayEquals(new int[]{0, 4}, Shapes.broadcast("add", new int[]{0, 1}, new int[]{1, 4}));
        assertArrayEquals(new int[]{7, 2, 6}, Shapes.broadcast("mul", new int[]{7, 1, 1}, new int[]{2, 6}));
    }

    @Test
    void broadcastFailureNamesOpBothShapesAndTheDim() {
        var e = assertThrows(IllegalArgumentException.class, () -> Shapes.broadcast("sub", new int[]{3, 4}, new int[]{2, 1, 5}));
        String m = e.getMessage();
        assertTrue(m.startsWith("sub:") && m.contains("[3, 4]") && m.contains("[2, 1, 5]") && m.contains("4 vs 5"), m);
    }

    @Test
    void dimNormalisesNegativesAndRejectsOutOfRange() {
        int[] s = {2, 3, 4};
        assertEquals(2, Shapes.dim("op", -1, s));
        assertEquals(0, Shapes.dim("op", -3, s));
        assertEquals(1, Shapes.dim("op", 1, s));
        assertEquals(0, Shapes.dim("op", -1, new int[]{}), "a 0-d tensor accepts dim 0 / -1");
        for (int bad : new int[]{3, -4, 5}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Shapes.dim("sum", bad, s));
            assertTrue(e.getMessage().contains("sum: dim " + bad) && e.getMessage().contains("[2, 3, 4]")
                    && e.getMessage().contains("-3..2"), e.getMessage());
        }
    }

    @Test
    void dimsSortsAndRejectsRepeats() {
        assertArrayEquals(new int[]{0, 2}, Shapes.dims("sum", new int[]{-1, 0}, new int[]{2, 3, 4}));
        assertArrayEquals(new int[]{0, 1, 2}, Shapes.dims("sum", new int[]{}, new int[]{2, 3, 4}));
        var e = assertThrows(IllegalArgumentException.class, () -> Shapes.dims("sum", new int[]{1, -2}, new int[]{2, 3, 4}));
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    }

    @Test
    void stridesAndSizes() {
        assertArrayEquals(new int[]{12, 4, 1}, Shapes.contiguousStrides(new int[]{2, 3, 4}));
        assertArrayEquals(new int[]{}, Shapes.contiguousStrides(new int[]{}));
        assertArrayEquals(new int[]{3, 3, 1}, Shapes.contiguousStrides(new int[]{2, 0, 3}));
        assertEquals(0, Shapes.numel(new int[]{2, 0, 3}));
        assertEquals(1, Shapes.numel(new int[]{}));
        var e = assertThrows(IllegalArgumentException.class, () -> Shapes.numel(new int[]{1 << 16, 1 << 16}));
        assertTrue(e.getMessage().contains("2^31-1"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> Shapes.checkShape("zeros", new int[]{2, -1}));
        assertTrue(f.getMessage().contains("zeros") && f.getMessage().contains("[2, -1]"), f.getMessage());
    }

    @Test
    void forEachOffsetWalksRowMajor() {
        // a [2, 3] view of a transposed [3, 2] buffer, at offset 10
        List<Integer> offs = new ArrayList<>(), lin = new ArrayList<>();
        Shapes.forEachOffset(new int[]{2, 3}, new int[]{1, 2}, 10, (i, o) -> { lin.add(i); offs.add(o); });
        assertEquals(List.of(0, 1, 2, 3, 4, 5), lin);
        assertEquals(List.of(10, 12, 14, 11, 13, 15), offs);
        List<Integer> none = new ArrayList<>();
        Shapes.forEachOffset(new int[]{3, 0}, new int[]{0, 1}, 0, (i, o) -> none.add(o));
        assertTrue(none.isEmpty());
        List<Integer> scalar = new ArrayList<>();
        Shapes.forEachOffset(new int[]{}, new int[]{}, 4, (i, o) -> scalar.add(o));
        assertEquals(List.of(4), scalar);
    }
}
