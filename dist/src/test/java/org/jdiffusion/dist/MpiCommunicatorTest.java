package org.jdiffusion.dist;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MPI communicator on 2 and 3 loopback ranks (MpiProbe runs the checks inside each rank). */
class MpiCommunicatorTest {
    @Test void collectivesOnTwoAndThreeRanks() throws Exception {
        for (int n : new int[]{2, 3}) {
            MpiRun.Result r = MpiRun.run(n, 90, Map.of(), MpiProbe.class.getName(), "collectives");
            assertEquals(0, r.status(), r.output());
            for (String check : new String[]{"allreduce-f32", "allreduce-f64-view", "allreduce-async", "broadcast", "barrier"})
                for (int rank = 0; rank < n; rank++)
                    assertTrue(r.output().contains("ok " + check + " rank " + rank), check + " on rank " + rank + " of " + n + ":\n" + r.output());
            // every rank received the same bits
            assertEquals(1, r.output().lines().filter(l -> l.startsWith("ok allreduce-f32")).map(l -> l.replaceAll(".*hash ", "")).distinct().count(),
                    r.output());
        }
    }

    @Test void aStalledRankEndsTheJobAtTheTimeout() throws Exception {
        long t0 = System.nanoTime();
        MpiRun.Result r = MpiRun.run(2, 60, Map.of(), MpiProbe.class.getName(), "stall", "2");
        double s = (System.nanoTime() - t0) / 1e9;
        assertNotEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("rank 0 of 2: all-reduce of 4 float32 values did not finish within 2 s: another rank died or stalled"),
                r.output());
        assertTrue(s < 45, "ended after " + s + " s");
    }

    @Test void aRankThatDiesEndsTheOthers() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 60, Map.of(), MpiProbe.class.getName(), "die", "30");
        assertEquals(7, r.status(), r.output());
        assertTrue(r.output().contains("exited with non-zero status") || r.output().contains("non-zero exit code"), r.output());
    }
}
