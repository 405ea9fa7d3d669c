package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.cuda.CudaFastRows.Family;
import org.jdiffusion.tensor.DType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.jdiffusion.tensor.DType.FLOAT32;
import static org.jdiffusion.tensor.DType.FLOAT64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The register kernels' selection (layouts, vectors, variant and launch), without a GPU. */
class CudaFastRowsTest {
    static final long A = 1L << 20;  // a 16-byte aligned address

    static int[] contiguous(int... shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= shape[i];
        }
        return st;
    }

    @Test void benchmarkShapesTakeTheVariantsTheirCommentsName() {
        // softmax [65536, 1024]: a warp per row, 32 floats a lane, 4 rows a block
        CudaFastRows p = CudaFastRows.softmax(false, FLOAT32, new int[]{65536, 1024}, 1, new int[][]{{1024, 1}, {1024, 1}}, new long[]{A, A});
        assertEquals("softmax_rows_f32_n32", p.kernel());
        assertTrue(p.warpRows() && p.vec());
        assertEquals(new LaunchConfig(16384, 1, 128), p.launch());
        // the U-Net's attention scores [25088, 49]: a warp per row, scalar (49 is no multiple of 4)
        p = CudaFastRows.softmax(false, FLOAT32, new int[]{25088, 49}, 1, new int[][]{{49, 1}, {49, 1}}, new long[]{A, A});
        assertEquals("softmax_rows_f32_n4", p.kernel());
        assertTrue(p.warpRows());
        assertFalse(p.vec());
        // layer norm [8192, 4096]: a block of 256 per row, 16 each
        p = CudaFastRows.layerNorm(FLOAT32, new int[]{8192, 4096}, 1, contiguous(8192, 4096), contiguous(8192, 4096), new int[]{1},
                new int[]{1}, new int[]{1}, new int[]{1}, A, A, A, A);
        assertEquals("layer_norm_rows_f32_n16", p.kernel());
        assertFalse(p.warpRows());
        assertEquals(new LaunchConfig(8192, 1, 256), p.launch());
        // group norm [64, 256, 64, 64] G = 32: groups of 32768 floats, 512 threads of 64
        int[] gn = {64, 256, 64, 64};
        p = CudaFastRows.groupNorm(FLOAT32, gn, 32, contiguous(gn), contiguous(gn), A, A);
        assertEquals("group_norm_rows_f32_n64", p.kernel());
        assertEquals(new LaunchConfig(2048, 1, 512), p.launch());
        assertTrue(p.vec());
        int[] gs = {128, 32, 28, 28};
        p = CudaFastRows.groupNorm(FLOAT32, gs, 8, contiguous(gs), contiguous(gs), A, A);
        assertEquals("group_norm_rows_f32_n16", p.kernel());
        assertEquals(new LaunchConfig(1024, 1, 256), p.launch());
        // its dX: x and dY held, 16 each
        p = CudaFastRows.groupNormBackward(FLOAT32, gs, 8, contiguous(gs), contiguous(gs), contiguous(gs), A, A, A);
        assertEquals("group_norm_rows_backward_f32_n16", p.kernel());
        // the large groups' dX (32768 floats) exceed what x and dY in registers allow: generic kernel
        assertNull(CudaFastRows.groupNormBackward(FLOAT32, gn, 32, contiguous(gn), contiguous(gn), contiguous(gn), A, A, A));
        // dY transposed: generic
        assertNull(CudaFastRows.groupNormBackward(FLOAT32, gs, 8, contiguous(gs), new int[]{25088, 784, 1, 28}, contiguous(gs), A, A, A));
        // its dGamma/dBeta: 32 channels × 16 chunks of 8 samples (a warp per (n, c) run) on 132 SMs
        assertEquals(8, CudaFastRows.groupNormParamGradSamples(FLOAT32, gs, contiguous(gs), contiguous(gs), 132));
        // [64, 256, 64, 64]: 256 channels × 5 chunks of 13 samples (the last 12)
        assertEquals(13, CudaFastRows.groupNormParamGradSamples(FLOAT32, gn, contiguous(gn), contiguous(gn), 132));
    }

    @Test void layerNormBackwardTakesTheRegisterKernelsForDenseRowsOnly() {
        int[] a = {65536, 1024}, b = {8192, 4096}, one = {1};
        // [65536, 1024]: a warp per row, 32 floats of x and of dY a lane
        CudaFastRows p = CudaFastRows.layerNormBackward(FLOAT32, a, 1, contiguous(a), contiguous(a), contiguous(a), one, one, one, A, A, A, A);
        assertEquals("layer_norm_rows_backward_f32_n32", p.kernel());
        assertTrue(p.warpRows() && p.vec());
        assertArrayEquals(new int[]{1024, 1024, 1, 1, 1024}, p.ld());
        assertEquals(new LaunchConfig(16384, 1, 128), p.launch());
        // [8192, 4096]: a block of 256 per row, 16 each; float64 the same block with n16
        p = CudaFastRows.layerNormBackward(FLOAT32, b, 1, contiguous(b), contiguous(b), contiguous(b), one, one, one, A, A, A, A);
        assertEquals("layer_norm_rows_backward_f32_n16", p.kernel());
        assertEquals(new LaunchConfig(8192, 1, 256), p.launch());
        assertEquals("layer_norm_rows_backward_f64_n16",
                CudaFastRows.layerNormBackward(FLOAT64, b, 1, contiguous(b), contiguous(b), contiguous(b), one, one, one, A, A, A, A).kernel());
        // dX misaligned: scalar; γ absent: still taken
        assertFalse(CudaFastRows.layerNormBackward(FLOAT32, b, 1, contiguous(b), contiguous(b), contiguous(b), one, one, one, A, A, A + 4, A).vec());
        assertNotNull(CudaFastRows.layerNormBackward(FLOAT32, b, 1, contiguous(b), contiguous(b), contiguous(b), one, one, null, A, A, A, 0));
        // rows of 16385 floats (8193 doubles) exceed what x and dY in registers allow
        int[] f = {4, 16385}, e = {4, 8193};
        assertNotNull(CudaFastRows.layerNormBackward(FLOAT32, new int[]{4, 16384}, 1, contiguous(4, 16384), contiguous(4, 16384),
                contiguous(4, 16384), one, one, one, A, A, A, A));
        assertNull(CudaFastRows.layerNormBackward(FLOAT32, f, 1, contiguous(f), contiguous(f), contiguous(f), one, one, one, A, A, A, A));
        assertNull(CudaFastRows.layerNormBackward(FLOAT64, e, 1, contiguous(e), contiguous(e), contiguous(e), one, one, one, A, A, A, A));
        // dY transposed, γ strided, or rows not evenly spaced: generic
        int[] t = {4, 6};
        assertNull(CudaFastRows.layerNormBackward(FLOAT32, t, 1, new int[]{1, 4}, contiguous(t), contiguous(t), one, one, one, A, A, A, A));
        assertNull(CudaFastRows.layerNormBackward(FLOAT32, t, 1, contiguous(t), contiguous(t), contiguous(t), one, one, new int[]{2}, A, A, A, A));
        int[] u = {2, 3, 8};
        assertNull(CudaFastRows.layerNormBackward(FLOAT32, u, 1, new int[]{32, 8, 1}, contiguous(u), contiguous(u), new int[]{3, 1}, new int[]{3, 1},
                one, A, A, A, A));
        // parameter gradients: dense rows and dense dGamma/dBeta only, any row length
        assertArrayEquals(new int[]{4096, 4096, 1, 1},
                CudaFastRows.layerNormParamGradRows(FLOAT32, b, 1, contiguous(b), contiguous(b), one, one, one, one));
        assertNotNull(CudaFastRows.layerNormParamGradRows(FLOAT32, f, 1, contiguous(f), contiguous(f), one, one, one, one));
        assertNull(CudaFastRows.layerNormParamGradRows(FLOAT32, t, 1, contiguous(t), contiguous(t), one, one, new int[]{2}, one));
        assertNull(CudaFastRows.layerNormParamGradRows(FLOAT32, t, 1, new int[]{1, 4}, contiguous(t), one, one, one, one));
        assertNull(CudaFastRows.layerNormParamGradRows(DType.FLOAT16, t, 1, contiguous(t), contiguous(t), one, one, one, one));
    }

    @Test void groupNormParameterGradientsChunkSamplesForDenseLayoutsWithLongSpatialRuns() {
        int[] s = {20, 2, 6, 6}, shortS = {64, 4, 5, 6}, flat = {64, 8};
        assertEquals(7, CudaFastRows.groupNormParamGradSamples(FLOAT32, s, contiguous(s), contiguous(s), 132));  // 3 chunks of 7, 7, 6
        int[] wide = {20, 8, 6, 6};
        assertEquals(20, CudaFastRows.groupNormParamGradSamples(FLOAT32, wide, contiguous(wide), contiguous(wide), 1));  // 8 blocks for 1 SM: one chunk
        assertEquals(0, CudaFastRows.groupNormParamGradSamples(FLOAT32, shortS, contiguous(shortS), contiguous(shortS), 132));  // S = 30
        assertEquals(0, CudaFastRows.groupNormParamGradSamples(FLOAT32, flat, contiguous(flat), contiguous(flat), 132));  // no spatial dims
        assertEquals(0, CudaFastRows.groupNormParamGradSamples(FLOAT32, s, contiguous(s), new int[]{72, 36, 1, 6}, 132));  // dY transposed
        assertEquals(0, CudaFastRows.groupNormParamGradSamples(DType.BFLOAT16, s, contiguous(s), contiguous(s), 132));
    }

    @Test void everyPlanCoversItsRunWithinItsVariantsThreadLimit() {
        for (Family f : Family.values())
            for (DType dt : new DType[]{FLOAT32, FLOAT64}) {
                Map<Integer, Integer> maxThreads = new HashMap<>();
                for (int[] v : f.variants(dt)) maxThreads.put(v[0], v[1]);
                int longest = 0;
                for (int[] v : f.variants(dt)) longest = Math.max(longest, v[0] * v[1]);
                for (int len = 1; len <= longest + 1; len += len < 200 ? 1 : 97) {
                    CudaFastRows p = CudaFastRows.plan(f, dt, 10, len, false, new int[]{len});
                    if (len > longest) {
                        assertNull(p, "len " + len);
                        continue;
                    }
                    assertNotNull(p, f + " " + dt + " len " + len);
                    int threads = p.warpRows() ? 32 : p.launch().blockX();
                    assertTrue((long) threads * p.perThread() >= len, p + " covers " + len);
                    assertTrue(p.launch().blockX() <= maxThreads.get(p.perThread()), p + " within __launch_bounds__");
                    if (p.warpRows()) assertEquals((10 + 3) / 4, p.launch().gridX());
                    else assertEquals(10, p.launch().gridX());
                }
                assertNull(CudaFastRows.plan(f, dt, 10, longest + 1, false, new int[]{1}));
            }
        assertNull(CudaFastRows.plan(Family.SOFTMAX, DType.BFLOAT16, 10, 10, false, new int[]{10}));
    }

    @Test void stridedOrUnevenLayoutsFallBackToTheGenericKernels() {
        // softmax along a dim of stride != 1
        assertNull(CudaFastRows.softmax(false, FLOAT32, new int[]{4, 67, 3}, 1, new int[][]{contiguous(4, 67, 3), contiguous(4, 67, 3)},
                new long[]{A, A}));
        // ... unless it has one element
        assertNotNull(CudaFastRows.softmax(false, FLOAT32, new int[]{4, 1, 3}, 1, new int[][]{contiguous(4, 1, 3), contiguous(4, 1, 3)},
                new long[]{A, A}));
        // rows not evenly spaced: [4, 3, 8] with the middle dim padded
        int[] padded = {40, 10, 1};
        assertNull(CudaFastRows.softmax(false, FLOAT32, new int[]{4, 3, 8}, 2, new int[][]{padded, contiguous(4, 3, 8)}, new long[]{A, A}));
        // evenly spaced rows of a wider storage (a column slice): ld 12 and 8, scalar since 12 % 4 == 0 but 6 is not
        CudaFastRows p = CudaFastRows.softmax(false, FLOAT32, new int[]{5, 6}, 1, new int[][]{{12, 1}, {6, 1}}, new long[]{A, A});
        assertArrayEquals(new int[]{12, 6}, p.ld());
        assertFalse(p.vec());
        // layer norm with transposed trailing dims, or strided γ
        int[] sh = {3, 5, 8};
        assertNull(CudaFastRows.layerNorm(FLOAT32, sh, 2, new int[]{40, 1, 5}, contiguous(sh), new int[]{1}, new int[]{1}, null, null, A, A, 0, 0));
        assertNull(CudaFastRows.layerNorm(FLOAT32, sh, 1, contiguous(sh), contiguous(sh), new int[]{5, 1}, new int[]{5, 1}, new int[]{2},
                new int[]{1}, A, A, A, A));
        p = CudaFastRows.layerNorm(FLOAT32, sh, 2, contiguous(sh), contiguous(sh), new int[]{1}, new int[]{1}, null, null, A, A, 0, 0);
        assertArrayEquals(new int[]{40, 40, 1, 1}, p.ld());
        assertTrue(p.vec());
        // group norm of a non-contiguous x
        int[] g = {2, 4, 3, 3};
        assertNull(CudaFastRows.groupNorm(FLOAT32, g, 2, new int[]{36, 9, 1, 3}, contiguous(g), A, A));
        // int64 and the 16-bit types never
        assertNull(CudaFastRows.groupNorm(DType.FLOAT16, g, 2, contiguous(g), contiguous(g), A, A));
    }

    @Test void vectorsNeedWholeVectorsAndAlignedAddresses() {
        assertTrue(CudaFastRows.vectorizable(FLOAT32, 8, new int[]{8, 16}, A, A + 32));
        assertFalse(CudaFastRows.vectorizable(FLOAT32, 8, new int[]{8, 16}, A, A + 4), "an offset view");
        assertFalse(CudaFastRows.vectorizable(FLOAT32, 6, new int[]{8}, A), "a row of 6 floats");
        assertFalse(CudaFastRows.vectorizable(FLOAT32, 8, new int[]{10}, A), "rows 10 floats apart");
        assertTrue(CudaFastRows.vectorizable(FLOAT64, 6, new int[]{6}, A + 16), "6 doubles are 3 double2");
        assertFalse(CudaFastRows.vectorizable(FLOAT64, 6, new int[]{6}, A + 8));
        // group norm: S (not only Cg·S) must be whole vectors, so no vector straddles two channels
        int[] g = {2, 4, 3, 2};
        assertFalse(CudaFastRows.groupNorm(FLOAT32, g, 2, contiguous(g), contiguous(g), A, A).vec());
        int[] h = {2, 4, 2, 2};
        assertTrue(CudaFastRows.groupNorm(FLOAT32, h, 2, contiguous(h), contiguous(h), A, A).vec());
        assertFalse(CudaFastRows.groupNorm(FLOAT32, h, 2, contiguous(h), contiguous(h), A + 4, A).vec());
    }

    @Test void launchBoundsInNormCuAgreeWithTheVariantTable() throws IOException {
        String src = Files.readString(CudaSourcesTest.DIR.resolve("norm.cu"));
        assertInstancesMatch(src, "JD_NORM_ROWS", Family.LAYER_NORM);
        assertInstancesMatch(src, "JD_GROUP_NORM_ROWS_BACKWARD", Family.GROUP_NORM_BACKWARD);
        assertInstancesMatch(src, "JD_LAYER_NORM_ROWS_BACKWARD", Family.LAYER_NORM_BACKWARD);
        String sm = Files.readString(CudaSourcesTest.DIR.resolve("softmax.cu"));
        assertTrue(sm.contains("__launch_bounds__(1024) softmax_rows_##sfx") && sm.contains("__launch_bounds__(1024) softmax_rows_backward_##sfx"));
        for (Family f : new Family[]{Family.SOFTMAX, Family.SOFTMAX_BACKWARD})
            for (DType dt : new DType[]{FLOAT32, FLOAT64})
                for (int[] v : f.variants(dt)) assertEquals(1024, v[1]);
    }

    /** Every {@code MACRO(f32|f64, T, N, B)} instance in {@code src} is a (N, B) row of the family's table, and each row has one. */
    private static void assertInstancesMatch(String src, String macro, Family family) {
        Matcher m = Pattern.compile("(?m)^" + macro + "\\((f32|f64), \\w+, (\\d+), (\\d+)\\)").matcher(src);
        int n = 0;
        while (m.find()) {
            int[][] table = family.variants(m.group(1).equals("f32") ? FLOAT32 : FLOAT64);
            boolean found = false;
            for (int[] v : table) found |= v[0] == Integer.parseInt(m.group(2)) && v[1] == Integer.parseInt(m.group(3));
            assertTrue(found, m.group() + " is not in CudaFastRows.Family." + family);
            n++;
        }
        assertEquals(family.f32.length + family.f64.length, n);
    }
}
