package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.DType;

import java.util.Arrays;

/**
 * When and how the register kernels of softmax.cu and norm.cu run (common.cuh, "runs held in
 * registers"): each run (a softmax or layer norm row, a group norm group) is contiguous, the runs
 * are evenly spaced, and a warp ({@code warpRows}, {@value #WARP_BLOCK}-thread blocks of four runs)
 * or a block holds one run in registers, {@code perThread} elements a thread, read once and written
 * once. {@code vec}: 16-byte vectors, where the run length, the spacings and every address are
 * multiples of 16 bytes. Anything else (a strided softmax dim, permuted trailing dims, a run longer
 * than the largest variant holds, float16/bfloat16/int64) gets {@code null} and the generic kernel.
 *
 * @param kernel    kernel name, e.g. {@code softmax_rows_f32_n8}
 * @param ld        spacing of consecutive runs per operand (elements), in the op's operand order
 * @param launch    grid and block
 */
record CudaFastRows(String kernel, boolean warpRows, boolean vec, int perThread, int[] ld, LaunchConfig launch) {
    /** Threads of a block of warps, one run per warp. */
    static final int WARP_BLOCK = 128;
    /** Elements per thread a block per run aims for (four float4 vectors). */
    static final int TARGET_PER_THREAD = 16;
    static final int MIN_BLOCK = 64;

    /** Kernel families, with their variants: {N elements per thread, most threads per block (__launch_bounds__)}. */
    enum Family {
        SOFTMAX("softmax_rows_", new int[][]{{4, 1024}, {8, 1024}, {16, 1024}, {32, 1024}}, new int[][]{{4, 1024}, {8, 1024}, {16, 1024}}),
        SOFTMAX_BACKWARD("softmax_rows_backward_", new int[][]{{4, 1024}, {8, 1024}, {16, 1024}}, new int[][]{{4, 1024}, {8, 1024}}),
        LAYER_NORM("layer_norm_rows_", new int[][]{{4, 1024}, {8, 1024}, {16, 1024}, {32, 512}, {64, 512}},
                new int[][]{{4, 1024}, {8, 1024}, {16, 512}}),
        GROUP_NORM("group_norm_rows_", LAYER_NORM.f32, LAYER_NORM.f64),
        /** dX only: x and dY both held, so half the elements of the forward's variants. */
        GROUP_NORM_BACKWARD("group_norm_rows_backward_", new int[][]{{4, 1024}, {8, 1024}, {16, 1024}, {32, 512}},
                new int[][]{{4, 1024}, {8, 1024}, {16, 512}}),
        /** Layer norm dX: x and dY held, the variants of group norm's dX. */
        LAYER_NORM_BACKWARD("layer_norm_rows_backward_", GROUP_NORM_BACKWARD.f32, GROUP_NORM_BACKWARD.f64);

        final String prefix;
        final int[][] f32, f64;

        Family(String prefix, int[][] f32, int[][] f64) {
            this.prefix = prefix;
            this.f32 = f32;
            this.f64 = f64;
        }

        int[][] variants(DType dt) { return dt == DType.FLOAT32 ? f32 : f64; }
    }

    /**
     * The variant for {@code runs} runs of {@code len} elements, or null when none holds len. A warp
     * per run when the smallest variant that covers len with 32 threads has at most 32 (float64: 16)
     * elements a thread; otherwise a block per run of P threads, P the power of two near
     * len / {@value #TARGET_PER_THREAD} (64..1024), or the nearest P above (else below) it that a
     * variant covers len with.
     */
    static CudaFastRows plan(Family f, DType dt, int runs, int len, boolean vec, int[] ld) {
        if (dt != DType.FLOAT32 && dt != DType.FLOAT64) return null;
        if (runs < 1 || len < 1) return null;
        String name = f.prefix + CudaOps.sfx(dt) + "_n";
        int[][] table = f.variants(dt);
        int warpMax = dt == DType.FLOAT32 ? 32 : 16;
        for (int[] v : table)
            if (v[0] <= warpMax && 32L * v[0] >= len) {
                int perBlock = WARP_BLOCK / LaunchConfig.WARP;
                return new CudaFastRows(name + v[0], true, vec, v[0], ld, new LaunchConfig((runs + perBlock - 1) / perBlock, 1, WARP_BLOCK));
            }
        long want = (len + TARGET_PER_THREAD - 1L) / TARGET_PER_THREAD;
        int p0 = (int) Math.max(MIN_BLOCK, Math.min(1024, Long.highestOneBit(Math.max(1, want - 1)) << 1));
        // P = p0, then larger blocks (more threads for few elements each), then smaller (variants of many elements allow fewer threads)
        for (int p = p0; p <= 1024; p <<= 1) {
            CudaFastRows r = block(name, table, p, runs, len, vec, ld);
            if (r != null) return r;
        }
        for (int p = p0 >> 1; p >= MIN_BLOCK; p >>= 1) {
            CudaFastRows r = block(name, table, p, runs, len, vec, ld);
            if (r != null) return r;
        }
        return null;
    }

    /** The smallest variant that covers len with p threads within its thread limit. */
    private static CudaFastRows block(String name, int[][] table, int p, int runs, int len, boolean vec, int[] ld) {
        for (int[] v : table)
            if (v[1] >= p && (long) v[0] * p >= len) return new CudaFastRows(name + v[0], false, vec, v[0], ld, new LaunchConfig(runs, 1, p));
        return null;
    }

    /**
     * Spacing of the runs per operand: the rows geometry (runs' shape with each operand's strides)
     * coalesced to one dim, or null when it does not coalesce (the runs are not evenly spaced).
     */
    static int[] spacing(int[] runsShape, int len, int[]... strides) {
        CudaGeometry g = CudaGeometry.of(runsShape, strides);
        int[] ld = new int[strides.length];
        if (g.rank() > 1) return null;
        for (int j = 0; j < ld.length; j++) ld[j] = g.rank() == 0 ? len : g.strides()[j][0];
        return ld;
    }

    /** 16-byte vectors apply: len and the spacings whole vectors of dt, every (nonzero) address 16-byte aligned. */
    static boolean vectorizable(DType dt, int len, int[] ld, long... addresses) {
        int v = 16 / dt.byteSize();
        if (len % v != 0) return false;
        for (int s : ld) if (s % v != 0) return false;
        for (long a : addresses) if (a % 16 != 0) return false;
        return true;
    }

    /** Every operand has stride 1 along the run (or the run is one element long). */
    private static boolean unit(int len, int... strides) {
        for (int s : strides) if (s != 1 && len != 1) return false;
        return true;
    }

    /**
     * softmax (operands x, y) or its backward (dY, y, dX) along {@code dim}: the operands' strides
     * and addresses in that order.
     */
    static CudaFastRows softmax(boolean backward, DType dt, int[] shape, int dim, int[][] strides, long[] addresses) {
        int len = shape[dim];
        int[] along = new int[strides.length];
        int[][] rowStrides = new int[strides.length][];
        for (int j = 0; j < strides.length; j++) {
            along[j] = strides[j][dim];
            rowStrides[j] = CudaOps.without(strides[j], dim);
        }
        if (!unit(len, along)) return null;
        int[] rowsShape = CudaOps.without(shape, dim);
        int[] ld = spacing(rowsShape, len, rowStrides);
        if (ld == null) return null;
        return plan(backward ? Family.SOFTMAX_BACKWARD : Family.SOFTMAX, dt, numel(rowsShape), len, vectorizable(dt, len, ld, addresses), ld);
    }

    /**
     * Layer norm forward over the {@code nd} trailing dims: x and out dense over them (same order),
     * γ/β (strides null when absent) dense too; ld = (x, out, mean, rstd). Addresses x, out, γ, β.
     */
    static CudaFastRows layerNorm(DType dt, int[] shape, int nd, int[] xSt, int[] outSt, int[] meanSt, int[] rstdSt, int[] gammaSt,
                                  int[] betaSt, long... addresses) {
        int lead = shape.length - nd;
        int[] leadShape = Arrays.copyOfRange(shape, 0, lead), trailShape = Arrays.copyOfRange(shape, lead, shape.length);
        int len = numel(trailShape);
        if (!CudaGeometry.of(trailShape, Arrays.copyOfRange(xSt, lead, shape.length), Arrays.copyOfRange(outSt, lead, shape.length)).isDense())
            return null;
        if (gammaSt != null && !CudaGeometry.of(trailShape, gammaSt, betaSt).isDense()) return null;
        int[] ld = spacing(leadShape, len, Arrays.copyOfRange(xSt, 0, lead), Arrays.copyOfRange(outSt, 0, lead), meanSt, rstdSt);
        if (ld == null) return null;
        boolean vec = vectorizable(dt, len, new int[]{ld[0], ld[1]}, addresses);
        return plan(Family.LAYER_NORM, dt, numel(leadShape), len, vec, ld);
    }

    /** Group norm forward: x and out dense [N, C, S...] (same layout); a run is one (n, g) group of C/G·S elements. */
    static CudaFastRows groupNorm(DType dt, int[] shape, int groups, int[] xSt, int[] outSt, long xAddress, long outAddress) {
        if (!CudaGeometry.of(shape, xSt, outSt).isDense()) return null;
        int s = numel(Arrays.copyOfRange(shape, 2, shape.length)), len = shape[1] / groups * s;
        // vectors must not straddle two channels: S whole vectors (then len and every group start are too)
        boolean vec = vectorizable(dt, s, new int[]{len}, xAddress, outAddress);
        return plan(Family.GROUP_NORM, dt, shape[0] * groups, len, vec, new int[]{len, len});
    }

    /** Group norm dX: x, dY and dX dense [N, C, S...] (same layout). */
    static CudaFastRows groupNormBackward(DType dt, int[] shape, int groups, int[] xSt, int[] dYSt, int[] dXSt, long... addresses) {
        if (!CudaGeometry.of(shape, xSt, dYSt, dXSt).isDense()) return null;
        int s = numel(Arrays.copyOfRange(shape, 2, shape.length)), len = shape[1] / groups * s;
        boolean vec = vectorizable(dt, s, new int[]{len}, addresses);
        return plan(Family.GROUP_NORM_BACKWARD, dt, shape[0] * groups, len, vec, new int[]{len, len, len});
    }

    /**
     * Layer norm dX over the {@code nd} trailing dims: dY, x and dX dense over them (same order), γ
     * (strides null when absent) dense too, the leading dims evenly spaced; ld = (dY, x, mean, rstd, dX).
     * Addresses dY, x, dX, γ.
     */
    static CudaFastRows layerNormBackward(DType dt, int[] shape, int nd, int[] dYSt, int[] xSt, int[] dXSt, int[] meanSt, int[] rstdSt,
                                          int[] gammaSt, long... addresses) {
        int lead = shape.length - nd;
        int[] leadShape = Arrays.copyOfRange(shape, 0, lead), trailShape = Arrays.copyOfRange(shape, lead, shape.length);
        int len = numel(trailShape);
        if (!CudaGeometry.of(trailShape, Arrays.copyOfRange(dYSt, lead, shape.length), Arrays.copyOfRange(xSt, lead, shape.length),
                Arrays.copyOfRange(dXSt, lead, shape.length)).isDense())
            return null;
        if (gammaSt != null && !CudaGeometry.of(trailShape, gammaSt).isDense()) return null;
        int[] ld = spacing(leadShape, len, Arrays.copyOfRange(dYSt, 0, lead), Arrays.copyOfRange(xSt, 0, lead), meanSt, rstdSt,
                Arrays.copyOfRange(dXSt, 0, lead));
        if (ld == null) return null;
        boolean vec = vectorizable(dt, len, new int[]{ld[0], ld[1], ld[4]}, addresses);
        return plan(Family.LAYER_NORM_BACKWARD, dt, numel(leadShape), len, vec, ld);
    }

    /**
     * Layer norm dGamma/dBeta without Geom (layer_norm_rows_param_grads): dY and x dense over the
     * {@code nd} trailing dims, dGamma and dBeta dense, the leading dims evenly spaced. The spacings
     * (dY, x, mean, rstd), or null for the generic kernel.
     */
    static int[] layerNormParamGradRows(DType dt, int[] shape, int nd, int[] dYSt, int[] xSt, int[] meanSt, int[] rstdSt, int[] dGammaSt,
                                        int[] dBetaSt) {
        if (dt != DType.FLOAT32 && dt != DType.FLOAT64) return null;
        int lead = shape.length - nd;
        int[] leadShape = Arrays.copyOfRange(shape, 0, lead), trailShape = Arrays.copyOfRange(shape, lead, shape.length);
        if (!CudaGeometry.of(trailShape, Arrays.copyOfRange(dYSt, lead, shape.length), Arrays.copyOfRange(xSt, lead, shape.length), dGammaSt,
                dBetaSt).isDense())
            return null;
        return spacing(leadShape, numel(trailShape), Arrays.copyOfRange(dYSt, 0, lead), Arrays.copyOfRange(xSt, 0, lead), meanSt, rstdSt);
    }

    /** Spatial runs shorter than this leave most of a warp idle in group_norm_rows_param_partials: generic kernel. */
    static final int GN_PARAM_MIN_SPATIAL = 32;
    /** Threads of a group_norm_rows_param_partials block (a warp per (n, c) run). */
    static final int GN_PARAM_BLOCK = 256;

    /**
     * Group norm dGamma/dBeta by (channel, sample chunk) partials and a fixed-order sum: x and dY
     * dense [N, C, S...] with S ≥ {@value #GN_PARAM_MIN_SPATIAL}, float32/float64. Returns samples a
     * block (nPer), chosen so that C · ⌈N / nPer⌉ blocks of {@value #GN_PARAM_BLOCK} fill
     * {@code sms} multiprocessors eight deep, each block at least a run per warp; or 0 when the
     * generic kernel runs.
     */
    static int groupNormParamGradSamples(DType dt, int[] shape, int[] xSt, int[] dYSt, int sms) {
        if (dt != DType.FLOAT32 && dt != DType.FLOAT64) return 0;
        if (shape.length < 3 || !CudaGeometry.of(shape, xSt, dYSt).isDense()) return 0;
        int n = shape[0], c = shape[1], s = numel(Arrays.copyOfRange(shape, 2, shape.length));
        if (s < GN_PARAM_MIN_SPATIAL || n < 1 || c < 1) return 0;
        int warps = GN_PARAM_BLOCK / LaunchConfig.WARP;
        long want = (long) sms * 8;
        int chunks = (int) Math.max(1, Math.min((want + c - 1) / c, (n + warps - 1) / warps));
        return (n + chunks - 1) / chunks;
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    @Override public boolean equals(Object o) {
        return o instanceof CudaFastRows r && kernel.equals(r.kernel) && warpRows == r.warpRows && vec == r.vec && perThread == r.perThread
                && Arrays.equals(ld, r.ld) && launch.equals(r.launch);
    }

    @Override public int hashCode() { return kernel.hashCode() * 31 + Arrays.hashCode(ld); }

    @Override public String toString() {
        return kernel + (warpRows ? " warp/run" : " block/run") + (vec ? " vec" : "") + " ld " + Arrays.toString(ld) + " " + launch;
    }
}
