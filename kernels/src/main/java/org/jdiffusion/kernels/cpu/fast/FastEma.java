package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * The EMA update of many weight tensors in one parallel pass, in float32 arithmetic:
 * s ← d·s + (1 − d)·p, formed as fma(p, 1 − d, s·d). Shadow s and weights p float32, contiguous,
 * one shape per position. Per element 2 loads, 1 store, 3 FLOPs: 12 bytes moved. Vector body and
 * scalar tail round alike, so the result does not depend on the thread count.
 */
public final class FastEma {
    private FastEma() {}

    public static void update(List<Tensor> shadow, List<Tensor> params, double decay) {
        update(shadow, params, decay, FlatPieces.pieces(FlatPieces.total(shadow)));
    }

    /** The same with the element range cut into {@code pieces} (tests vary it to stand for thread counts). */
    static void update(List<Tensor> shadow, List<Tensor> params, double decay, int pieces) {
        float d = (float) decay, c = (float) (1 - decay);
        FlatPieces.run(shadow, pieces, (i, a, b) -> run(shadow.get(i), params.get(i), a, b, d, c));
    }

    private static void run(Tensor st, Tensor pt, int a, int b, float d, float c) {
        float[] s = data(st), p = data(pt);
        int so = st.offset(), po = pt.offset();
        FloatVector vd = FloatVector.broadcast(S, d), vc = FloatVector.broadcast(S, c);
        int j = a;
        for (; j <= b - L; j += L)
            FloatVector.fromArray(S, p, po + j).fma(vc, FloatVector.fromArray(S, s, so + j).mul(vd)).intoArray(s, so + j);
        for (; j < b; j++) s[so + j] = Math.fma(p[po + j], c, s[so + j] * d);
    }
}
