package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Gradcheck.check;
import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ReduceGradTest {
    private static final int[] D02 = {0, 2};

    @Test void sumAll() { check(v -> ReduceFunctions.sum(v[0]), strided(randn(1, 3, 4))); }

    @Test void sumSeveralDimsKeepdim() { check(v -> ReduceFunctions.sum(v[0], D02, true), randn(2, 2, 3, 4)); }

    @Test void sumSeveralDimsDropped() { check(v -> ReduceFunctions.sum(v[0], new int[]{-1, 1}, false), strided(randn(3, 2, 3, 4))); }

    @Test void meanAll() { check(v -> ReduceFunctions.mean(v[0]), randn(4, 3, 4)); }

    @Test void meanSeveralDimsKeepdim() { check(v -> ReduceFunctions.mean(v[0], D02, true), strided(randn(5, 2, 3, 4))); }

    @Test void meanSeveralDimsDropped() { check(v -> ReduceFunctions.mean(v[0], D02, false), randn(6, 2, 3, 4)); }

    @Test void maxKeepdim() { check(v -> ReduceFunctions.max(v[0], new int[]{1}, true), strided(randn(7, 2, 3, 4))); }

    @Test void maxSeveralDimsDropped() { check(v -> ReduceFunctions.max(v[0], new int[]{0, 2}, false), randn(8, 2, 3, 4)); }

    @Test void minAll() { check(v -> ReduceFunctions.min(v[0], new int[0], false), strided(randn(9, 3, 4))); }

    @Test void minSeveralDimsKeepdim() { check(v -> ReduceFunctions.min(v[0], new int[]{1, 2}, true), randn(10, 2, 3, 4)); }

    @Test void maxSplitsTiesEvenly() {
        Variable x = Variable.param(Tensor.of(new double[]{1, 3, 3, 2, 5, 0}, 2, 3));
        ReduceFunctions.max(x, new int[]{1}, false).sum().backward();
        assertArrayEquals(new double[]{0, 0.5, 0.5, 0, 1, 0}, x.grad().toDoubleArray());
    }

    @Test void varUnbiasedKeepdim() { check(v -> ReduceFunctions.var(v[0], D02, 1, true), strided(randn(11, 2, 3, 4))); }

    @Test void varBiasedDropped() { check(v -> ReduceFunctions.var(v[0], new int[]{1}, 0, false), randn(12, 2, 3, 4)); }

    @Test void stdAll() { check("std", v -> ReduceFunctions.std(v[0], new int[0], 1, false), randn(13, 3, 4)); }

    @Test void stdSeveralDimsKeepdim() { check("std", v -> ReduceFunctions.std(v[0], D02, 1, true), strided(randn(14, 2, 3, 4))); }

    @Test void logsumexpKeepdim() { check(v -> ReduceFunctions.logsumexp(v[0], new int[]{1, 2}, true), randn(15, 2, 3, 4)); }

    @Test void logsumexpDropped() { check(v -> ReduceFunctions.logsumexp(v[0], new int[]{0}, false), strided(randn(16, 3, 4).mul(5))); }
}
