package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * One fused AdamW step (Loshchilov and Hutter, "Decoupled weight decay regularization", ICLR 2019)
 * over every parameter of a model in a single parallel pass, in the form PyTorch's AdamW computes:
 * <pre>
 *   p ← p·(1 − lr·λ)
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * </pre>
 * p, g, m, v float32 CPU tensors, contiguous, one shape per parameter; p, m, v updated in place.
 * Per element 4 loads, 3 stores and about 12 FLOPs (one sqrt, one divide): 28 bytes moved.
 */
public final class FastAdamW {
    private FastAdamW() {}

    /** Hyper-parameters: learning rate, the two moment decays, ε and the decoupled weight decay λ. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public Config {
            if (!(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0) || !(weightDecay >= 0))
                throw new IllegalArgumentException("AdamW: expected lr ≥ 0, 0 ≤ β1, β2 < 1, ε > 0, λ ≥ 0, got " + this);
        }
    }

    /** Step {@code t} (1 for the first) of AdamW over all the parameters at once. */
    public static void step(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, Config c, long t) {
        int count = params.size();
        if (grads.size() != count || m.size() != count || v.size() != count)
            throw new IllegalArgumentException("AdamW: " + count + " parameters but " + grads.size() + " gradients, "
                    + m.size() + " first and " + v.size() + " second moments");
        if (t < 1) throw new IllegalArgumentException("AdamW: step t counts from 1, got " + t);
        long[] start = new long[count + 1];
        for (int i = 0; i < count; i++) {
            Tensor p = params.get(i);
            for (Tensor x : new Tensor[]{p, grads.get(i), m.get(i), v.get(i)}) {
                if (x.dtype() != DType.FLOAT32 || !x.device().equals(Device.CPU) || !x.isContiguous()
                        || !java.util.Arrays.equals(x.shape(), p.shape()))
                    throw new IllegalArgumentException("AdamW: parameter " + i + " " + p.describe() + " needs its gradient and moments "
                            + "as contiguous float32 cpu tensors of its shape, got " + x.describe());
            }
            start[i + 1] = start[i] + p.numel();
        }
        long total = start[count];
        float decay = (float) (1 - c.lr() * c.weightDecay());
        float b1 = (float) c.beta1(), b2 = (float) c.beta2();
        float stepSize = (float) (c.lr() / (1 - Math.pow(c.beta1(), t)));
        float invSqrtBc2 = (float) (1 / Math.sqrt(1 - Math.pow(c.beta2(), t))), eps = (float) c.eps();
        int pieces = (int) Math.max(1, Math.min(4L * CpuParallel.threads(), total / FastRows.GRAIN));
        long per = (total + pieces - 1) / pieces;
        CpuParallel.forRange(pieces, 1, (lo, hi) -> {
            for (int piece = lo; piece < hi; piece++) {
                long e0 = piece * per, e1 = Math.min(total, e0 + per);
                int i = java.util.Arrays.binarySearch(start, e0);
                i = i >= 0 ? i : -i - 2;
                for (; e0 < e1; i++) {
                    if (start[i + 1] <= e0) continue;
                    int a = (int) (e0 - start[i]), b = (int) (Math.min(e1, start[i + 1]) - start[i]);
                    run(params.get(i), grads.get(i), m.get(i), v.get(i), a, b, decay, b1, b2, stepSize, invSqrtBc2, eps);
                    e0 = start[i] + b;
                }
            }
        });
    }

    /** Elements [a, b) of one parameter. */
    private static void run(Tensor pt, Tensor gt, Tensor mt, Tensor vt, int a, int b,
                            float decay, float b1, float b2, float stepSize, float invSqrtBc2, float eps) {
        float[] p = data(pt), g = data(gt), m = data(mt), v = data(vt);
        int po = pt.offset(), go = gt.offset(), mo = mt.offset(), vo = vt.offset();
        FloatVector vDecay = FloatVector.broadcast(S, decay), vb1 = FloatVector.broadcast(S, b1), vb2 = FloatVector.broadcast(S, b2);
        FloatVector c1 = FloatVector.broadcast(S, 1 - b1), c2 = FloatVector.broadcast(S, 1 - b2);
        FloatVector vStep = FloatVector.broadcast(S, -stepSize), vInv = FloatVector.broadcast(S, invSqrtBc2), vEps = FloatVector.broadcast(S, eps);
        int j = a;
        for (; j <= b - L; j += L) {
            FloatVector gv = FloatVector.fromArray(S, g, go + j);
            FloatVector mv = FloatVector.fromArray(S, m, mo + j).mul(vb1).add(gv.mul(c1));
            FloatVector vv = FloatVector.fromArray(S, v, vo + j).mul(vb2).add(gv.mul(gv).mul(c2));
            FloatVector denom = vv.sqrt().fma(vInv, vEps);
            FloatVector pv = FloatVector.fromArray(S, p, po + j).mul(vDecay);
            mv.div(denom).fma(vStep, pv).intoArray(p, po + j);
            mv.intoArray(m, mo + j);
            vv.intoArray(v, vo + j);
        }
        for (; j < b; j++) {
            float gj = g[go + j];
            float mj = m[mo + j] * b1 + gj * (1 - b1), vj = v[vo + j] * b2 + gj * gj * (1 - b2);
            p[po + j] = Math.fma(mj / Math.fma((float) Math.sqrt(vj), invSqrtBc2, eps), -stepSize, p[po + j] * decay);
            m[mo + j] = mj;
            v[vo + j] = vj;
        }
    }
}
