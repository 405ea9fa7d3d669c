package org.jdiffusion.kernels.cuda;

/**
 * Launch arithmetic of the GEMM kernels (gemm.cuh): the tiled versions run one block of 256
 * threads per BM×128 output tile (block x = tile, block y strides over the batch or groups, edges
 * predicated inside the tile), BM = 128, 64 or 32 rows by {@link #tileM}; the naive version one
 * thread per output, grid-stride. A weight gradient with too few tiles to fill the GPU splits its
 * long K into chunks (split-K).
 */
public final class GemmPlan {
    private GemmPlan() {}

    public static final int TILE = 128, THREADS = 256;
    /** K per tile step of the tensor-core versions; split chunks are whole multiples of it. */
    public static final int BK = 16;

    /**
     * Tile rows for a GEMM of m rows: the smallest of 32, 64, 128 that holds m, else 128. A 128-row
     * tile over m = 32 would compute four times the useful products (conv M = O/G or C/G: 32, 64 in
     * the U-Net); past 64 rows the 128-row tile's higher reuse (each A and B element feeds 128
     * products rather than 64) wins over its ragged last tile.
     */
    public static int tileM(int m) { return m <= 32 ? 32 : m <= 64 ? 64 : TILE; }

    /** The kernel name's tile part: "" for 128 rows, "_m64" or "_m32". */
    public static String tileSuffix(int m) {
        int bm = tileM(m);
        return bm == TILE ? "" : "_m" + bm;
    }

    public static int tiles(int m, int n) { return ceilDiv(m, tileM(m)) * ceilDiv(n, TILE); }

    /** A tiled launch over an m×n output repeated batch times. */
    public static LaunchConfig tiled(int m, int n, int batch) {
        long t = (long) ceilDiv(m, tileM(m)) * ceilDiv(n, TILE);
        if (t > Integer.MAX_VALUE) throw new IllegalArgumentException("gemm: " + m + "x" + n + " has too many " + tileM(m) + "x128 tiles");
        return new LaunchConfig((int) Math.max(1, t), Math.max(1, Math.min(batch, LaunchConfig.MAX_GRID_Y)), THREADS);
    }

    /** A naive launch: a grid-stride loop over m·n outputs per batch entry. */
    public static LaunchConfig naive(long mn, int batch, int smCount) {
        LaunchConfig e = LaunchConfig.elementwise(mn, smCount);
        return new LaunchConfig(e.gridX(), Math.max(1, Math.min(batch, LaunchConfig.MAX_GRID_Y)), e.blockX());
    }

    /** How a K of length k is split: {@code splits} chunks of {@code chunk} (a multiple of BK), none empty. */
    public record Split(int splits, int chunk) {}

    /**
     * Splits K when the problem's tiles (over all groups) number fewer than two waves of the SMs and
     * each chunk keeps at least 256 of K: at most 64 chunks, about 2·SMs blocks in all.
     */
    public static Split splitK(int tiles, int k, int smCount) {
        int want = 2 * Math.max(1, smCount);
        if (tiles >= want || k <= 512) return new Split(1, Math.max(k, 1));
        int splits = Math.min(Math.min(ceilDiv(want, Math.max(1, tiles)), k / 256), 64);
        if (splits <= 1) return new Split(1, k);
        int chunk = ceilDiv(ceilDiv(k, splits), BK) * BK;
        return new Split(ceilDiv(k, chunk), chunk);
    }

    static int ceilDiv(int a, int b) { return (int) (((long) a + b - 1) / b); }
}
