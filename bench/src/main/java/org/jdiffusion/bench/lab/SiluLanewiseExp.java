package org.jdiffusion.bench.lab;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lab version of SiLU, x/(1 + e^−x), with the Vector API's own {@code lanewise(EXP)} (a call into
 * the JDK's vector math library per vector) in place of the production polynomial of
 * {@code VMath.exp}: y[i] = silu(x[i]) over n contiguous float32 (8 bytes moved per element).
 */
public final class SiluLanewiseExp {
    private SiluLanewiseExp() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    public static void silu(float[] x, float[] y, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i <= n - S.length(); i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            v.div(v.neg().lanewise(VectorOperators.EXP).add(one)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] = (float) (x[i] / (1 + Math.exp(-x[i])));
    }
}
