package org.jdiffusion.kernels;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Factories, conversions between dtypes and to host arrays, and printing. */
class CreationTest {
    private static final Device CPU = Device.CPU;

    @Test
    void zerosOnesFull() {
        for (DType dt : DType.values()) {
            Tensor z = Tensor.zeros(dt, CPU, 2, 3), o = Tensor.ones(dt, CPU, 2, 3), f = Tensor.full(-4, dt, CPU, 3, 1);
            assertEquals(dt, z.dtype());
            assertEquals(CPU, z.device());
            assertArrayEquals(new int[]{2, 3}, z.shape());
            assertTrue(z.isDense());
            assertArrayEquals(new double[6], z.toDoubleArray(), 0);
            assertArrayEquals(new double[]{1, 1, 1, 1, 1, 1}, o.toDoubleArray(), 0);
            assertArrayEquals(new double[]{-4, -4, -4}, f.toDoubleArray(), 0);
        }
        assertEquals(DType.FLOAT32, Tensor.zeros(4).dtype());
        assertEquals(0, Tensor.zeros(3, 0).numel());
        Tensor s = Tensor.scalar(2.5);
        assertEquals(0, s.dim());
        assertEquals(2.5, s.item());
        assertTrue(Double.isNaN(Tensor.full(Double.NaN, DType.FLOAT32, CPU, 2).toDoubleArray()[1]));
    }

    @Test
    void arangeInt64AndFloatWithNegativeSteps() {
        assertArrayEquals(new long[]{0, 1, 2, 3, 4}, Tensor.arange(5).toLongArray());
        assertEquals(DType.INT64, Tensor.arange(5).dtype());
        assertArrayEquals(new long[]{10, 7, 4, 1}, Tensor.arange(10, 0, -3, DType.INT64, CPU).toLongArray());
        assertArrayEquals(new double[]{0, 0.25, 0.5, 0.75}, Tensor.arange(0, 1, 0.25, DType.FLOAT64, CPU).toDoubleArray(), 0);
        assertArrayEquals(new float[]{1f, 0.5f, 0f, -0.5f}, Tensor.arange(1, -1, -0.5, DType.FLOAT32, CPU).toFloatArray(), 0);
        assertArrayEquals(new double[]{-1, 0.5}, Tensor.arange(-1, 1.6, 1.5, DType.FLOAT64, CPU).toDoubleArray(), 1e-15);
        assertEquals(0, Tensor.arange(3, 3, 1, DType.INT64, CPU).numel());
        assertEquals(0, Tensor.arange(3, 5, -1, DType.INT64, CPU).numel(), "a step pointing away from end gives nothing");
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 5, 0, DType.INT64, CPU));
        assertTrue(e.getMessage().contains("arange") && e.getMessage().contains("step"), e.getMessage());
    }

    @Test
    void linspaceAndEye() {
        assertArrayEquals(new double[]{-1, -0.5, 0, 0.5, 1}, Tensor.linspace(-1, 1, 5, DType.FLOAT64, CPU).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{3}, Tensor.linspace(3, 9, 1, DType.FLOAT64, CPU).toDoubleArray(), 0);
        double[] l = Tensor.linspace(0, 1, 11, DType.FLOAT32, CPU).toDoubleArray();
        assertEquals(0, l[0]);
        assertEquals(1, l[10], "the end point is exact");
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, 0, DType.FLOAT32, CPU));
        assertTrue(e.getMessage().contains("linspace") && e.getMessage().contains("0"), e.getMessage());
        assertArrayEquals(new double[]{1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(3, DType.FLOAT64, CPU).toDoubleArray(), 0);
        assertArrayEquals(new long[]{1, 0, 0, 1}, Tensor.eye(2, DType.INT64, CPU).toLongArray());
    }

    @Test
    void ofCopiesItsArgumentAndChecksTheCount() {
        float[] f = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(f, 2, 3);
        f[0] = 100;
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, t.toFloatArray(), 0);
        assertEquals(DType.FLOAT32, t.dtype());
        assertEquals(DType.FLOAT64, Tensor.of(new double[]{1, 2}, 2).dtype());
        long big = (1L << 62) + 3;
        Tensor l = Tensor.ofLongs(new long[]{big, -big}, 2);
        assertArrayEquals(new long[]{big, -big}, l.toLongArray(), "int64 round-trips exactly");
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[]{1, 2, 3}, 2, 2));
        assertTrue(e.getMessage().contains("3 values") && e.getMessage().contains("[2, 2]"), e.getMessage());
    }

    @Test
    void toArraysConvertAndItemReadsOneElement() {
        Tensor t = Tensor.of(new double[]{1.5, -2.25, 3}, 3);
        assertArrayEquals(new float[]{1.5f, -2.25f, 3f}, t.toFloatArray(), 0);
        assertArrayEquals(new long[]{1, -2, 3}, t.toLongArray());
        assertArrayEquals(new double[]{1, -2, 3}, Tensor.ofLongs(new long[]{1, -2, 3}, 3).toDoubleArray(), 0);
        assertEquals(-2.25, t.select(0, 1).item());
        assertEquals(7, Tensor.ofLongs(new long[]{7}, 1, 1).item());
        var e = assertThrows(IllegalArgumentException.class, t::item);
        assertTrue(e.getMessage().contains("item") && e.getMessage().contains("[3]"), e.getMessage());
        // arrays of a view hold the view's elements in row-major order
        Tensor m = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, m.toFloatArray(), 0);
    }

    @Test
    void castsBetweenDtypes() {
        Tensor f = Tensor.of(new float[]{2.9f, -2.9f, 0.5f, -0.5f, 1e10f, -7f}, 6);
        assertArrayEquals(new long[]{2, -2, 0, 0, 10_000_000_000L, -7}, f.to(DType.INT64).toLongArray(), "truncation toward zero");
        Tensor d = Tensor.of(new double[]{1.0000001, Math.PI}, 2);
        assertArrayEquals(new float[]{1.0000001f, (float) Math.PI}, d.to(DType.FLOAT32).toFloatArray(), 0);
        assertArrayEquals(new double[]{(float) 1.0000001, (float) Math.PI}, d.to(DType.FLOAT32).to(DType.FLOAT64).toDoubleArray(), 0);
        assertSame(d, d.to(DType.FLOAT64));
        assertSame(d, d.to(CPU));
        Tensor l = Tensor.ofLongs(new long[]{-3, 1L << 40}, 2);
        assertArrayEquals(new double[]{-3, 0x1.0p40}, l.to(DType.FLOAT64).toDoubleArray(), 0);
        // a cast of a non-contiguous view
        Tensor tr = Tensor.of(new double[]{0.5, 1.5, 2.5, 3.5, 4.5, 5.5}, 2, 3).transpose(0, 1);
        assertArrayEquals(new long[]{0, 3, 1, 4, 2, 5}, tr.to(DType.INT64).toLongArray());
        Tensor g = TestTensors.randn(new Generator(3), DType.FLOAT64, 4, 5);
        double[] src = g.toDoubleArray();
        long[] cast = g.to(DType.INT64).toLongArray();
        for (int i = 0; i < src.length; i++) assertEquals((long) src[i], cast[i]);
    }

    @Test
    void toStringIsReadable() {
        Tensor t = Tensor.of(new float[]{1, 2.5f, -3, 4}, 2, 2);
        String s = t.toString();
        assertTrue(s.contains("shape=[2, 2]") && s.contains("float32") && s.contains("cpu"), s);
        assertTrue(s.contains("2.500") && s.contains("-3.000"), s);
        assertFalse(s.contains("..."), s);
        String l = Tensor.ofLongs(new long[]{1L << 60, 5}, 2).toString();
        assertTrue(l.contains(Long.toString(1L << 60)) && l.contains("int64"), l);
        assertTrue(Tensor.scalar(0.25).toString().contains("0.2500"), Tensor.scalar(0.25).toString());
    }

    @Test
    void toStringSummarisesBigTensors() {
        Tensor big = Tensor.arange(0, 100_000, 1, DType.FLOAT64, CPU).view(100, 1000);
        String s = big.toString();
        assertTrue(s.contains("...") && s.contains("shape=[100, 1000]") && s.contains("float64") && s.contains("device=cpu"), s);
        assertTrue(s.length() < 2000, "summary of 100k elements should be short, got " + s.length() + " chars");
        assertTrue(s.contains("0.000, 1.000, 2.000, ...") && s.contains("1.000e+05]]"), "first and last elements are shown: " + s);
        assertTrue(big.describe().contains("[100, 1000]") && big.describe().contains("float64"), big.describe());
    }
}
