package org.jdiffusion.tensor;

/** Random tensors from a {@link Generator}; the values are defined by {@link Philox}, not by the device. */
public final class Rand {
    private Rand() {}

    private static Tensor draw(Philox.Distribution dist, Generator g, double a, double b, DType dtype, Device device, int[] shape) {
        if (dtype.isHalf())
            throw new IllegalArgumentException(dist.name().toLowerCase(java.util.Locale.ROOT) + ": cannot draw " + dtype
                    + " directly (a storage dtype); draw in FLOAT32 and cast with .to(DType." + dtype.name() + ")");
        Tensor out = Tensor.empty(dtype, device, shape);
        long offset = g.advance(out.numel());
        out.backend().random(dist, g.seed(), offset, a, b, out);
        return out;
    }

    /** Uniform on (lo, hi). */
    public static Tensor uniform(Generator g, double lo, double hi, DType dtype, Device device, int... shape) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("uniform: needs a floating dtype, got " + dtype);
        return draw(Philox.Distribution.UNIFORM, g, lo, hi, dtype, device, shape);
    }

    public static Tensor uniform(Generator g, int... shape) { return uniform(g, 0, 1, DType.FLOAT32, Device.CPU, shape); }

    /** Normal N(mean, std²). */
    public static Tensor normal(Generator g, double mean, double std, DType dtype, Device device, int... shape) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("normal: needs a floating dtype, got " + dtype);
        return draw(Philox.Distribution.NORMAL, g, mean, std, dtype, device, shape);
    }

    public static Tensor normal(Generator g, int... shape) { return normal(g, 0, 1, DType.FLOAT32, Device.CPU, shape); }

    /** Integers uniform in [lo, hi), int64. */
    public static Tensor randint(Generator g, long lo, long hi, Device device, int... shape) {
        if (hi <= lo) throw new IllegalArgumentException("randint: empty range [" + lo + ", " + hi + ")");
        return draw(Philox.Distribution.INTEGER, g, lo, hi, DType.INT64, device, shape);
    }

    /** 1 with probability p, else 0. */
    public static Tensor bernoulli(Generator g, double p, DType dtype, Device device, int... shape) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("bernoulli: p must be in [0, 1], got " + p);
        return draw(Philox.Distribution.BERNOULLI, g, p, 0, dtype, device, shape);
    }

    /**
     * A random permutation of 0..n−1 (int64): the stable argsort of the 64-bit Philox words of
     * counters offset..offset+n−1, computed on the host and copied to the device.
     */
    public static Tensor randperm(Generator g, int n, Device device) {
        long offset = g.advance(n);
        long[] keys = new long[n];
        int[] s = new int[4];
        for (int i = 0; i < n; i++) keys[i] = Philox.bits64(g.seed(), offset + i, s);
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (x, y) -> Long.compareUnsigned(keys[x], keys[y]));
        long[] perm = new long[n];
        for (int i = 0; i < n; i++) perm[i] = idx[i];
        return Tensor.fromHost(new HostStorage.I64(perm), new int[]{n}, device);
    }
}
