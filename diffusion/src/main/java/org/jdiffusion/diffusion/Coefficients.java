package org.jdiffusion.diffusion;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

import java.util.function.IntToDoubleFunction;

/**
 * Schedule coefficients as tensors that broadcast against a batch x [B, …]: one value per sample
 * ([B, 1, …, 1], for per-sample timesteps) or one for all (a 0-d tensor), in x's dtype and device.
 */
public final class Coefficients {
    private Coefficients() {}

    /** f(t_b) for each sample b, shaped [B, 1, …, 1] to broadcast against {@code like}. */
    public static Tensor perSample(IntToDoubleFunction f, Tensor t, Tensor like) {
        long[] ts = timesteps("perSample", t, like);
        HostStorage h = HostStorage.allocate(like.dtype(), ts.length);
        for (int b = 0; b < ts.length; b++) h.set(b, f.applyAsDouble((int) ts[b]));
        int[] shape = new int[like.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = ts.length;
        return Tensor.fromHost(h, shape, like.device());
    }

    /**
     * table[t_b] for each sample b, shaped [B, 1, …, 1] to broadcast against {@code like}: a gather on
     * t's device that reads nothing back (a timestep outside the table is reported by the device's
     * index check at the next synchronisation). table is [T] in like's dtype on like's device.
     */
    public static Tensor gathered(Tensor table, Tensor t, Tensor like) {
        if (t.dtype() != DType.INT64 || t.dim() != 1 || like.dim() < 1 || t.size(0) != like.size(0))
            throw new IllegalArgumentException("gathered: timesteps " + t.describe() + " do not fit the batch " + like.describe()
                    + " (expected int64 [B] with B = the batch's first dim)");
        int[] shape = new int[like.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = t.size(0);
        return org.jdiffusion.tensor.Index.indexSelect(table, 0, t).view(shape);
    }

    /** f(0), …, f(T−1) as a [T] tensor of {@code dtype} on {@code device}. */
    public static Tensor table(IntToDoubleFunction f, int timesteps, DType dtype, org.jdiffusion.tensor.Device device) {
        HostStorage h = HostStorage.allocate(dtype, timesteps);
        for (int u = 0; u < timesteps; u++) h.set(u, f.applyAsDouble(u));
        return Tensor.fromHost(h, new int[]{timesteps}, device);
    }

    /** A 0-d tensor holding v in {@code like}'s dtype and device. */
    public static Tensor scalar(double v, Tensor like) { return Tensor.scalar(v, like.dtype(), like.device()); }

    /** The values of an int64 [B] timestep tensor, checked against the batch of {@code like}. */
    public static long[] timesteps(String op, Tensor t, Tensor like) {
        if (t.dtype() != DType.INT64 || t.dim() != 1 || like.dim() < 1 || t.size(0) != like.size(0))
            throw new IllegalArgumentException(op + ": timesteps " + t.describe() + " do not fit the batch " + like.describe()
                    + " (expected int64 [B] with B = the batch's first dim)");
        return t.toLongArray();
    }

    /** Like {@link #timesteps(String, Tensor, Tensor)}, also checking every value is in 0 … T−1. */
    public static long[] timesteps(String op, Tensor t, Tensor like, int trainTimesteps) {
        long[] ts = timesteps(op, t, like);
        for (long v : ts)
            if (v < 0 || v >= trainTimesteps)
                throw new IllegalArgumentException(op + ": timestep " + v + " is outside 0.." + (trainTimesteps - 1));
        return ts;
    }

    /** An int64 [B] tensor holding timestep t for every sample of a batch of B. */
    public static Tensor fill(long t, int batch, org.jdiffusion.tensor.Device device) {
        long[] v = new long[batch];
        java.util.Arrays.fill(v, t);
        return Tensor.fromHost(new HostStorage.I64(v), new int[]{batch}, device);
    }
}
