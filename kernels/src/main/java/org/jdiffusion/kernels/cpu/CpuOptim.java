package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * Reference kernels of the fused optimizer ops, one position (parameter) after another, each in
 * parallel chunks of its elements. Every element is read into float64, updated in float64 exactly
 * as {@link AdamHyper} (Adam) or {@link org.jdiffusion.tensor.Backend#emaUpdate} (EMA) writes it,
 * and stored back in the tensor's dtype. Tensors are contiguous (the frontend's rule), so element
 * j of a position is storage index offset + j. Bytes moved per element: Adam 7·s (p, g, m, v read;
 * p, m, v written), EMA 3·s; FLOPs about 16 (one sqrt, one division) and 3.
 */
final class CpuOptim {
    private CpuOptim() {}

    /** Elements per parallel chunk. */
    private static final int GRAIN = 1 << 14;

    static void adamStep(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h) {
        double b1 = h.beta1(), b2 = h.beta2(), eps = h.eps(), l2 = h.l2(), decay = h.paramDecay();
        double stepSize = h.stepSize(), bias2Sqrt = h.bias2Sqrt();
        for (int i = 0; i < params.size(); i++) {
            Tensor tp = params.get(i), tg = grads.get(i), tm = m.get(i), tv = v.get(i);
            HostStorage p = host(tp), g = host(tg), ms = host(tm), vs = host(tv);
            int po = tp.offset(), go = tg.offset(), mo = tm.offset(), vo = tv.offset();
            CpuParallel.forRange(tp.numel(), GRAIN, (lo, hi) -> {
                for (int j = lo; j < hi; j++) {
                    double pj = p.get(po + j), gj = g.get(go + j);
                    if (l2 != 0) gj += l2 * pj;                          // L2: g' = g + λ·p
                    else pj *= decay;                                    // decoupled: p' = p·(1 − lr·λ) (1 without decay)
                    double mj = b1 * ms.get(mo + j) + (1 - b1) * gj;
                    double vj = b2 * vs.get(vo + j) + (1 - b2) * gj * gj;
                    pj -= stepSize * mj / (Math.sqrt(vj) / bias2Sqrt + eps);
                    p.set(po + j, pj);
                    ms.set(mo + j, mj);
                    vs.set(vo + j, vj);
                }
            });
        }
    }

    static void emaUpdate(List<Tensor> shadow, List<Tensor> params, double decay) {
        for (int i = 0; i < shadow.size(); i++) {
            Tensor ts = shadow.get(i), tp = params.get(i);
            HostStorage s = host(ts), p = host(tp);
            int so = ts.offset(), po = tp.offset();
            CpuParallel.forRange(ts.numel(), GRAIN, (lo, hi) -> {
                for (int j = lo; j < hi; j++) s.set(so + j, decay * s.get(so + j) + (1 - decay) * p.get(po + j));
            });
        }
    }

    private static HostStorage host(Tensor t) { return (HostStorage) t.storage(); }
}
