package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * One fused Adam/AdamW step over every parameter of a model in a single parallel pass, the update
 * of {@link AdamHyper} in float32 arithmetic (PyTorch's opmath for float32):
 * <pre>
 *   g' = g + λ·p (L2)  or  p' = p·(1 − lr·λ) (decoupled)
 *   m ← β1·m + (1 − β1)·g'          v ← β2·v + (1 − β2)·g'²
 *   p ← p' − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * </pre>
 * p, g, m, v float32 CPU tensors, contiguous, one shape per position (checked by
 * {@code tensor.Optim}); p, m, v updated in place. Per element 4 loads, 3 stores and about 12
 * FLOPs (one sqrt, one divide): 28 bytes moved. The vector body and the scalar tail round alike,
 * so the result does not depend on where {@link FlatPieces} cuts, i.e. on the thread count.
 */
public final class FastAdamW {
    private FastAdamW() {}

    /** Step {@code h.step()} over all the parameters at once. */
    public static void step(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h) {
        step(params, grads, m, v, h, FlatPieces.pieces(FlatPieces.total(params)));
    }

    /** The same with the element range cut into {@code pieces} (tests vary it to stand for thread counts). */
    static void step(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h, int pieces) {
        float decay = (float) h.paramDecay(), l2 = (float) h.l2();
        float b1 = (float) h.beta1(), b2 = (float) h.beta2();
        float stepSize = (float) h.stepSize(), invSqrtBc2 = (float) (1 / h.bias2Sqrt()), eps = (float) h.eps();
        FlatPieces.run(params, pieces, (i, a, b) ->
                run(params.get(i), grads.get(i), m.get(i), v.get(i), a, b, decay, l2, b1, b2, stepSize, invSqrtBc2, eps));
    }

    /** Elements [a, b) of one parameter. */
    private static void run(Tensor pt, Tensor gt, Tensor mt, Tensor vt, int a, int b,
                            float decay, float l2, float b1, float b2, float stepSize, float invSqrtBc2, float eps) {
        float[] p = data(pt), g = data(gt), m = data(mt), v = data(vt);
        int po = pt.offset(), go = gt.offset(), mo = mt.offset(), vo = vt.offset();
        boolean useL2 = l2 != 0;
        float c1 = 1 - b1, c2 = 1 - b2;
        FloatVector vDecay = FloatVector.broadcast(S, decay), vL2 = FloatVector.broadcast(S, l2);
        FloatVector vb1 = FloatVector.broadcast(S, b1), vb2 = FloatVector.broadcast(S, b2);
        FloatVector vc1 = FloatVector.broadcast(S, c1), vc2 = FloatVector.broadcast(S, c2);
        FloatVector vStep = FloatVector.broadcast(S, -stepSize), vInv = FloatVector.broadcast(S, invSqrtBc2), vEps = FloatVector.broadcast(S, eps);
        int j = a;
        for (; j <= b - L; j += L) {
            FloatVector pv = FloatVector.fromArray(S, p, po + j), gv = FloatVector.fromArray(S, g, go + j);
            if (useL2) gv = pv.fma(vL2, gv);
            else pv = pv.mul(vDecay);
            FloatVector mv = FloatVector.fromArray(S, m, mo + j).mul(vb1).add(gv.mul(vc1));
            FloatVector vv = FloatVector.fromArray(S, v, vo + j).mul(vb2).add(gv.mul(gv).mul(vc2));
            FloatVector denom = vv.sqrt().fma(vInv, vEps);
            mv.div(denom).fma(vStep, pv).intoArray(p, po + j);
            mv.intoArray(m, mo + j);
            vv.intoArray(v, vo + j);
        }
        for (; j < b; j++) {                                              // the same operations, one lane
            float pj = p[po + j], gj = g[go + j];
            if (useL2) gj = Math.fma(pj, l2, gj);
            else pj = pj * decay;
            float mj = m[mo + j] * b1 + gj * c1, vj = v[vo + j] * b2 + gj * gj * c2;
            p[po + j] = Math.fma(mj / Math.fma((float) Math.sqrt(vj), invSqrtBc2, eps), -stepSize, pj);
            m[mo + j] = mj;
            v[vo + j] = vj;
        }
    }
}
