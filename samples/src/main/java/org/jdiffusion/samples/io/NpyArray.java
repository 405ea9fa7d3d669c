package org.jdiffusion.samples.io;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-d array as a {@code .npy} file holds it: element type, shape and the raw little-endian
 * C-order bytes. Factories copy from Java arrays and tensors; accessors convert back.
 */
public record NpyArray(Type type, int[] shape, byte[] data) {

    /** The element types read and written, with their NumPy {@code descr}. */
    public enum Type {
        U1("|u1", 1), I8("<i8", 8), F4("<f4", 4), F8("<f8", 8);

        private final String descr;
        private final int size;

        Type(String descr, int size) { this.descr = descr; this.size = size; }

        public String descr() { return descr; }

        public int size() { return size; }
    }

    public NpyArray {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("npy: negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n * type.size != data.length)
            throw new IllegalArgumentException("npy: shape " + Arrays.toString(shape) + " of " + type.descr + " needs " + n * type.size
                    + " bytes, got " + data.length);
    }

    public long numel() { return data.length / type.size; }

    @Override public int[] shape() { return shape.clone(); }

    private ByteBuffer le() { return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN); }

    public static NpyArray ofBytes(byte[] values, int... shape) { return new NpyArray(Type.U1, shape, values.clone()); }

    public static NpyArray ofLongs(long[] values, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new NpyArray(Type.I8, shape, b.array());
    }

    public static NpyArray ofFloats(float[] values, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new NpyArray(Type.F4, shape, b.array());
    }

    public static NpyArray ofDoubles(double[] values, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        return new NpyArray(Type.F8, shape, b.array());
    }

    /** float32 → f4, float64 → f8, int64 → i8, bfloat16/float16 → f4 (widened exactly; npy has no bfloat16), same shape. */
    public static NpyArray of(Tensor t) {
        Tensor c = t.to(Device.CPU);
        return switch (c.dtype()) {
            case FLOAT32, BFLOAT16, FLOAT16 -> ofFloats(c.toFloatArray(), c.shape());
            case FLOAT64 -> ofDoubles(c.toDoubleArray(), c.shape());
            case INT64 -> ofLongs(c.toLongArray(), c.shape());
        };
    }

    /** The raw bytes of a {@code u1} array. */
    public byte[] bytes() {
        if (type != Type.U1) throw new IllegalArgumentException("npy: expected a u1 array, got " + type.descr + " " + Arrays.toString(shape));
        return data.clone();
    }

    /** Integer values ({@code i8}, or {@code u1} widened). */
    public long[] longs() {
        long[] out = new long[(int) numel()];
        switch (type) {
            case U1 -> { for (int i = 0; i < out.length; i++) out[i] = data[i] & 0xff; }
            case I8 -> le().asLongBuffer().get(out);
            default -> throw new IllegalArgumentException("npy: expected an integer array (u1 or i8), got " + type.descr + " " + Arrays.toString(shape));
        }
        return out;
    }

    /** Every element as a double (exact for u1, f4, f8; i8 rounded past 2^53). */
    public double[] doubles() {
        double[] out = new double[(int) numel()];
        ByteBuffer b = le();
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (type) {
                case U1 -> data[i] & 0xff;
                case I8 -> b.getLong(i * 8);
                case F4 -> b.getFloat(i * 4);
                case F8 -> b.getDouble(i * 8);
            };
        }
        return out;
    }

    public float[] floats() {
        double[] d = doubles();
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) d[i];
        return f;
    }

    /** f4 → float32, f8 → float64, i8 and u1 → int64, on the CPU. */
    public Tensor toTensor() {
        return switch (type) {
            case F4 -> Tensor.of(floats(), shape);
            case F8 -> Tensor.of(doubles(), shape);
            case I8, U1 -> Tensor.ofLongs(longs(), shape);
        };
    }

    public DType tensorDType() {
        return switch (type) { case F4 -> DType.FLOAT32; case F8 -> DType.FLOAT64; case I8, U1 -> DType.INT64; };
    }

    @Override public boolean equals(Object o) {
        return o instanceof NpyArray a && a.type == type && Arrays.equals(a.shape, shape) && Arrays.equals(a.data, data);
    }

    @Override public int hashCode() { return 31 * (31 * type.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data); }

    @Override public String toString() { return "NpyArray(" + type.descr + " " + Arrays.toString(shape) + ")"; }
}
