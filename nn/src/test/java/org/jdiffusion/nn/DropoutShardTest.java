package org.jdiffusion.nn;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Dropout on a data-parallel shard draws the shard's rows of the one-process mask and leaves the generator where one process would. */
class DropoutShardTest {
    @Test void shardsDrawTheirRowsOfTheGlobalMask() {
        Tensor x = Rand.normal(new Generator(1), 7, 3, 4);
        Sequential whole = new Sequential(new Dropout(0.5, null));
        whole.train();
        Generator g = new Generator(9);
        whole.setDropoutGenerator(g);
        float[] ref = whole.forward(Variable.constant(x)).data().toFloatArray();
        long after = g.offset();
        int[][] shards = {{0, 2}, {2, 3}, {5, 2}};
        for (int[] sh : shards) {
            Sequential part = new Sequential(new Dropout(0.5, null));
            part.train();
            Generator gp = new Generator(9);
            part.setDropoutGenerator(gp);
            part.setBatchShard(sh[0], 7);
            float[] got = part.forward(Variable.constant(x.narrow(0, sh[0], sh[1]))).data().toFloatArray();
            float[] want = java.util.Arrays.copyOfRange(ref, sh[0] * 12, (sh[0] + sh[1]) * 12);
            assertArrayEquals(want, got, "rows " + sh[0] + ".." + (sh[0] + sh[1]));
            assertEquals(after, gp.offset(), "the generator moves past the whole global draw");
        }
    }

    @Test void aShardOutsideTheBatchIsAnError() {
        Sequential m = new Sequential(new Dropout(0.5, null));
        assertThrows(IllegalArgumentException.class, () -> m.setBatchShard(7, 7));
        m.train();
        m.setDropoutGenerator(new Generator(1));
        m.setBatchShard(5, 7);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.forward(Variable.constant(Tensor.zeros(3, 2))));
        assertEquals("Dropout: a shard of 3 rows at 5 does not fit the global batch of 7", e.getMessage());
    }
}
