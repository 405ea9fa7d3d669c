package org.jdiffusion.nn.io;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir Path dir;

    // ---- round trips --------------------------------------------------------------------------

    @Test void roundTripIsBitExactForEveryWrittenDtype() {
        Generator g = new Generator(11);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 3, 5, 2));
        m.put("d", Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 7));
        m.put("ids", Rand.randint(g, -1000, 1000, Device.CPU, 4, 2));
        m.put("scalar", Tensor.scalar(Math.PI));
        m.put("empty", Tensor.zeros(0, 3));
        m.put("strided", Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 4, 6).transpose(0, 1));
        m.put("specials", Tensor.of(new float[]{Float.NaN, Float.POSITIVE_INFINITY, -0.0f, Float.MIN_VALUE}, 4));
        Path p = dir.resolve("a.safetensors");
        Safetensors.write(p, m, Map.of("step", "42", "note", "ünïcode \"quoted\"\n"));
        Safetensors.Contents c = Safetensors.read(p);
        assertEquals(Map.of("step", "42", "note", "ünïcode \"quoted\"\n"), c.metadata());
        assertEquals(m.keySet().stream().toList(), c.tensors().keySet().stream().toList());
        for (var e : m.entrySet()) {
            Tensor a = e.getValue(), b = c.tensors().get(e.getKey());
            assertArrayEquals(a.shape(), b.shape(), e.getKey());
            assertEquals(a.dtype(), b.dtype(), e.getKey());
            switch (a.dtype()) {
                case FLOAT32 -> assertArrayEquals(bits(a.toFloatArray()), bits(b.toFloatArray()), e.getKey());
                case FLOAT64 -> assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), e.getKey());
                case INT64 -> assertArrayEquals(a.toLongArray(), b.toLongArray(), e.getKey());
            }
        }
    }

    private static int[] bits(float[] f) {
        int[] r = new int[f.length];
        for (int i = 0; i < f.length; i++) r[i] = Float.floatToRawIntBits(f[i]);
        return r;
    }

    @Test void headerIsPaddedToEightBytesAndRereadsTheSame() throws IOException {
        Path p = dir.resolve("pad.safetensors");
        Safetensors.write(p, Map.of("x", Tensor.ones(3)), Map.of());
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        assertEquals(8 + n + 12, b.length);
        assertEquals('{', b[8]);
        int close = (int) (8 + n - 1);
        while (b[close] == ' ') close--;
        assertEquals('}', b[close], "only spaces pad the header");
        assertEquals(Map.of(), Safetensors.read(p).metadata());
    }

    @Test void largeTensorCrossesReadChunks() {
        Generator g = new Generator(5);
        Tensor t = Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 300_001);
        Path p = dir.resolve("big.safetensors");
        Safetensors.write(p, Map.of("t", t));
        assertArrayEquals(t.toDoubleArray(), Safetensors.read(p).tensors().get("t").toDoubleArray());
    }

    @Test void readsHalfAndBfloat16AsFloat32() throws IOException {
        float[] vals = {1.5f, -2.0f, 0.099975586f, 65504f};
        ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vals) {
            half.putShort(Float.floatToFloat16(v));
            bf.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        byte[] data = new byte[16];
        System.arraycopy(half.array(), 0, data, 0, 8);
        System.arraycopy(bf.array(), 0, data, 8, 8);
        Path p = raw("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[8,16]}}", data);
        Safetensors.Contents c = Safetensors.read(p);
        Tensor h = c.tensors().get("h"), b = c.tensors().get("b");
        assertEquals(DType.FLOAT16, h.dtype());
        assertEquals(DType.BFLOAT16, b.dtype());
        assertArrayEquals(new int[]{2, 2}, h.shape());
        assertArrayEquals(vals, h.toFloatArray());
        float[] bb = b.toFloatArray();
        for (int i = 0; i < 4; i++) assertEquals(Float.intBitsToFloat(Float.floatToRawIntBits(vals[i]) & 0xFFFF0000), bb[i]);
        // written back, the file holds the same bytes for each tensor
        Path back = dir.resolve("back.safetensors");
        Safetensors.write(back, c.tensors());
        Safetensors.Contents r = Safetensors.read(back);
        assertEquals("F16", Safetensors.readHeader(back).entries().get(0).dtype().name());
        assertArrayEquals(((HostStorage.F16) h.toHost()).data(), ((HostStorage.F16) r.tensors().get("h").toHost()).data());
        assertArrayEquals(((HostStorage.BF16) b.toHost()).data(), ((HostStorage.BF16) r.tensors().get("b").toHost()).data());
    }

    @Test void halfTensorsRoundTripBitForBitAndLoadIntoFloat32ModulesByCasting() {
        Generator g = new Generator(23);
        float[] f = Rand.normal(g, 0, 5, DType.FLOAT32, Device.CPU, 40).toFloatArray();
        f[0] = Float.NaN;
        f[1] = -0.0f;
        f[2] = 70000f;                                                         // float16: +Inf
        f[3] = 1e-7f;                                                          // float16: subnormal
        Tensor bf = Tensor.of(f, DType.BFLOAT16, 5, 8), hf = Tensor.of(f, DType.FLOAT16, 40).view(8, 5).transpose(0, 1);
        Path p = dir.resolve("half.safetensors");
        Safetensors.write(p, new java.util.LinkedHashMap<>(Map.of("bf", bf, "hf", hf)));
        Safetensors.Contents c = Safetensors.read(p);
        assertEquals(DType.BFLOAT16, c.tensors().get("bf").dtype());
        assertArrayEquals(((HostStorage.BF16) bf.toHost()).data(), ((HostStorage.BF16) c.tensors().get("bf").toHost()).data());
        assertArrayEquals(((HostStorage.F16) hf.toHost()).data(), ((HostStorage.F16) c.tensors().get("hf").toHost()).data());
        assertArrayEquals(new int[]{5, 8}, c.tensors().get("hf").shape());
        // the bytes on disk are the little-endian 16-bit patterns, 2 per element
        assertEquals(2L * 40, Safetensors.readHeader(p).entries().get(0).end() - Safetensors.readHeader(p).entries().get(0).begin());
        // a float32 module takes a bfloat16 state dict by casting each tensor to its parameter's dtype
        Linear lin = new Linear(8, 5, true, g);
        Tensor w = Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 5, 8).to(DType.BFLOAT16);
        Tensor bias = Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 5).to(DType.BFLOAT16);
        lin.loadStateDict(Map.of("weight", w, "bias", bias), true);
        assertEquals(DType.FLOAT32, lin.stateDict().get("weight").dtype());
        assertArrayEquals(w.toFloatArray(), lin.stateDict().get("weight").toFloatArray());
    }

    @Test void writeRejectsReservedName() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(dir.resolve("x"), Map.of("__metadata__", Tensor.ones(1))));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    // ---- malformed files ----------------------------------------------------------------------

    private Path raw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return rawBytes(h.length, h, data);
    }

    private Path rawBytes(long declaredLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        Path p = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private static String entry(String name, String dtype, String shape, long b, long e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + b + "," + e + "]}";
    }

    private void assertRejected(Path p, String... fragments) {
        var e = assertThrows(SafetensorsException.class, () -> Safetensors.read(p));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
    }

    @Test void fileShorterThanTheLengthField() throws IOException {
        Path p = dir.resolve("short");
        Files.write(p, new byte[]{1, 2, 3});
        assertRejected(p, "truncated", "3 bytes");
    }

    @Test void emptyFile() throws IOException {
        Path p = dir.resolve("empty");
        Files.write(p, new byte[0]);
        assertRejected(p, "truncated");
    }

    @Test void headerLengthOverTheLimit() throws IOException {
        assertRejected(rawBytes(100_000_001L, "{}".getBytes(), new byte[0]), "header length 100000001", "limit");
    }

    @Test void headerLengthWithTopBitSet() throws IOException {
        assertRejected(rawBytes(-8L, "{}".getBytes(), new byte[0]), "header length 18446744073709551608", "limit");
    }

    @Test void headerLengthPastTheEndOfFile() throws IOException {
        assertRejected(rawBytes(4096, "{}".getBytes(), new byte[0]), "truncated", "header length 4096", "only 2 bytes");
    }

    @Test void headerTooSmallForAnObject() throws IOException {
        assertRejected(rawBytes(1, "{".getBytes(), new byte[0]), "too small");
    }

    @Test void truncatedData() throws IOException {
        String h = "{" + entry("w", "F32", "[4]", 0, 16) + "}";
        assertRejected(raw(h, new byte[10]), "\"w\"", "past the end", "truncated");
    }

    @Test void realFileCutShort() throws IOException {
        Path p = dir.resolve("cut.safetensors");
        Safetensors.write(p, Map.of("a", Tensor.ones(8), "b", Tensor.ones(8)));
        byte[] b = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(b, b.length - 5));
        assertRejected(p, "past the end");
    }

    @Test void headerNotUtf8() throws IOException {
        byte[] h = "{\"x\":{}}".getBytes(StandardCharsets.UTF_8);
        h[2] = (byte) 0xFF;
        assertRejected(rawBytes(h.length, h, new byte[0]), "UTF-8");
    }

    @Test void headerNotJson() throws IOException {
        assertRejected(raw("{\"a\": [1, 2,]}", new byte[0]), "not valid JSON");
        assertRejected(raw("{\"a\": 1} x", new byte[0]), "not valid JSON");
    }

    @Test void headerNotAnObject() throws IOException {
        assertRejected(raw("[1, 2, 3]", new byte[0]), "must be a JSON object", "array");
        assertRejected(raw("\"text\"", new byte[0]), "must be a JSON object");
    }

    @Test void metadataValuesMustBeStrings() throws IOException {
        assertRejected(raw("{\"__metadata__\":{\"step\":42}}", new byte[0]), "__metadata__", "\"step\"", "must be a string", "42");
        assertRejected(raw("{\"__metadata__\":[\"a\"]}", new byte[0]), "__metadata__ must be an object");
    }

    @Test void duplicateTensorNames() throws IOException {
        String h = "{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}";
        assertRejected(raw(h, new byte[8]), "duplicate key \"w\"");
    }

    @Test void unknownDtype() throws IOException {
        assertRejected(raw("{" + entry("w", "F128", "[1]", 0, 16) + "}", new byte[16]), "unknown dtype \"F128\"", "\"w\"");
    }

    @Test void knownButUnsupportedDtype() throws IOException {
        assertRejected(raw("{" + entry("w", "I32", "[1]", 0, 4) + "}", new byte[4]), "dtype I32 is not supported");
    }

    @Test void overlappingOffsets() throws IOException {
        String h = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}";
        assertRejected(raw(h, new byte[12]), "overlaps", "\"a\"", "\"b\"");
    }

    @Test void gapBetweenTensors() throws IOException {
        String h = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}";
        assertRejected(raw(h, new byte[12]), "gap", "[4, 8)");
    }

    @Test void bufferNotStartingAtZero() throws IOException {
        assertRejected(raw("{" + entry("a", "F32", "[1]", 4, 8) + "}", new byte[8]), "gap", "[0, 4)");
    }

    @Test void trailingBytesBelongToNoTensor() throws IOException {
        assertRejected(raw("{" + entry("a", "F32", "[1]", 0, 4) + "}", new byte[12]), "cover 4 bytes", "holds 12");
    }

    @Test void byteCountDisagreesWithShape() throws IOException {
        assertRejected(raw("{" + entry("a", "F32", "[3]", 0, 8) + "}", new byte[8]), "hold 8 bytes", "needs 3 x 4 = 12 bytes");
    }

    @Test void absurdShapesFailBeforeAllocating() throws IOException {
        assertRejected(raw("{" + entry("a", "F32", "[1073741824,1073741824,1073741824]", 0, 8) + "}", new byte[8]),
                "more than 2^31-1 elements");
        assertRejected(raw("{" + entry("a", "F32", "[4294967296,4294967296,4294967296,4294967296]", 0, 8) + "}", new byte[8]),
                "dimension above 2^31-1");
        assertRejected(raw("{" + entry("a", "F32", "[65536,65536]", 0, 17179869184L) + "}", new byte[8]),
                "more than 2^31-1 elements");
        assertRejected(raw("{" + entry("a", "F32", "[100000000]", 0, 400000000) + "}", new byte[8]), "past the end");
        assertRejected(raw("{" + entry("a", "F32", "[99999999999999999999]", 0, 8) + "}", new byte[8]), "does not fit in 64 bits");
        assertRejected(raw("{" + entry("a", "F32", "[-1]", 0, 8) + "}", new byte[8]), "non-negative integers");
        assertRejected(raw("{" + entry("a", "F32", "[2.5]", 0, 8) + "}", new byte[8]), "non-negative integers");
    }

    @Test void malformedEntries() throws IOException {
        assertRejected(raw("{\"a\":[1]}", new byte[0]), "\"a\"", "expected an object");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "missing key \"data_offsets\"");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", new byte[4]), "unexpected key \"x\"");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]), "must hold 2 integers");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", new byte[4]), "end before they begin");
        assertRejected(raw("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "dtype must be a string");
        assertRejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", new byte[4]), "shape must be an array");
    }

    @Test void zeroSizedTensorsAreFine() throws IOException {
        String h = "{" + entry("a", "F32", "[0,5]", 0, 0) + "," + entry("b", "I64", "[1]", 0, 8) + "}";
        Safetensors.Contents c = Safetensors.read(raw(h, new byte[8]));
        assertArrayEquals(new int[]{0, 5}, c.tensors().get("a").shape());
        assertEquals(0, c.tensors().get("b").item());
    }

    @Test void missingFileIsAnIoError() {
        var e = assertThrows(UncheckedIOException.class, () -> Safetensors.read(dir.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("nope.safetensors"), e.getMessage());
    }

    /** Random corruptions of a valid file: each either reads or fails with a SafetensorsException, never anything else. */
    @Test void corruptedFilesFailCleanly() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", Tensor.ones(2, 3));
        m.put("ids", Tensor.ofLongs(new long[]{1, 2}, 2));
        Safetensors.write(good, m, Map.of("k", "v"));
        byte[] orig = Files.readAllBytes(good);
        java.util.Random rnd = new java.util.Random(77);
        Path p = dir.resolve("fuzz.safetensors");
        int rejected = 0;
        for (int trial = 0; trial < 600; trial++) {
            byte[] b = orig.clone();
            switch (trial % 3) {
                case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
                default -> {
                    int i = 8 + rnd.nextInt(b.length - 8);
                    b[i] = (byte) "{}[]\",:0123456789-e. \\u".charAt(rnd.nextInt(22));
                }
            }
            Files.write(p, b);
            try {
                Safetensors.read(p);
            } catch (SafetensorsException expected) {
                rejected++;
            }
        }
        assertTrue(rejected > 300, "most corruptions are caught, got " + rejected);
    }

    // ---- atomic writes ------------------------------------------------------------------------

    @Test void failedWriteKeepsThePreviousFileAndLeavesNoTemporaries() throws IOException {
        Path p = dir.resolve("ck.safetensors");
        Safetensors.write(p, Map.of("x", Tensor.full(7, DType.FLOAT32, Device.CPU, 3)));
        byte[] before = Files.readAllBytes(p);
        var e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(p, ch -> {
            ch.write(ByteBuffer.wrap(new byte[]{1, 2, 3}));
            throw new IOException("disk full (simulated)");
        }));
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "only the checkpoint remains");
        }
    }

    @Test void writeReplacesAnExistingFile() {
        Path p = dir.resolve("r.safetensors");
        Safetensors.write(p, Map.of("x", Tensor.ones(2)));
        Safetensors.write(p, Map.of("y", Tensor.zeros(3)));
        assertEquals(java.util.Set.of("y"), Safetensors.read(p).tensors().keySet());
    }
}
