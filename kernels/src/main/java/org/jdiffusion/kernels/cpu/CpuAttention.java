package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * Reference scaled dot-product attention, forward and backward, in float64, one query row at a time
 * (the score matrix is never stored).
 *
 * <p>Shapes: q, dQ [B, H, Tq, D]; k, dK [B, H, Tk, D]; v, dV [B, H, Tk, Dv]; mask [B, H, Tq, Tk]
 * (additive, already broadcast, −∞ blocks) or null; out, dOut [B, H, Tq, Dv]; lse [B, H, Tq].
 *
 * <p>Forward, per row i: s_ij = scale·q_i·k_j + mask_ij, m = max_j s_ij, l = Σ_j exp(s_ij − m),
 * out_i = Σ_j exp(s_ij − m)·v_j / l, lse_i = m + log l. A fully masked row (every s_ij = −∞) gets
 * out_i = 0 and lse_i = −∞. Backward from the saved out and lse: P_ij = exp(s_ij − lse_i),
 * D_i = dO_i·O_i, dS_ij = P_ij·(dO_i·v_j − D_i), dQ_i = scale·Σ_j dS_ij k_j,
 * dK_j = scale·Σ_i dS_ij q_i, dV_j = Σ_i P_ij dO_i (FlashAttention-2's recomputation, Dao 2023, Alg. 2).
 *
 * <p>Cost with BH = B·H: forward ≈ 2·BH·Tq·Tk·(D + Dv) FLOPs, backward ≈ 2·BH·Tq·Tk·(2D + 2Dv) plus
 * BH·Tq·Tk exp. Bytes (per-row recomputation re-reads k, v for every query row): forward
 * BH·(Tq·D + Tq·Tk·(D + Dv + 1) + Tq·Dv) elements, backward about twice that.
 */
final class CpuAttention {
    private CpuAttention() {}

    /** Strides of a 4-d (or 3-d, for lse) tensor and its storage. */
    private record View(HostStorage s, int off, int s0, int s1, int s2, int s3) {
        View(Tensor t) {
            this((HostStorage) t.storage(), t.offset(), t.stride(0), t.stride(1), t.stride(2), t.dim() > 3 ? t.stride(3) : 0);
        }

        /** Offset of element (b, h, i, 0). */
        int row(int b, int h, int i) { return off + b * s0 + h * s1 + i * s2; }
    }

    static void forward(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse) {
        int heads = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2), dv = v.size(3);
        View Q = new View(q), K = new View(k), V = new View(v), O = new View(out), L = new View(lse);
        View M = mask == null ? null : new View(mask);
        int rows = q.size(0) * heads * tq;
        CpuParallel.forRange(rows, Math.max(1, 16384 / Math.max(1, tk * (d + dv))), (lo, hi) -> {
            double[] s = new double[tk], acc = new double[dv], qi = new double[d];
            for (int row = lo; row < hi; row++) {
                int b = row / (heads * tq), h = row / tq % heads, i = row % tq;
                int qb = Q.row(b, h, i), ob = O.row(b, h, i);
                for (int c = 0; c < d; c++) qi[c] = Q.s.get(qb + c * Q.s3);
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < tk; j++) {
                    s[j] = score(qi, K, b, h, j, scale) + (M == null ? 0 : M.s.get(M.row(b, h, i) + j * M.s3));
                    m = Math.max(m, s[j]);
                }
                int lb = L.row(b, h, i);
                if (m == Double.NEGATIVE_INFINITY) {
                    for (int e = 0; e < dv; e++) O.s.set(ob + e * O.s3, 0);
                    L.s.set(lb, Double.NEGATIVE_INFINITY);
                    continue;
                }
                java.util.Arrays.fill(acc, 0);
                double l = 0;
                for (int j = 0; j < tk; j++) {
                    double p = Math.exp(s[j] - m);
                    l += p;
                    int vb = V.row(b, h, j);
                    for (int e = 0; e < dv; e++) acc[e] += p * V.s.get(vb + e * V.s3);
                }
                for (int e = 0; e < dv; e++) O.s.set(ob + e * O.s3, acc[e] / l);
                L.s.set(lb, m + Math.log(l));
            }
        });
    }

    static void backward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                         Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV) {
        int batch = q.size(0), heads = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2), dv = v.size(3);
        View Q = new View(q), K = new View(k), V = new View(v), O = new View(out), L = new View(lse), G = new View(dOut);
        View GQ = new View(dQ), GK = new View(dK), GV = new View(dV);
        View M = mask == null ? null : new View(mask);
        // one task per (b, h): it alone writes dQ[b, h], dK[b, h], dV[b, h]
        CpuParallel.forRange(batch * heads, 1, (lo, hi) -> {
            double[] dk = new double[tk * d], dvv = new double[tk * dv], qi = new double[d], gi = new double[dv], dq = new double[d];
            for (int bh = lo; bh < hi; bh++) {
                int b = bh / heads, h = bh % heads;
                java.util.Arrays.fill(dk, 0);
                java.util.Arrays.fill(dvv, 0);
                for (int i = 0; i < tq; i++) {
                    int qb = Q.row(b, h, i), gb = G.row(b, h, i), ob = O.row(b, h, i), dqb = GQ.row(b, h, i);
                    double lsei = L.s.get(L.row(b, h, i));
                    if (lsei == Double.NEGATIVE_INFINITY) { // fully masked row: constant output, no gradient
                        for (int c = 0; c < d; c++) GQ.s.set(dqb + c * GQ.s3, 0);
                        continue;
                    }
                    for (int c = 0; c < d; c++) qi[c] = Q.s.get(qb + c * Q.s3);
                    double di = 0;
                    for (int e = 0; e < dv; e++) {
                        gi[e] = G.s.get(gb + e * G.s3);
                        di += gi[e] * O.s.get(ob + e * O.s3);
                    }
                    java.util.Arrays.fill(dq, 0);
                    for (int j = 0; j < tk; j++) {
                        double sij = score(qi, K, b, h, j, scale) + (M == null ? 0 : M.s.get(M.row(b, h, i) + j * M.s3));
                        double p = Math.exp(sij - lsei);
                        int vb = V.row(b, h, j), kb = K.row(b, h, j);
                        double dp = 0;
                        for (int e = 0; e < dv; e++) {
                            dp += gi[e] * V.s.get(vb + e * V.s3);
                            dvv[j * dv + e] += p * gi[e];
                        }
                        double ds = p * (dp - di);
                        for (int c = 0; c < d; c++) {
                            dq[c] += ds * K.s.get(kb + c * K.s3);
                            dk[j * d + c] += ds * qi[c];
                        }
                    }
                    for (int c = 0; c < d; c++) GQ.s.set(dqb + c * GQ.s3, scale * dq[c]);
                }
                for (int j = 0; j < tk; j++) {
                    int kb = GK.row(b, h, j), vb = GV.row(b, h, j);
                    for (int c = 0; c < d; c++) GK.s.set(kb + c * GK.s3, scale * dk[j * d + c]);
                    for (int e = 0; e < dv; e++) GV.s.set(vb + e * GV.s3, dvv[j * dv + e]);
                }
            }
        });
    }

    /** scale · q_i · k_j. */
    private static double score(double[] qi, View k, int b, int h, int j, double scale) {
        int kb = k.row(b, h, j);
        double dot = 0;
        for (int c = 0; c < qi.length; c++) dot += qi[c] * k.s.get(kb + c * k.s3);
        return scale * dot;
    }
}
