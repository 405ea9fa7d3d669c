package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Shapes;

import java.util.Arrays;

/**
 * The N-d iteration space of a strided kernel: one shape walked in row-major order and, per
 * operand, its element strides. Size-1 dims are dropped and neighbouring dims merged wherever
 * every operand is contiguous across them, so a dense or simply broadcast operation becomes rank 1
 * (or 0). {@link #pack} lays it out as common.cuh's {@code Geom<N>}: rank, sizes and strides with
 * the innermost dim first, padded to {@value #MAX_DIMS} dims.
 *
 * @param sizes   coalesced sizes, outermost first
 * @param strides strides[operand][dim], same dim order
 */
public record CudaGeometry(int[] sizes, int[][] strides) {
    /** JD_MAX_DIMS in common.cuh. */
    public static final int MAX_DIMS = 8;

    /** Coalesces {@code shape} with one stride array per operand. */
    public static CudaGeometry of(int[] shape, int[]... operandStrides) {
        int n = operandStrides.length, r = shape.length;
        for (int[] st : operandStrides)
            if (st.length != r) throw new IllegalArgumentException("strides " + Arrays.toString(st) + " do not fit shape " + Shapes.str(shape));
        int[] sz = new int[r];
        int[][] st = new int[n][r];
        int k = 0;
        // walk from the innermost dim outwards, merging a dim into the previous kept one when contiguous
        for (int d = r - 1; d >= 0; d--) {
            if (shape[d] == 1) continue;
            if (k > 0 && mergeable(shape[d], d, sz[k - 1], k - 1, operandStrides, st)) {
                sz[k - 1] *= shape[d];
                continue;
            }
            sz[k] = shape[d];
            for (int j = 0; j < n; j++) st[j][k] = operandStrides[j][d];
            k++;
        }
        // kept dims were collected innermost first: reverse into outermost-first order
        int[] sizes = new int[k];
        int[][] strides = new int[n][k];
        for (int i = 0; i < k; i++) {
            sizes[i] = sz[k - 1 - i];
            for (int j = 0; j < n; j++) strides[j][i] = st[j][k - 1 - i];
        }
        return new CudaGeometry(sizes, strides);
    }

    private static boolean mergeable(int outerSize, int outerDim, int innerSize, int innerSlot, int[][] src, int[][] kept) {
        for (int j = 0; j < src.length; j++)
            if ((long) src[j][outerDim] != (long) kept[j][innerSlot] * innerSize) return false;
        return outerSize > 0;
    }

    public int rank() { return sizes.length; }

    public int operands() { return strides.length; }

    public int numel() { return Shapes.numel(sizes); }

    /** Every operand walks memory densely (rank ≤ 1 with unit strides): the *_dense kernels apply. */
    public boolean isDense() {
        if (rank() == 0) return true;
        if (rank() > 1) return false;
        for (int[] s : strides) if (s[0] != 1) return false;
        return true;
    }

    /** The {@code Geom<N>} struct: int[1 + 8 + 8·N], dims innermost first. */
    public int[] pack(String op) {
        int r = rank(), n = operands();
        if (r > MAX_DIMS)
            throw new IllegalArgumentException(op + ": the CUDA kernels take at most " + MAX_DIMS + " non-mergeable dims, got shape "
                    + Shapes.str(sizes) + " after merging contiguous dims");
        int[] p = new int[1 + MAX_DIMS + MAX_DIMS * n];
        p[0] = r;
        for (int k = 0; k < MAX_DIMS; k++) p[1 + k] = k < r ? sizes[r - 1 - k] : 1;
        for (int k = 0; k < r; k++)
            for (int j = 0; j < n; j++) p[1 + MAX_DIMS + k * n + j] = strides[j][r - 1 - k];
        return p;
    }

    @Override public String toString() {
        StringBuilder b = new StringBuilder("CudaGeometry" + Arrays.toString(sizes));
        for (int[] s : strides) b.append(' ').append(Arrays.toString(s));
        return b.toString();
    }

    @Override public boolean equals(Object o) {
        return o instanceof CudaGeometry g && Arrays.equals(sizes, g.sizes) && Arrays.deepEquals(strides, g.strides);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(sizes) + Arrays.deepHashCode(strides); }
}
