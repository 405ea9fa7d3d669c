package org.jdiffusion.nn.io;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes the safetensors format (layout and rules in {@link SafetensorsHeader}): F32, F64,
 * I64, and BF16/F16 as bfloat16/float16 tensors (their bits unchanged); writes are atomic
 * ({@link AtomicFiles}). Loading a half checkpoint into a float32 model casts each tensor to the
 * parameter's dtype, as every floating mismatch does ({@code Module.loadStateDict}). Every size is checked against the file before anything is allocated, so a malformed
 * or truncated file fails with a {@link SafetensorsException} naming the problem.
 */
public final class Safetensors {
    private Safetensors() {}

    /** The largest header accepted, in bytes (the format's own limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final int CHUNK = 1 << 20;

    /** The dtypes this reader understands, by their header names. */
    public enum Dtype {
        F32(4, DType.FLOAT32), F64(8, DType.FLOAT64), I64(8, DType.INT64), F16(2, DType.FLOAT16), BF16(2, DType.BFLOAT16);

        private final int byteSize;
        private final DType loadsAs;

        Dtype(int byteSize, DType loadsAs) {
            this.byteSize = byteSize;
            this.loadsAs = loadsAs;
        }

        public int byteSize() { return byteSize; }

        /** The tensor dtype a value of this kind is loaded as. */
        public DType loadsAs() { return loadsAs; }
    }

    /** A file's tensors (in header order) and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    // ---- reading ------------------------------------------------------------------------------

    /** The validated header alone. */
    public static SafetensorsHeader readHeader(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return header(path.toString(), ch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + path + ": " + e, e);
        }
    }

    /** Every tensor of the file, on the CPU. */
    public static Contents read(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            SafetensorsHeader h = header(path.toString(), ch);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : h.entries()) tensors.put(e.name(), readTensor(path.toString(), ch, h.dataStart(), e));
            return new Contents(Collections.unmodifiableMap(tensors), h.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + path + ": " + e, e);
        }
    }

    private static SafetensorsHeader header(String file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8)
            throw SafetensorsHeader.fail(file, "truncated: " + size + " bytes, too short for the 8-byte header length");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw SafetensorsHeader.fail(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        if (n < 2) throw SafetensorsHeader.fail(file, "header length " + n + " is too small to hold a JSON object");
        if (8 + n > size)
            throw SafetensorsHeader.fail(file, "truncated: header length " + n + " but only " + (size - 8) + " bytes follow it");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(file, ch, hb, 8);
        return SafetensorsHeader.parse(file, hb.array(), size);
    }

    private static void readFully(String file, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw SafetensorsHeader.fail(file, "truncated: unexpected end of file at byte " + pos);
            pos += r;
        }
        buf.flip();
    }

    private static Tensor readTensor(String file, FileChannel ch, long dataStart, SafetensorsHeader.Entry e) throws IOException {
        int n = e.numel();
        HostStorage host = HostStorage.allocate(e.dtype().loadsAs(), n);
        int es = e.dtype().byteSize();
        int perChunk = CHUNK / es;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(perChunk, Math.max(n, 1)) * es).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i += perChunk) {
            int m = Math.min(perChunk, n - i);
            buf.clear().limit(m * es);
            readFully(file, ch, buf, dataStart + e.begin() + (long) i * es);
            decode(e.dtype(), buf, host, i, m);
        }
        return Tensor.fromHost(host, e.shape(), Device.CPU);
    }

    private static void decode(Dtype dt, ByteBuffer b, HostStorage host, int at, int m) {
        switch (dt) {
            case F32 -> b.asFloatBuffer().get(((HostStorage.F32) host).data(), at, m);
            case F64 -> b.asDoubleBuffer().get(((HostStorage.F64) host).data(), at, m);
            case I64 -> b.asLongBuffer().get(((HostStorage.I64) host).data(), at, m);
            case F16 -> b.asShortBuffer().get(((HostStorage.F16) host).data(), at, m);
            case BF16 -> b.asShortBuffer().get(((HostStorage.BF16) host).data(), at, m);
        }
    }

    // ---- writing ------------------------------------------------------------------------------

    /** Writes the tensors (in the map's order) and metadata atomically to {@code path}. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = headerBytes(tensors, metadata == null ? Map.of() : metadata);
        AtomicFiles.write(path, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (Tensor t : tensors.values()) writeTensor(ch, t);
        });
    }

    public static void write(Path path, Map<String, Tensor> tensors) { write(path, tensors, Map.of()); }

    /** The JSON header, space-padded to a multiple of 8 bytes. */
    static byte[] headerBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        StringBuilder b = new StringBuilder("{");
        if (!metadata.isEmpty()) b.append("\"__metadata__\":").append(Json.writeStringMap(metadata));
        long off = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.equals("__metadata__"))
                throw new IllegalArgumentException("safetensors write: \"__metadata__\" is reserved and cannot name a tensor");
            long bytes = (long) t.numel() * t.dtype().byteSize();
            if (b.length() > 1) b.append(',');
            b.append(Json.quote(name)).append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
            int[] sh = t.shape();
            for (int i = 0; i < sh.length; i++) b.append(i > 0 ? "," : "").append(sh[i]);
            b.append("],\"data_offsets\":[").append(off).append(',').append(off + bytes).append("]}");
            off += bytes;
        }
        b.append('}');
        byte[] raw = b.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES)
            throw new IllegalArgumentException("safetensors write: header of " + padded + " bytes exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        byte[] out = java.util.Arrays.copyOf(raw, padded);
        java.util.Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }

    private static void writeTensor(FileChannel ch, Tensor t) throws IOException {
        HostStorage h = t.toHost();
        int n = h.length(), es = t.dtype().byteSize(), perChunk = CHUNK / es;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(perChunk, Math.max(n, 1)) * es).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i += perChunk) {
            int m = Math.min(perChunk, n - i);
            buf.clear();
            switch (h) {
                case HostStorage.F32 f -> buf.asFloatBuffer().put(f.data(), i, m);
                case HostStorage.F64 d -> buf.asDoubleBuffer().put(d.data(), i, m);
                case HostStorage.I64 l -> buf.asLongBuffer().put(l.data(), i, m);
                case HostStorage.BF16 bf -> buf.asShortBuffer().put(bf.data(), i, m);
                case HostStorage.F16 hf -> buf.asShortBuffer().put(hf.data(), i, m);
            }
            buf.limit(m * es);
            writeFully(ch, buf);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }
}
