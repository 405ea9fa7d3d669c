package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HostStorage;

/**
 * A scratch matrix [rows, cols] of float32 or float64 held as one Java array per row, and the one
 * product kernel shared by matmul and conv2d: C[m, n] += A[m, k] · B[k, n] with C and B row blocks
 * and A any strided 2-d view of host storage (element (i, k) at aOff + i·ars + k·acs).
 * The loop order is i-k-j: the innermost loop is an axpy c_i[j] += a_ik · b_k[j] over two row arrays
 * indexed alike, which the JIT vectorises (one array with two different offsets would not be, since
 * they might alias). K and N are cut into KC×NC panels so a panel of B (256 KiB in float32) stays in
 * L2 while every row of A passes over it. FLOPs: 2·m·n·k; bytes moved: m·k + k·n + 2·m·n elements per
 * panel pass. Float32 accumulates in float32, float64 in float64.
 */
sealed interface RowBlock permits RowBlock.F32, RowBlock.F64 {
    int KC = 256, NC = 256;

    static RowBlock allocate(DType dtype, int rows, int cols) {
        return switch (dtype) {
            case FLOAT32 -> new F32(new float[rows][cols], cols);
            case FLOAT64 -> new F64(new double[rows][cols], cols);
            case INT64, BFLOAT16, FLOAT16 -> throw new IllegalStateException("RowBlock: computes in float32 or float64, not " + dtype);
        };
    }

    int rows();

    int cols();

    double get(int r, int q);

    void set(int r, int q, double v);

    /** Rows [0, m) ← 0. */
    void zero(int m);

    /** Rows [0, m), columns [0, n) of this += A[m, k] · b[k, n]. */
    void addProduct(int m, int n, int k, HostStorage a, int aOff, int ars, int acs, RowBlock b);

    /**
     * Rows [0, m) ← src, reading column q = y·wid + x of row r at sOff + r·srs + y·shs + x·sws (a
     * matrix when hgt = 1, a stack of hgt×wid planes otherwise).
     */
    default void load(int m, int hgt, int wid, HostStorage src, int sOff, int srs, int shs, int sws) {
        for (int r = 0; r < m; r++)
            for (int y = 0, q = 0; y < hgt; y++)
                for (int x = 0, o = sOff + r * srs + y * shs; x < wid; x++, q++, o += sws) set(r, q, src.get(o));
    }

    /** The inverse of {@link #load}: rows [0, m) → dst through its strides. */
    default void store(int m, int hgt, int wid, HostStorage dst, int dOff, int drs, int dhs, int dws) {
        for (int r = 0; r < m; r++)
            for (int y = 0, q = 0; y < hgt; y++)
                for (int x = 0, o = dOff + r * drs + y * dhs; x < wid; x++, q++, o += dws) dst.set(o, get(r, q));
    }

    record F32(float[][] data, int cols) implements RowBlock {
        public int rows() { return data.length; }
        public double get(int r, int q) { return data[r][q]; }
        public void set(int r, int q, double v) { data[r][q] = (float) v; }
        public void zero(int m) { for (int r = 0; r < m; r++) java.util.Arrays.fill(data[r], 0f); }

        public void addProduct(int m, int n, int k, HostStorage a, int aOff, int ars, int acs, RowBlock b) {
            float[] as = ((HostStorage.F32) a).data();
            float[][] bs = ((F32) b).data;
            for (int k0 = 0; k0 < k; k0 += KC) {
                int k1 = Math.min(k, k0 + KC);
                for (int j0 = 0; j0 < n; j0 += NC) {
                    int j1 = Math.min(n, j0 + NC);
                    for (int i = 0; i < m; i++) {
                        float[] ci = data[i];
                        for (int kk = k0, ap = aOff + i * ars + k0 * acs; kk < k1; kk++, ap += acs) {
                            float aik = as[ap];
                            float[] bk = bs[kk];
                            for (int j = j0; j < j1; j++) ci[j] += aik * bk[j];
                        }
                    }
                }
            }
        }
    }

    record F64(double[][] data, int cols) implements RowBlock {
        public int rows() { return data.length; }
        public double get(int r, int q) { return data[r][q]; }
        public void set(int r, int q, double v) { data[r][q] = v; }
        public void zero(int m) { for (int r = 0; r < m; r++) java.util.Arrays.fill(data[r], 0.0); }

        public void addProduct(int m, int n, int k, HostStorage a, int aOff, int ars, int acs, RowBlock b) {
            double[] as = ((HostStorage.F64) a).data();
            double[][] bs = ((F64) b).data;
            for (int k0 = 0; k0 < k; k0 += KC) {
                int k1 = Math.min(k, k0 + KC);
                for (int j0 = 0; j0 < n; j0 += NC) {
                    int j1 = Math.min(n, j0 + NC);
                    for (int i = 0; i < m; i++) {
                        double[] ci = data[i];
                        for (int kk = k0, ap = aOff + i * ars + k0 * acs; kk < k1; kk++, ap += acs) {
                            double aik = as[ap];
                            double[] bk = bs[kk];
                            for (int j = j0; j < j1; j++) ci[j] += aik * bk[j];
                        }
                    }
                }
            }
        }
    }
}
