package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;

/** Small helpers of the op families: kernel-name suffixes, data pointers, stride slices. */
final class CudaOps {
    private CudaOps() {}

    /** The kernel-name suffix of a dtype: f32, f64, i64, bf16, f16. */
    static String sfx(DType dt) {
        return switch (dt) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case INT64 -> "i64";
            case BFLOAT16 -> "bf16";
            case FLOAT16 -> "f16";
        };
    }

    /**
     * bfloat16/float16 are storage-only on cuda (fill and copy/cast kernels): the computing ops name
     * the dtype and the cast to make instead of launching a kernel that does not exist.
     */
    static void checkNoHalf(String op, Tensor... ts) {
        for (Tensor t : ts)
            if (t != null && t.dtype().isHalf())
                throw new UnsupportedOperationException("cuda " + op + ": " + t.dtype() + " is storage-only on cuda (fill, copy/cast), got "
                        + t.describe() + "; cast with .to(DType.FLOAT32) first");
    }

    static CudaStorage storage(Tensor t) { return (CudaStorage) t.storage(); }

    /** The device address of t's first element (storage base + offset), or 0 for null. */
    static long ptr(Tensor t) { return t == null ? 0L : storage(t).address(t.offset()); }

    static int[] slice(int[] a, int from, int to) { return Arrays.copyOfRange(a, from, to); }

    /** a without element k. */
    static int[] without(int[] a, int k) {
        int[] r = new int[a.length - 1];
        for (int i = 0, j = 0; i < a.length; i++) if (i != k) r[j++] = a[i];
        return r;
    }

    /** t's strides, or zeros of the given rank for an absent tensor. */
    static int[] stridesOr0(Tensor t, int rank) { return t == null ? new int[rank] : t.strides(); }
}
