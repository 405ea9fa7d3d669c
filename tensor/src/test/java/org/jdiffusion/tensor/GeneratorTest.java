package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generator bookkeeping: (seed, offset) is the whole state, advance reserves counters, fork splits streams. */
class GeneratorTest {

    @Test
    void advanceReservesConsecutiveCounters() {
        Generator g = new Generator(42);
        assertEquals(0, g.advance(6));
        assertEquals(6, g.advance(10));
        assertEquals(16, g.advance(0));
        assertEquals(16, g.offset());
        assertEquals(42, g.seed());
        Generator h = new Generator(7, 1L << 40);
        assertEquals(1L << 40, h.advance(3));
        assertEquals((1L << 40) + 3, h.offset());
    }

    @Test
    void stateRestoreReplays() {
        Generator g = new Generator(-9);
        g.advance(123);
        Generator.State s = g.state();
        assertEquals(new Generator.State(-9, 123), s);
        long next = g.advance(5);
        Generator r = Generator.restore(s);
        assertEquals(next, r.advance(5));
        assertEquals(g.state(), r.state());
        // the saved state is a value: advancing the source does not change it
        assertEquals(123, s.offset());
    }

    @Test
    void forkIsDeterministicIndependentAndLeavesTheParentAlone() {
        Generator g = new Generator(2024);
        g.advance(17);
        Generator a = g.fork(0), b = g.fork(0), c = g.fork(1);
        assertEquals(a.seed(), b.seed());
        assertEquals(0, a.offset());
        assertNotEquals(a.seed(), c.seed());
        assertNotEquals(g.seed(), a.seed());
        assertEquals(17, g.offset(), "fork must not advance the parent");
        assertNotEquals(new Generator(2025).fork(0).seed(), a.seed());
        Set<Long> seeds = new HashSet<>();
        for (long s = 0; s < 64; s++) for (long stream = 0; stream < 16; stream++) seeds.add(new Generator(s).fork(stream).seed());
        assertEquals(64 * 16, seeds.size(), "forked seeds should not collide on small (seed, stream) grids");
    }

    @Test
    void toStringShowsTheState() {
        Generator g = new Generator(5, 9);
        assertTrue(g.toString().contains("seed=5") && g.toString().contains("offset=9"), g.toString());
    }
}
