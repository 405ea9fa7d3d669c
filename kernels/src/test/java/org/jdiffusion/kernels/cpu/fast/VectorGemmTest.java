package org.jdiffusion.kernels.cpu.fast;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** VectorGemm (parallel and serial) against a float64 triple loop on random operands of odd sizes, all transposes. */
class VectorGemmTest {

    @ParameterizedTest
    @CsvSource({
            "1,1,1,false,false,false", "7,13,5,false,false,false", "6,32,256,false,false,true",
            "97,65,300,false,false,false", "64,128,576,true,false,true", "33,47,19,false,true,false",
            "13,100,257,true,true,true", "150,40,8,false,false,false", "40,700,30,false,true,false",
            "200,90,520,true,false,false"})
    void matchesFloat64Reference(int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        SplittableRandom rnd = new SplittableRandom(31L * m + 7L * n + k);
        float[] a = random(rnd, m * k), b = random(rnd, k * n);
        int ldcPad = 3;
        float[] c = random(rnd, m * (n + ldcPad));
        float[] c0 = c.clone();
        // A stored [M, K] row-major, or [K, M] (transposed view); likewise B
        int aRs = transA ? 1 : k, aCs = transA ? m : 1, bRs = transB ? 1 : n, bCs = transB ? k : 1;
        float[] cSerial = c.clone();
        VectorGemm.sgemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0, n + ldcPad, accumulate);
        VectorGemm.sgemmSerial(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, cSerial, 0, n + ldcPad, accumulate);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n + ldcPad; j++) {
                int ci = i * (n + ldcPad) + j;
                if (j >= n) { assertEquals(c0[ci], c[ci], 0f, "padding column written at " + i + "," + j); continue; }
                double s = accumulate ? c0[ci] : 0;
                double mag = Math.abs(s);
                for (int p = 0; p < k; p++) {
                    double prod = (double) a[i * aRs + p * aCs] * b[p * bRs + j * bCs];
                    s += prod;
                    mag += Math.abs(prod);
                }
                assertEquals(s, c[ci], 1e-6 * mag + 1e-6, "C[" + i + "," + j + "]");
                assertEquals(s, cSerial[ci], 1e-6 * mag + 1e-6, "serial C[" + i + "," + j + "]");
            }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }
}
