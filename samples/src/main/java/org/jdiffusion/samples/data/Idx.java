package org.jdiffusion.samples.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of the MNIST distribution, gzip-compressed or raw (told apart by gzip's magic
 * 1f 8b, not by the name): bytes 0–1 zero, byte 2 the element type (0x08 = unsigned byte, the only
 * one MNIST uses), byte 3 the number of dimensions d, then d big-endian int32 sizes, then the
 * elements in C order. Exactly the declared number of bytes must follow the header.
 */
public final class Idx {
    private Idx() {}

    /** An unsigned-byte IDX array: its sizes and its elements. */
    public record Array(int[] dims, byte[] data) {
        public Array { dims = dims.clone(); }

        @Override public int[] dims() { return dims.clone(); }
    }

    /** Largest array accepted (elements), well above the 47 million bytes of the official training images. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    public static Array read(Path path) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read(), b1 = raw.read();
            raw.reset();
            boolean gz = b0 == 0x1f && b1 == 0x8b;
            try (InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return decode(path.toString(), in, gz);
            }
        } catch (NoSuchFileException e) {
            throw new IdxException(path + ": no such file");
        } catch (ZipException | EOFException e) {
            throw new IdxException(path + ": corrupt gzip stream (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static Array decode(String name, InputStream in, boolean gz) throws IOException {
        String what = gz ? " (gzip)" : "";
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) throw new IdxException(name + what + ": file ends after " + magic.length + " bytes, inside the 4-byte IDX magic");
        if (magic[0] != 0 || magic[1] != 0)
            throw new IdxException(name + what + ": not an IDX file (magic " + hex(magic) + ", expected 00 00 08 0d with d the number of dimensions)");
        if (magic[2] != 0x08)
            throw new IdxException(name + what + ": IDX element type 0x" + String.format("%02x", magic[2]) + " (" + typeName(magic[2])
                    + ") is not supported (expected 0x08, unsigned byte)");
        int nd = magic[3] & 0xff;
        if (nd < 1 || nd > 4) throw new IdxException(name + what + ": IDX declares " + nd + " dimensions (expected 1 to 4)");
        byte[] sizes = in.readNBytes(4 * nd);
        if (sizes.length < 4 * nd) throw new IdxException(name + what + ": file ends inside the sizes of its " + nd + " dimensions");
        ByteBuffer b = ByteBuffer.wrap(sizes);
        int[] dims = new int[nd];
        long n = 1;
        for (int i = 0; i < nd; i++) {
            dims[i] = b.getInt();
            if (dims[i] < 0) throw new IdxException(name + what + ": dimension " + i + " has negative size " + dims[i]);
            n *= dims[i];
            if (n > MAX_ELEMENTS) throw new IdxException(name + what + ": sizes " + Arrays.toString(dims) + " exceed " + MAX_ELEMENTS + " elements");
        }
        byte[] data = in.readNBytes((int) n);
        if (data.length < n)
            throw new IdxException(name + what + ": truncated: sizes " + Arrays.toString(dims) + " need " + n + " data bytes, the file holds " + data.length);
        if (in.read() != -1) {
            long extra = 1 + in.transferTo(java.io.OutputStream.nullOutputStream());
            throw new IdxException(name + what + ": " + extra + " bytes after the " + n + " data bytes of sizes " + Arrays.toString(dims));
        }
        return new Array(dims, data);
    }

    /** The IDX bytes of an unsigned-byte array (uncompressed). */
    public static byte[] encode(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        return b.put(data).array();
    }

    private static String typeName(byte t) {
        return switch (t) {
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown";
        };
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x ", x));
        return sb.toString().trim();
    }
}
