package org.jdiffusion.kernels.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchConfigTest {
    @Test void elementwiseGridsCoverSmallInputsAndCapLargeOnes() {
        assertEquals(new LaunchConfig(1, 1, 256), LaunchConfig.elementwise(1, 132));
        assertEquals(4, LaunchConfig.elementwise(1000, 132).gridX());
        assertEquals(132 * 8 * 4, LaunchConfig.elementwise(1L << 30, 132).gridX());
        assertEquals(1, LaunchConfig.elementwise(0, 132).gridX());
    }

    @Test void rowBlocksAreWholeWarpsUpTo1024() {
        assertEquals(32, LaunchConfig.rowBlock(1));
        assertEquals(32, LaunchConfig.rowBlock(128));
        assertEquals(64, LaunchConfig.rowBlock(129));
        assertEquals(256, LaunchConfig.rowBlock(1000));
        assertEquals(1024, LaunchConfig.rowBlock(1 << 20));
    }

    @Test void shortReductionsWithManyOutputsUseOneThreadEach() {
        LaunchConfig.ReducePlan p = LaunchConfig.reduce(100_000, 10, 100);
        assertTrue(p.perThread());
        assertEquals(1, p.launch().gridY());
    }

    @Test void longReductionsWithFewOutputsAreSplitIntoChunksThatCoverEveryElement() {
        for (int nInner : new int[]{1, 33, 4095, 200_000, 10_000_000}) {
            for (int nOut : new int[]{1, 2, 7, 5000}) {
                LaunchConfig.ReducePlan p = LaunchConfig.reduce(nOut, nInner, 108);
                assertFalse(p.perThread() && nInner > 32);
                assertTrue((long) p.chunks() * p.chunkLen() >= nInner, p.toString());
                assertTrue((long) (p.chunks() - 1) * p.chunkLen() < Math.max(1, nInner), "no empty chunk: " + p);
                assertEquals(p.chunks(), p.launch().gridY());
                assertTrue(p.chunks() <= 1024);
            }
        }
        assertTrue(LaunchConfig.reduce(1, 10_000_000, 108).chunks() > 1);
        assertEquals(1, LaunchConfig.reduce(100_000, 4096, 108).chunks());
    }

    @Test void invalidConfigurationsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 48));
        assertTrue(e.getMessage().contains("block 48"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(0, 1, 32));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 70000, 32));
    }
}
