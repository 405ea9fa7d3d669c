package org.jdiffusion.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host side of optim.cu's multi-tensor launches without a GPU: the packed table and the chunk sizing. */
class CudaOptimTableTest {

    @Test void theTableHasOptimCusLayout() {
        List<CudaOptim.Entry> es = List.of(
                new CudaOptim.Entry(new long[]{0x7f00_1234_5670L, 0x10L, 0x20L, 0xffff_ffff_fff0L}, 5000),
                new CudaOptim.Entry(new long[]{0x100L, 0x200L, 0x300L, 0x400L}, 1),
                new CudaOptim.Entry(new long[]{0x1_0000_0000L, 0x8L, 0xcL, 0x4L}, 2048));
        CudaOptim.Table t = CudaOptim.table(es, 1024);
        int nt = CudaOptim.MAX_TENSORS, depth = 4;
        // sizeof(TensorTable<4>): u64 addr[4][64], int len[64], int chunk_start[65], int count, a multiple of 8
        assertEquals(8 * depth * nt + 4 * nt + 4 * (nt + 1) + 4, t.packed().length * 4);
        ByteBuffer b = ByteBuffer.allocate(t.packed().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(t.packed());
        for (int d = 0; d < depth; d++)
            for (int i = 0; i < es.size(); i++) assertEquals(es.get(i).addr()[d], b.getLong(8 * (d * nt + i)), "addr[" + d + "][" + i + "]");
        int lenAt = 8 * depth * nt, startAt = lenAt + 4 * nt, countAt = startAt + 4 * (nt + 1);
        assertEquals(5000, b.getInt(lenAt));
        assertEquals(1, b.getInt(lenAt + 4));
        assertEquals(2048, b.getInt(lenAt + 8));
        int[] starts = {0, 5, 6, 8};                                   // ceil(5000/1024) = 5, then 1, then 2 chunks
        for (int i = 0; i < starts.length; i++) assertEquals(starts[i], b.getInt(startAt + 4 * i), "chunk_start[" + i + "]");
        assertEquals(3, b.getInt(countAt));
        assertEquals(8, t.blocks());
    }

    @Test void tablesHoldOneToMaxTensorsPositions() {
        assertThrows(IllegalArgumentException.class, () -> CudaOptim.table(List.of(), 1024));
        List<CudaOptim.Entry> many = new ArrayList<>();
        for (int i = 0; i <= CudaOptim.MAX_TENSORS; i++) many.add(new CudaOptim.Entry(new long[]{16L * i, 0}, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> CudaOptim.table(many, 1024));
        assertTrue(e.getMessage().contains("1.." + CudaOptim.MAX_TENSORS), e.getMessage());
        assertEquals(CudaOptim.MAX_TENSORS, CudaOptim.table(many.subList(0, CudaOptim.MAX_TENSORS), 1024).blocks());
    }

    @Test void chunksAreWholeQuantaAboutEightBlocksPerSm() {
        assertEquals(CudaOptim.CHUNK_QUANTUM, CudaOptim.chunkLength(10, 132));
        assertEquals(CudaOptim.MAX_CHUNK, CudaOptim.chunkLength(4_000_000_000L, 132));
        for (long total : new long[]{1_624_577, 25_000_000, 3_000_000}) {
            int c = CudaOptim.chunkLength(total, 108);
            assertEquals(0, c % CudaOptim.CHUNK_QUANTUM, "chunk " + c);
            long blocks = (total + c - 1) / c;
            assertTrue(blocks >= 8L * 108 * 0.5 && blocks <= 8L * 108 + 1, total + " elements in " + blocks + " blocks of " + c);
        }
    }

    @Test void theTableCapacityAgreesWithOptimCu() throws IOException {
        String src = Files.readString(CudaSourcesTest.DIR.resolve("optim.cu"));
        Matcher m = Pattern.compile("#define OPT_MAX_TENSORS (\\d+)").matcher(src);
        assertTrue(m.find(), "OPT_MAX_TENSORS not found in optim.cu");
        assertEquals(CudaOptim.MAX_TENSORS, Integer.parseInt(m.group(1)));
        // 16-byte vectors of float32 (4 lanes) and float64 (2) never straddle a chunk
        assertEquals(0, CudaOptim.CHUNK_QUANTUM % 4);
    }
}
