package org.jdiffusion.samples.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * NumPy's {@code .npy} format, versions 1.0 and 2.0 (3.0 read too): the magic {@code \x93NUMPY},
 * major and minor version bytes, a little-endian header length (uint16 for 1.0, uint32 for 2.0+),
 * then an ASCII Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, H, W), }}
 * padded with spaces and a newline so the data starts on a 64-byte boundary, then the raw
 * little-endian C-order data, laid out byte for byte as NumPy writes it. Dtypes: {@code u1}, {@code i8}, {@code f4}, {@code f8}. Every
 * violation is an {@link NpyException} naming the file and what was expected.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;

    /** Writes the array atomically; version 1.0 unless the header needs more than 65,535 bytes. */
    public static void write(Path path, NpyArray a) { Outputs.write(path, encode(a)); }

    public static byte[] encode(NpyArray a) {
        StringBuilder shape = new StringBuilder("(");
        for (int d : a.shape()) shape.append(d).append(", ");
        if (a.shape().length > 0) shape.setLength(shape.length() - 2);
        if (a.shape().length == 1) shape.append(',');
        shape.append(')');
        String dict = "{'descr': '" + a.type().descr() + "', 'fortran_order': False, 'shape': " + shape + ", }";
        // NumPy leaves room for the first axis to grow to 21 digits, so the header can be rewritten in place
        if (a.shape().length > 0) dict += " ".repeat(Math.max(0, 21 - String.valueOf(a.shape()[0]).length()));
        int major = dict.length() + 1 + 10 > 65535 ? 2 : 1;
        int pre = major == 1 ? 10 : 12;
        int total = (pre + dict.length() + 1 + ALIGN - 1) / ALIGN * ALIGN;
        String header = dict + " ".repeat(total - pre - dict.length() - 1) + "\n";
        byte[] data = a.data();
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) b.putShort((short) header.length()); else b.putInt(header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        return b.array();
    }

    public static NpyArray read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new NpyException(path + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return decode(path.toString(), bytes);
    }

    /** Parses a whole {@code .npy} file; {@code name} labels the error messages. */
    public static NpyArray decode(String name, byte[] bytes) {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC))
            throw new NpyException(name + ": not a .npy file (expected the magic \\x93NUMPY at the start)");
        int major = bytes[6] & 0xff, minor = bytes[7] & 0xff;
        if (major < 1 || major > 3 || minor != 0)
            throw new NpyException(name + ": .npy format version " + major + "." + minor + " is not supported (expected 1.0, 2.0 or 3.0)");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int pre = major == 1 ? 10 : 12;
        if (bytes.length < pre) throw new NpyException(name + ": file ends inside the header length");
        long hlen = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8) & 0xffffffffL;
        if (pre + hlen > bytes.length)
            throw new NpyException(name + ": header length " + hlen + " runs past the end of the file (" + bytes.length + " bytes)");
        String header = new String(bytes, pre, (int) hlen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader h = NpyHeader.parse(name, header);
        long have = bytes.length - pre - hlen;
        long numel = 1;
        for (int d : h.shape()) numel = Math.multiplyHigh(numel, d) != 0 || numel * d > have ? Long.MAX_VALUE : numel * d;
        long want = numel == Long.MAX_VALUE ? numel : numel * h.type().size();
        if (have != want)
            throw new NpyException(name + ": shape " + Arrays.toString(h.shape()) + " of " + h.type().descr() + " needs "
                    + (want == Long.MAX_VALUE ? "more than " + have : want) + " data bytes, the file holds " + have);
        return new NpyArray(h.type(), h.shape(), Arrays.copyOfRange(bytes, (int) (pre + hlen), bytes.length));
    }
}
