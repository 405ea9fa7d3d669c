package org.jdiffusion.samples.io;

import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .npy read/write: NumPy's exact bytes both ways, every dtype and shape kind, and each malformed file. */
class NpyTest {
    @TempDir Path dir;

    /** np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3) * 1.5 - 2) */
    static final String NUMPY_F4 = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c"
            + "20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020"
            + "2020202020202020202020202020202020202020202020202020200a000000c0000000bf0000803f00002040000080400000"
            + "b040";
    /** np.lib.format.write_array(f, np.array([3, -1], dtype=np.int64), version=(2, 0)) */
    static final String NUMPY_I8_V2 = "934e554d50590200740000007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73"
            + "652c20277368617065273a2028322c292c207d20202020202020202020202020202020202020202020202020202020202020"
            + "2020202020202020202020202020202020202020202020202020200a0300000000000000ffffffffffffffff";

    @Test void writesNumpysExactBytes() {
        NpyArray a = NpyArray.ofFloats(new float[]{-2, -0.5f, 1, 2.5f, 4, 5.5f}, 2, 3);
        assertEquals(NUMPY_F4, HexFormat.of().formatHex(Npy.encode(a)));
    }

    @Test void readsNumpyVersions1And2() {
        NpyArray a = Npy.decode("f4", HexFormat.of().parseHex(NUMPY_F4));
        assertEquals(NpyArray.Type.F4, a.type());
        assertArrayEquals(new int[]{2, 3}, a.shape());
        assertArrayEquals(new float[]{-2, -0.5f, 1, 2.5f, 4, 5.5f}, a.floats());
        NpyArray b = Npy.decode("i8", HexFormat.of().parseHex(NUMPY_I8_V2));
        assertArrayEquals(new int[]{2}, b.shape());
        assertArrayEquals(new long[]{3, -1}, b.longs());
    }

    @Test void everyDtypeRoundTripsThroughAFile() throws Exception {
        Generator g = new Generator(11);
        float[] f = Rand.normal(g, 3, 5, 7).toFloatArray();
        double[] d = Rand.normal(g, 0, 1, org.jdiffusion.tensor.DType.FLOAT64, org.jdiffusion.tensor.Device.CPU, 4, 3).toDoubleArray();
        long[] l = {Long.MIN_VALUE, -1, 0, 7, Long.MAX_VALUE};
        byte[] u = new byte[2 * 28 * 28];
        for (int i = 0; i < u.length; i++) u[i] = (byte) (i * 37);
        NpyArray[] arrays = {NpyArray.ofFloats(f, 3, 5, 7), NpyArray.ofDoubles(d, 4, 3), NpyArray.ofLongs(l, 5), NpyArray.ofBytes(u, 2, 28, 28),
                NpyArray.ofDoubles(new double[]{2.5}), NpyArray.ofFloats(new float[0], 0, 3)};
        for (NpyArray a : arrays) {
            Path p = dir.resolve(a.type() + "-" + a.shape().length + ".npy");
            Npy.write(p, a);
            byte[] bytes = Files.readAllBytes(p);
            int hlen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
            assertEquals(0, (10 + hlen) % 64, "data starts on a 64-byte boundary");
            assertEquals('\n', bytes[10 + hlen - 1]);
            assertEquals(a, Npy.read(p));
        }
        assertArrayEquals(u, Npy.read(dir.resolve("U1-3.npy")).bytes());
        assertArrayEquals(l, Npy.read(dir.resolve("I8-1.npy")).longs());
    }

    @Test void tensorsConvertBothWays() {
        Tensor t = Rand.normal(new Generator(5), 2, 3);
        NpyArray a = NpyArray.of(t.transpose(0, 1));
        assertArrayEquals(new int[]{3, 2}, a.shape());
        assertArrayEquals(t.transpose(0, 1).contiguous().toFloatArray(), a.toTensor().toFloatArray());
        assertArrayEquals(new long[]{4, 9}, NpyArray.of(Tensor.ofLongs(new long[]{4, 9}, 2)).toTensor().toLongArray());
        assertArrayEquals(new long[]{255, 1}, NpyArray.ofBytes(new byte[]{(byte) 255, 1}, 2).longs());
    }

    @Test void wrongAccessorNamesTheType() {
        String m = assertThrows(IllegalArgumentException.class, () -> NpyArray.ofFloats(new float[2], 2).bytes()).getMessage();
        assertTrue(m.contains("expected a u1 array, got <f4 [2]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> NpyArray.ofFloats(new float[3], 2)).getMessage();
        assertTrue(m.contains("needs 8 bytes, got 12"), m);
    }

    private static byte[] file(int major, String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        int pre = major == 1 ? 10 : 12;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(pre + h.length + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) h.length); else b.putInt(h.length);
        b.put(h);
        return b.array();
    }

    private static String error(byte[] bytes) {
        return assertThrows(NpyException.class, () -> Npy.decode("x.npy", bytes)).getMessage();
    }

    private static String headerError(String dict, int dataBytes) { return error(file(1, dict + "\n", dataBytes)); }

    @Test void malformedFilesAreNamed() {
        assertTrue(error("PK\3\4 not npy at all".getBytes()).contains("x.npy: not a .npy file"));
        byte[] v4 = file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", 4);
        v4[6] = 4;
        assertTrue(error(v4).contains("version 4.0 is not supported"));
        byte[] longHeader = file(1, "{}\n", 0);
        longHeader[8] = (byte) 0xff;
        assertTrue(error(longHeader).contains("header length 255 runs past the end of the file"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20).contains("needs 24 data bytes, the file holds 20"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12).contains("needs 8 data bytes, the file holds 12"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8).contains("Fortran-order arrays are not supported"));
        assertTrue(headerError("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8).contains("big-endian data is not supported '>f4'"));
        assertTrue(headerError("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8).contains("unsupported dtype '<i4' (expected |u1, <i8, <f4 or <f8)"));
        assertTrue(headerError("{'descr': '<f4', 'shape': (2,), }", 8).contains("needs 'fortran_order'"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8).contains("malformed .npy header"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 'y'}", 8).contains("unexpected key 'x'"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8).contains("expected a non-negative integer"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } trailing", 8).contains("unexpected text after the dict"));
        assertTrue(headerError("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8).contains("duplicate key 'descr'"));
        assertTrue(headerError("{'descr': '<f4, 'fortran_order': False", 8).contains("malformed .npy header"));
        assertTrue(headerError("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", 8).contains("larger than 2^31-1"));
        String m = assertThrows(NpyException.class, () -> Npy.read(Path.of("no/such.npy"))).getMessage();
        assertTrue(m.contains("no/such.npy: no such file"), m);
    }

    @Test void version2HeaderIsRead() {
        NpyArray a = Npy.decode("v2", file(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }\n", 3));
        assertArrayEquals(new int[]{3}, a.shape());
    }
}
