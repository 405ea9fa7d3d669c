package org.jdiffusion.tensor;

/**
 * Storage in Java heap arrays, one record per dtype; the CPU backend computes on these directly. The
 * 16-bit types hold bit patterns in a {@code short[]}: {@link #get} widens exactly, {@link #set}
 * rounds once to nearest even ({@link HalfFloats}).
 */
public sealed interface HostStorage extends Storage {

    @Override default Device device() { return Device.CPU; }

    /** Element i as a double (exact for the floating dtypes, and for int64 up to 2^53). */
    double get(int i);

    void set(int i, double v);

    /** Returns the array to the {@link HostPool} (only storages the backend allocated are ever released). */
    @Override default void release() { HostPool.give(this); }

    static HostStorage allocate(DType dtype, int length) {
        return switch (dtype) {
            case FLOAT32 -> new F32(new float[length]);
            case FLOAT64 -> new F64(new double[length]);
            case INT64 -> new I64(new long[length]);
            case BFLOAT16 -> new BF16(new short[length]);
            case FLOAT16 -> new F16(new short[length]);
        };
    }

    record F32(float[] data) implements HostStorage {
        public DType dtype() { return DType.FLOAT32; }
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (float) v; }
    }

    record F64(double[] data) implements HostStorage {
        public DType dtype() { return DType.FLOAT64; }
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = v; }
    }

    record I64(long[] data) implements HostStorage {
        public DType dtype() { return DType.INT64; }
        public int length() { return data.length; }
        public double get(int i) { return data[i]; }
        public void set(int i, double v) { data[i] = (long) v; }
    }

    record BF16(short[] data) implements HostStorage {
        public DType dtype() { return DType.BFLOAT16; }
        public int length() { return data.length; }
        public double get(int i) { return HalfFloats.bf16ToFloat(data[i]); }
        public void set(int i, double v) { data[i] = HalfFloats.bf16FromDouble(v); }
    }

    record F16(short[] data) implements HostStorage {
        public DType dtype() { return DType.FLOAT16; }
        public int length() { return data.length; }
        public double get(int i) { return HalfFloats.f16ToFloat(data[i]); }
        public void set(int i, double v) { data[i] = HalfFloats.f16FromDouble(v); }
    }
}
