package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector-lane Philox draws against the reference element by element: the same bits for every distribution and dtype. */
class FastRandomTest {

    @ParameterizedTest
    @CsvSource({
            "UNIFORM, FLOAT32, -1, 2", "UNIFORM, FLOAT64, 0, 1", "NORMAL, FLOAT32, 0.5, 2", "NORMAL, FLOAT64, 0, 1",
            "INTEGER, INT64, -5, 1000003", "INTEGER, FLOAT32, 0, 11", "BERNOULLI, FLOAT32, 0.9, 0", "BERNOULLI, FLOAT64, 0.3, 0",
            "BERNOULLI, INT64, 0.5, 0", "UNIFORM, INT64, 0, 100"})
    void sameValuesAsTheReference(Philox.Distribution dist, DType dt, double a, double b) {
        // offsets across the 2^32 boundary of the counter's low word, odd sizes for the lane tail
        for (long offset : new long[]{0, 12345, (1L << 32) - 5}) {
            for (int n : new int[]{1, 7, 10007}) {
                long seed = 0x1234_5678_9ABCL + n;
                Tensor fast = poisoned(dt == DType.INT64 ? DType.FLOAT32 : dt, n);
                if (dt == DType.INT64) fast = Tensor.zeros(DType.INT64, fast.device(), n);
                Tensor ref = fast.copy();
                FAST.random(dist, seed, offset, a, b, fast);
                REF.random(dist, seed, offset, a, b, ref);
                double[] f = fast.toDoubleArray(), r = ref.toDoubleArray();
                for (int i = 0; i < n; i++)
                    assertEquals(r[i], f[i], 0.0, dist + " " + dt + " offset " + offset + " element " + i);
            }
        }
    }
}
