package org.jdiffusion.nn.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated header of a safetensors file. Layout of the file:
 * <pre>
 *   [0, 8)          N, the header length, unsigned little-endian
 *   [8, 8+N)        UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [b, e]}, ...}
 *   [8+N, size)     the byte buffer; tensor bytes at [8+N+b, 8+N+e), little-endian, row-major
 * </pre>
 * Rules enforced here: N ≤ {@value Safetensors#MAX_HEADER_BYTES} and within the file; strict UTF-8
 * and JSON; an object at the top; metadata values are strings; each entry has exactly the three
 * keys; dtypes known; shape entries are non-negative integers; e − b = numel · dtype size; the
 * ranges, sorted, tile the buffer exactly from 0 to its end (no gap, overlap or range past the end).
 */
public record SafetensorsHeader(List<Entry> entries, Map<String, String> metadata, long headerLength, long dataStart) {

    /** One tensor's description; offsets are relative to the start of the byte buffer. */
    public record Entry(String name, Safetensors.Dtype dtype, int[] shape, long begin, long end) {
        public long byteCount() { return end - begin; }

        public int numel() {
            long n = 1;
            for (int s : shape) n *= s;
            return (int) n;
        }
    }

    private static final Set<String> UNSUPPORTED = Set.of(
            "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "U64", "C64",
            "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4");

    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

    /** Validates header bytes of a file whose total size is {@code fileSize}. */
    static SafetensorsHeader parse(String file, byte[] headerBytes, long fileSize) {
        String text;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes));
            text = cb.toString();
        } catch (CharacterCodingException e) {
            throw fail(file, "header is not valid UTF-8 (" + e.getMessage() + ")");
        }
        Object root;
        try {
            root = Json.parse(text);
        } catch (Json.ParseException e) {
            throw fail(file, "header is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> top))
            throw fail(file, "header must be a JSON object, got " + kind(root));
        long dataStart = 8 + (long) headerBytes.length;
        long bufferSize = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> md))
                    throw fail(file, "__metadata__ must be an object of strings, got " + kind(e.getValue()));
                for (Map.Entry<?, ?> m : md.entrySet()) {
                    if (!(m.getValue() instanceof String v))
                        throw fail(file, "__metadata__ value of " + Json.quote((String) m.getKey()) + " must be a string, got "
                                + kind(m.getValue()));
                    metadata.put((String) m.getKey(), v);
                }
                continue;
            }
            entries.add(entry(file, name, e.getValue()));
        }
        checkTiling(file, entries, bufferSize);
        return new SafetensorsHeader(Collections.unmodifiableList(entries), Collections.unmodifiableMap(metadata),
                headerBytes.length, dataStart);
    }

    private static Entry entry(String file, String name, Object v) {
        String who = "tensor " + Json.quote(name);
        if (!(v instanceof Map<?, ?> m)) throw fail(file, who + ": expected an object, got " + kind(v));
        for (Object k : m.keySet())
            if (!ENTRY_KEYS.contains(k))
                throw fail(file, who + ": unexpected key " + Json.quote((String) k) + " (expected dtype, shape, data_offsets)");
        for (String k : ENTRY_KEYS)
            if (!m.containsKey(k)) throw fail(file, who + ": missing key \"" + k + "\"");
        if (!(m.get("dtype") instanceof String dt)) throw fail(file, who + ": dtype must be a string, got " + kind(m.get("dtype")));
        Safetensors.Dtype dtype = dtype(file, who, dt);
        long[] shape = integers(file, who + ": shape", m.get("shape"), -1);
        long[] offs = integers(file, who + ": data_offsets", m.get("data_offsets"), 2);
        if (offs[1] < offs[0])
            throw fail(file, who + ": data_offsets [" + offs[0] + ", " + offs[1] + "] end before they begin");
        long numel = 1;
        int[] ishape = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE)
                throw fail(file, who + ": shape " + Arrays.toString(shape) + " has a dimension above 2^31-1");
            ishape[i] = (int) shape[i];
        }
        boolean zero = false;
        for (long s : shape) zero |= s == 0;
        if (!zero) {
            for (long s : shape) {
                numel = Math.multiplyHigh(numel, s) != 0 ? -1 : numel * s;
                if (numel < 0 || numel > Integer.MAX_VALUE)
                    throw fail(file, who + ": shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
            }
        } else {
            numel = 0;
        }
        long expected = numel * dtype.byteSize();
        if (offs[1] - offs[0] != expected)
            throw fail(file, who + ": data_offsets [" + offs[0] + ", " + offs[1] + "] hold " + (offs[1] - offs[0]) + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + numel + " x " + dtype.byteSize() + " = " + expected + " bytes");
        return new Entry(name, dtype, ishape, offs[0], offs[1]);
    }

    private static Safetensors.Dtype dtype(String file, String who, String dt) {
        for (Safetensors.Dtype d : Safetensors.Dtype.values())
            if (d.name().equals(dt)) return d;
        if (UNSUPPORTED.contains(dt))
            throw fail(file, who + ": dtype " + dt + " is not supported (supported: F32, F64, I64, F16, BF16)");
        throw fail(file, who + ": unknown dtype " + Json.quote(dt) + " (supported: F32, F64, I64, F16, BF16)");
    }

    /** A JSON array of non-negative integers, of length {@code n} (any length when n < 0). */
    private static long[] integers(String file, String what, Object v, int n) {
        if (!(v instanceof List<?> l)) throw fail(file, what + " must be an array of integers, got " + kind(v));
        if (n >= 0 && l.size() != n) throw fail(file, what + " must hold " + n + " integers, got " + l.size());
        long[] r = new long[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0)
                throw fail(file, what + " must hold non-negative integers, got " + l);
            r[i] = x;
        }
        return r;
    }

    private static void checkTiling(String file, List<Entry> entries, long bufferSize) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin() < at)
                throw fail(file, "data of tensor " + Json.quote(e.name()) + " [" + e.begin() + ", " + e.end() + ") overlaps tensor "
                        + Json.quote(prev.name()) + " [" + prev.begin() + ", " + prev.end() + ")");
            if (e.begin() > at)
                throw fail(file, "gap in the byte buffer: bytes [" + at + ", " + e.begin() + ") before tensor " + Json.quote(e.name())
                        + " belong to no tensor");
            if (e.end() > bufferSize)
                throw fail(file, "data of tensor " + Json.quote(e.name()) + " [" + e.begin() + ", " + e.end()
                        + ") runs past the end of the file (the byte buffer holds " + bufferSize + " bytes; truncated file?)");
            at = e.end();
            prev = e;
        }
        if (at != bufferSize)
            throw fail(file, "the tensors cover " + at + " bytes but the byte buffer holds " + bufferSize
                    + " (trailing bytes belong to no tensor)");
    }

    static String kind(Object v) {
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String s) return "the string " + Json.quote(s);
        if (v == Json.NULL) return "null";
        return v.getClass() == Boolean.class ? "the boolean " + v : "the number " + v;
    }

    static SafetensorsException fail(String file, String what) {
        return new SafetensorsException("safetensors file " + file + ": " + what);
    }
}
