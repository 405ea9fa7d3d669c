package org.jdiffusion.tensor;

/** Storage in Java heap arrays, one record per dtype; the CPU backend computes on these directly. */
public sealed interface HostStorage extends Storage {

    @Override default Device device() { return Device.CPU; }

    /** Element i as a double (exact for float32/float64, and for int64 up to 2^53). */
    double get(int i);

    void set(int i, double v);

    static HostStorage allocate(DType dtype, int length) {
        return switch (dtype) {
            case FLOAT32 -> new F32(new float[length]);
            case FLOAT64 -> new F64(new double[length]);
            case INT64 -> new I64(new long[length]);
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
}
