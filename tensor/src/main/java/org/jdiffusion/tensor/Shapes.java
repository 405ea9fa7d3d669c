package org.jdiffusion.tensor;

import java.util.Arrays;

/** Shape and stride arithmetic shared by the frontend and the backends, with the errors it raises. */
public final class Shapes {
    private Shapes() {}

    public static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
            if (n > Integer.MAX_VALUE)
                throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** Row-major strides of a contiguous tensor. */
    public static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return st;
    }

    public static void checkShape(String op, int[] shape) {
        for (int s : shape)
            if (s < 0) throw new IllegalArgumentException(op + ": negative size in shape " + str(shape));
        numel(shape);
    }

    /** NumPy broadcasting of two shapes (trailing dims aligned; sizes equal or one of them 1). */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast: dim " + (i - n) + " is " + da + " vs " + db + " (expected equal sizes or 1)");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Normalises a possibly negative dim, naming the op and the shape when it is out of range. */
    public static int dim(String op, int dim, int[] shape) {
        int r = shape.length;
        int lo = r == 0 ? -1 : -r, hi = r == 0 ? 0 : r - 1;
        if (dim < lo || dim > hi)
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for a " + r + "-d tensor of shape "
                    + str(shape) + " (expected " + lo + ".." + hi + ")");
        return dim < 0 ? dim + Math.max(r, 1) : dim;
    }

    /** Sorted, distinct, normalised dims; empty means all dims. */
    public static int[] dims(String op, int[] dims, int[] shape) {
        if (dims.length == 0) {
            int[] all = new int[shape.length];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) d[i] = dim(op, dims[i], shape);
        Arrays.sort(d);
        for (int i = 1; i < d.length; i++)
            if (d[i] == d[i - 1]) throw new IllegalArgumentException(op + ": dim " + d[i] + " given twice in " + Arrays.toString(dims));
        return d;
    }

    public static String str(int[] shape) { return Arrays.toString(shape); }

    /** Calls {@code f} with the storage offset of every element of (shape, strides, offset) in row-major order. */
    public static void forEachOffset(int[] shape, int[] strides, int offset, OffsetConsumer f) {
        int n = numel(shape), r = shape.length;
        if (n == 0) return;
        int[] idx = new int[r];
        int off = offset;
        for (int i = 0; i < n; i++) {
            f.accept(i, off);
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) { off += strides[d]; break; }
                off -= strides[d] * (shape[d] - 1);
                idx[d] = 0;
            }
        }
    }

    @FunctionalInterface
    public interface OffsetConsumer { void accept(int linearIndex, int storageOffset); }
}
