package org.jdiffusion.kernels.cuda;

/**
 * Grid and block sizes of one kernel launch, with the sizing rules of the kernel families:
 * grid-stride elementwise loops, one block per row (softmax, norms, reductions) and split
 * reductions. Blocks are always whole warps.
 */
public record LaunchConfig(int gridX, int gridY, int blockX) {
    public static final int WARP = 32;
    /** Threads per block of the elementwise kernels. */
    public static final int ELEMENTWISE_BLOCK = 256;
    /** Resident blocks per SM the grid-stride kernels aim for before looping. */
    static final int BLOCKS_PER_SM = 8;
    static final int MAX_GRID_Y = 65535;

    public LaunchConfig {
        if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y || blockX < WARP || blockX > 1024 || blockX % WARP != 0)
            throw new IllegalArgumentException("invalid launch configuration grid (" + gridX + ", " + gridY + ") block " + blockX);
    }

    /** A grid-stride launch over {@code n} work items (elements, or float4 vectors). */
    public static LaunchConfig elementwise(long n, int smCount) {
        long blocks = Math.max(1, (n + ELEMENTWISE_BLOCK - 1) / ELEMENTWISE_BLOCK);
        long cap = (long) Math.max(1, smCount) * BLOCKS_PER_SM * 4;
        return new LaunchConfig((int) Math.min(blocks, cap), 1, ELEMENTWISE_BLOCK);
    }

    /** Threads for one block working on a row of {@code d} elements: about four elements each, 32..1024. */
    public static int rowBlock(long d) {
        long want = Math.max(1, (d + 3) / 4);
        long p = Long.highestOneBit(want);
        if (p < want) p <<= 1;
        return (int) Math.max(WARP, Math.min(1024, p));
    }

    /** One block per row. */
    public static LaunchConfig rows(int rows, long rowLength) {
        return new LaunchConfig(Math.max(1, rows), 1, rowBlock(rowLength));
    }

    /**
     * How a reduction of nOut outputs over nInner elements each is launched: {@code perThread} (one
     * thread per output) for short reductions with enough outputs to fill the GPU, otherwise one
     * block per output split into {@code chunks} chunks of {@code chunkLen} elements, combined by a
     * second pass when chunks &gt; 1.
     */
    public record ReducePlan(boolean perThread, int chunks, int chunkLen, LaunchConfig launch) {}

    public static ReducePlan reduce(int nOut, int nInner, int smCount) {
        int sms = Math.max(1, smCount);
        if (nInner <= 32 && nOut >= sms * 64) return new ReducePlan(true, 1, nInner, elementwise(nOut, sms));
        int block = rowBlock(nInner);
        // split long reductions when there are too few outputs to occupy every SM
        long wantBlocks = (long) sms * BLOCKS_PER_SM;
        int chunks = 1;
        if (nOut < wantBlocks && nInner > block * 16) {
            long byWork = (nInner + block * 16L - 1) / (block * 16L);
            long byOcc = (wantBlocks + nOut - 1) / nOut;
            chunks = (int) Math.max(1, Math.min(Math.min(byWork, byOcc), 1024));
        }
        int chunkLen = (int) ((nInner + (long) chunks - 1) / chunks);
        chunks = Math.max(1, (int) ((nInner + (long) chunkLen - 1) / Math.max(1, chunkLen)));
        if (chunks > 1) block = rowBlock(chunkLen);
        return new ReducePlan(false, chunks, Math.max(1, chunkLen), new LaunchConfig(Math.max(1, nOut), chunks, block));
    }
}
