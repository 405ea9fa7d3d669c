package org.jdiffusion.kernels.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiling and split-K arithmetic of the GEMM launches, and the matmul mode flag, without a GPU. */
class GemmPlanTest {
    @Test void tiledGridsHaveOneBlockPerTileIncludingPartialEdgeTiles() {
        assertEquals(new LaunchConfig(1, 1, 256), GemmPlan.tiled(1, 1, 1));
        assertEquals(1, GemmPlan.tiled(128, 128, 1).gridX());
        assertEquals(4, GemmPlan.tiled(129, 129, 1).gridX());   // 2 x 2: the edge tiles are predicated
        assertEquals(3 * 8, GemmPlan.tiled(300, 1000, 5).gridX());
        assertEquals(5, GemmPlan.tiled(300, 1000, 5).gridY());
        assertEquals(65535, GemmPlan.tiled(8, 8, 100_000).gridY());  // the kernels stride over the rest of the batch
        assertEquals(GemmPlan.tiles(300, 1000), GemmPlan.tiled(300, 1000, 1).gridX());
    }

    @Test void tileRowsAreTheSmallestOf32And64And128ThatHoldM() {
        for (int m = 1; m <= 32; m++) assertEquals(32, GemmPlan.tileM(m), "m " + m);
        for (int m = 33; m <= 64; m++) assertEquals(64, GemmPlan.tileM(m), "m " + m);
        for (int m : new int[]{65, 96, 128, 129, 192, 320, 1 << 20}) assertEquals(128, GemmPlan.tileM(m), "m " + m);
        assertEquals("_m32", GemmPlan.tileSuffix(32));
        assertEquals("_m64", GemmPlan.tileSuffix(64));
        assertEquals("", GemmPlan.tileSuffix(96));
        // one block per tile of the chosen rows: the U-Net's 32 and 64 channels fill their tiles
        assertEquals(100352 / 128, GemmPlan.tiled(32, 100352, 1).gridX());
        assertEquals(100352 / 128, GemmPlan.tiled(64, 100352, 1).gridX());
        assertEquals(784, GemmPlan.tiled(96, 100352, 1).gridX());       // one ragged 128-row tile
        assertEquals(2 * 784, GemmPlan.tiled(192, 100352, 1).gridX());
        assertEquals(2, GemmPlan.tiled(33, 129, 1).gridX());      // one 64-row tile by two 128-column tiles
        assertEquals(2, GemmPlan.tiled(65, 129, 1).gridX());      // one ragged 128-row tile by two columns
        assertEquals(3 * 8, GemmPlan.tiles(300, 1000));
        assertEquals(8, GemmPlan.tiles(64, 1000));
    }

    @Test void kernelNamesCarryTheTileRowsOfTheirM() {
        assertEquals("conv_fwd_simt_m32_f32", CudaConv.kernel("fwd", GemmVersion.SIMT, 32, org.jdiffusion.tensor.DType.FLOAT32));
        assertEquals("conv_dx_tf32_m64_f32", CudaConv.kernel("dx", GemmVersion.TF32, 64, org.jdiffusion.tensor.DType.FLOAT32));
        assertEquals("conv_dw_bf16_f32", CudaConv.kernel("dw", GemmVersion.BF16, 65, org.jdiffusion.tensor.DType.FLOAT32));
        assertEquals("conv_fwd_naive_f64", CudaConv.kernel("fwd", GemmVersion.NAIVE, 32, org.jdiffusion.tensor.DType.FLOAT64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaConv.kernel("fwd", GemmVersion.SIMT, 32, org.jdiffusion.tensor.DType.FLOAT64));
        assertEquals("conv2d: the simt kernels take float32, got float64", e.getMessage());
    }

    @Test void naiveLaunchesAreGridStrideOverOutputs() {
        LaunchConfig c = GemmPlan.naive(7L * 9, 3, 132);
        assertEquals(1, c.gridX());
        assertEquals(3, c.gridY());
        assertEquals(LaunchConfig.elementwise(1L << 28, 132).gridX(), GemmPlan.naive(1L << 28, 1, 132).gridX());
    }

    @Test void splitKCoversEveryKOnceInWholeStepsAndOnlyWhenTilesAreFew() {
        for (int tiles : new int[]{1, 2, 7, 100, 264, 1000})
            for (int k : new int[]{1, 17, 512, 513, 4096, 100_000, 1 << 24}) {
                GemmPlan.Split s = GemmPlan.splitK(tiles, k, 132);
                assertTrue(s.splits() >= 1 && s.splits() <= 64, s.toString());
                assertTrue((long) s.splits() * s.chunk() >= k, "covers K: " + s + " for k " + k);
                assertTrue((long) (s.splits() - 1) * s.chunk() < k, "no empty chunk: " + s + " for k " + k);
                if (s.splits() > 1) {
                    assertEquals(0, s.chunk() % GemmPlan.BK, "chunks are whole k-steps: " + s);
                    assertTrue(s.chunk() >= 256, s.toString());
                }
                if (tiles >= 264) assertEquals(1, s.splits(), "enough tiles to fill 132 SMs twice");
            }
        assertTrue(GemmPlan.splitK(1, 100_000, 132).splits() > 1);
        assertEquals(1, GemmPlan.splitK(1, 512, 132).splits());
    }

    @Test void matmulModesParseCaseInsensitivelyAndNameTheirKernels() {
        assertEquals(MatmulMode.FP32, MatmulMode.parse("fp32", "test"));
        assertEquals(MatmulMode.TF32, MatmulMode.parse(" TF32 ", "test"));
        assertEquals(MatmulMode.BF16, MatmulMode.parse("bf16", "test"));
        assertEquals(GemmVersion.SIMT, MatmulMode.FP32.kernel());
        assertEquals(GemmVersion.NAIVE, CudaMatmul.version(org.jdiffusion.tensor.DType.FLOAT64, MatmulMode.BF16));
        assertEquals(GemmVersion.TF32, CudaMatmul.version(org.jdiffusion.tensor.DType.FLOAT32, MatmulMode.TF32));
    }

    @Test void aBadMatmulModeSaysWhereItCameFromAndWhatIsExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatmulMode.parse("fp16", "-Djdiffusion.cuda.matmul"));
        assertEquals("-Djdiffusion.cuda.matmul: unknown CUDA matmul mode 'fp16' (expected fp32, tf32 or bf16)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MatmulMode.parse("", "JDIFFUSION_CUDA_MATMUL"));
        String old = System.getProperty(MatmulMode.PROPERTY);
        try {
            System.setProperty(MatmulMode.PROPERTY, "tf32");
            assertEquals(MatmulMode.TF32, MatmulMode.fromEnvironment());
            System.setProperty(MatmulMode.PROPERTY, "double");
            e = assertThrows(IllegalArgumentException.class, MatmulMode::fromEnvironment);
            assertTrue(e.getMessage().startsWith("-Djdiffusion.cuda.matmul: unknown CUDA matmul mode 'double'"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty(MatmulMode.PROPERTY);
            else System.setProperty(MatmulMode.PROPERTY, old);
        }
    }

    @Test void sixteenByteLoadsNeedAnAlignedPointerAndStrides() {
        assertTrue(CudaMatmul.aligned(4096, 8, 4));
        assertTrue(!CudaMatmul.aligned(4100, 8, 4));
        assertTrue(!CudaMatmul.aligned(4096, 6, 4));
        assertTrue(!CudaMatmul.aligned(4096, 8, 3));
    }
}
