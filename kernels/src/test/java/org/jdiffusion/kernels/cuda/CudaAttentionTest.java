package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attention launcher's choices without a GPU: variant per head dim, grid sizes, strides, and that attention.cu agrees. */
class CudaAttentionTest {
    @Test void exactVariantsOnlyWhereDEqualsDvEqualsTheirHeadDim() {
        assertEquals(CudaAttention.Variant.D16, CudaAttention.Variant.of("attention", 16, 16));
        assertEquals(CudaAttention.Variant.D32, CudaAttention.Variant.of("attention", 32, 32));
        assertEquals(CudaAttention.Variant.D64, CudaAttention.Variant.of("attention", 64, 64));
        assertEquals(CudaAttention.Variant.D128, CudaAttention.Variant.of("attention", 128, 128));
        for (int[] dd : new int[][]{{64, 32}, {16, 17}, {1, 1}, {0, 0}, {256, 256}, {200, 7}, {48, 48}})
            assertEquals(CudaAttention.Variant.ANY, CudaAttention.Variant.of("attention", dd[0], dd[1]), dd[0] + "x" + dd[1]);
    }

    @Test void headDimsPastTheLimitNameTheSupportedOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> CudaAttention.Variant.of("attentionBackward", 300, 64));
        assertTrue(e.getMessage().contains("cuda attentionBackward") && e.getMessage().contains("D = 300, Dv = 64")
                && e.getMessage().contains("{16, 32, 64, 128}") && e.getMessage().contains("256"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudaAttention.Variant.of("attention", 8, 257));
    }

    @Test void variantsHoldTheirRowsInWholeWarpsOfOneBlock() {
        for (CudaAttention.Variant v : CudaAttention.Variant.values()) {
            assertEquals(0, LaunchConfig.WARP % v.lanes, v + ": a row's lanes must not straddle warps");
            assertEquals(CudaAttention.THREADS, v.rowsPerBlock() * v.lanes, v.name());
            assertTrue(v.headDim() <= CudaAttention.MAX_HEAD_DIM, v.name());
        }
        assertEquals(CudaAttention.MAX_HEAD_DIM, CudaAttention.Variant.ANY.headDim());
    }

    @Test void gridCoversEveryRowOfEveryHead() {
        // the U-Net's attention: 4 heads of 49 queries, batch 3, 32 rows per block (D = 16)
        assertEquals(new LaunchConfig(2 * 12, 1, CudaAttention.THREADS), CudaAttention.grid("attention", 49, 32, 12));
        assertEquals(1, CudaAttention.grid("attention", 1, 16, 1).gridX());
        assertEquals(7 * 5, CudaAttention.grid("attention", 97, 16, 5).gridX());
        assertEquals(6, CudaAttention.grid("attention", 96, 16, 1).gridX());
        var e = assertThrows(IllegalArgumentException.class, () -> CudaAttention.grid("attention", Integer.MAX_VALUE, 4, 64));
        assertTrue(e.getMessage().contains("cuda attention") && e.getMessage().contains("blocks"), e.getMessage());
    }

    @Test void viewsCarryEachTensorsOwnStrides() {
        Tensor qkv = Tensor.zeros(2, 3, 4, 16, 49);                     // the U-Net's [B, 3, heads, d, T]
        Tensor q = qkv.select(1, 0).transpose(2, 3);                     // [B, heads, T, d], T of unit stride
        assertArrayEquals(new int[]{3 * 4 * 16 * 49, 16 * 49, 1, 49}, CudaAttention.view(q));
        assertArrayEquals(new int[]{0, 0, 7, 1}, CudaAttention.view(Tensor.zeros(1, 1, 5, 7).expand(2, 4, 5, 7)));
        assertArrayEquals(new int[]{4 * 5, 5, 1, 0}, CudaAttention.view(Tensor.zeros(3, 4, 5)));
        assertArrayEquals(new int[4], CudaAttention.view(null));
    }

    /** JD_ATTENTION(name, T, G, DPL, EXACT) lines of attention.cu. */
    private static Map<String, String[]> instantiations(String src) {
        Map<String, String[]> m = new HashMap<>();
        Matcher k = Pattern.compile("(?m)^JD_ATTENTION\\((\\w+), (\\w+), (\\d+), (\\d+), (\\w+)\\)\\s*$").matcher(src);
        while (k.find()) m.put(k.group(1), new String[]{k.group(2), k.group(3), k.group(4), k.group(5)});
        return m;
    }

    @Test void theCudaSourceInstantiatesEveryVariantAsJavaDescribesIt() throws IOException {
        String src = Files.readString(CudaSourcesTest.DIR.resolve("attention.cu"));
        Matcher threads = Pattern.compile("#define ATTN_THREADS (\\d+)").matcher(src);
        assertTrue(threads.find(), "ATTN_THREADS not found");
        assertEquals(CudaAttention.THREADS, Integer.parseInt(threads.group(1)));
        Map<String, String[]> inst = instantiations(src);
        Set<String> kernels = CudaSourcesTest.expandMacros(src);
        for (String dt : new String[]{"f32", "f64"}) {
            assertTrue(kernels.contains("attention_bwd_rowdot_" + dt), "attention_bwd_rowdot_" + dt);
            for (CudaAttention.Variant v : CudaAttention.Variant.values()) {
                String name = v.stem + "_" + dt;
                String[] a = inst.get(name);
                assertTrue(a != null, "attention.cu lacks JD_ATTENTION(" + name + ", ...); has " + inst.keySet());
                assertEquals(dt.equals("f32") ? "float" : "double", a[0], name);
                assertEquals(v.lanes, Integer.parseInt(a[1]), name + " lanes");
                assertEquals(v.dimsPerLane, Integer.parseInt(a[2]), name + " dims per lane");
                assertEquals(v.exact, Boolean.parseBoolean(a[3]), name + " exact");
                for (String k : new String[]{"attention_fwd_", "attention_bwd_dkdv_", "attention_bwd_dq_"})
                    assertTrue(kernels.contains(k + name), k + name + " is launched but not defined");
            }
        }
        assertEquals(2 * CudaAttention.Variant.values().length, inst.size(), "attention.cu has variants Java never launches: " + inst.keySet());
    }
}
