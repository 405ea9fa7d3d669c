package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Float32 scaled dot-product attention, forward and backward, tiled over blocks of query rows: per
 * (b, h) and block of QB rows only the QB × Tk tile of scores exists (in the {@link Scratch} pool),
 * and every product is a serial {@link VectorGemm} reading q, k, v, dOut through their strides.
 * <p>Shapes: q, dQ [B, H, Tq, D]; k, dK [B, H, Tk, D]; v, dV [B, H, Tk, Dv]; mask broadcast to
 * [B, H, Tq, Tk] (additive) or null; out, dOut [B, H, Tq, Dv]; lse [B, H, Tq].
 * <pre>
 *   forward   S = scale·Q_blk·Kᵀ + mask;  P = e^(S − m) rowwise;  out = (P·V)/Σ_j P;  lse = m + log Σ_j P
 *   backward  P = e^(S − lse);  dV += Pᵀ·dO;  dP = dO·Vᵀ;  dS = P ⊙ (dP − rowsum(dO ⊙ O));
 *             dQ = scale·dS·K;  dK += scale·dSᵀ·Q_blk                 (FlashAttention-2, Dao 2023, Alg. 2)
 * </pre>
 * Fully masked rows give out = 0, lse = −∞ and no gradient, as the reference does.
 * FLOPs with BH = B·H: forward 2·BH·Tq·Tk·(D + Dv), backward 2·BH·Tq·Tk·(2D + 2Dv) (+ the recomputed S),
 * plus BH·Tq·Tk exp; bytes: q, k, v, out once per (b, h), the score tile stays in L1/L2.
 */
public final class FastAttention {
    private FastAttention() {}

    /** Floats of the score tile: QB = max(1, TILE / Tk) query rows per block. */
    private static final int TILE = 1 << 14;

    /** A 4-d tensor's array, offset and strides; lse's (3-d) has s3 = 0. */
    private record V4(float[] a, int off, int s0, int s1, int s2, int s3) {
        V4(Tensor t) { this(data(t), t.offset(), t.stride(0), t.stride(1), t.stride(2), t.dim() > 3 ? t.stride(3) : 0); }

        int at(int b, int h, int i) { return off + b * s0 + h * s1 + i * s2; }
    }

    public static void forward(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse) {
        int heads = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2), dv = v.size(3);
        V4 Q = new V4(q), K = new V4(k), Vv = new V4(v), O = new V4(out), LS = new V4(lse), M = mask == null ? null : new V4(mask);
        int qb = Math.max(1, Math.min(tq, TILE / Math.max(1, tk)));
        float sc = (float) scale;
        CpuParallel.forRange(q.size(0) * heads, 1, (lo, hi) -> {
            float[] s = Scratch.get(Scratch.Slot.ATTN_S, qb * tk), ob = Scratch.get(Scratch.Slot.ATTN_DO, qb * dv);
            for (int bh = lo; bh < hi; bh++) {
                int b = bh / heads, h = bh % heads;
                for (int i0 = 0; i0 < tq; i0 += qb) {
                    int rows = Math.min(qb, tq - i0);
                    scores(Q, K, M, b, h, i0, rows, d, tk, sc, s);
                    // P = e^(S − m) in place; ob ← P·V; rows scaled by 1/l
                    float[] inv = Scratch.get(Scratch.Slot.ROW, rows);
                    for (int i = 0; i < rows; i++) {
                        int r = i * tk;
                        float m = FastSoftmax.max(s, r, tk);
                        int lb = LS.at(b, h, i0 + i);
                        if (m == Float.NEGATIVE_INFINITY) {
                            java.util.Arrays.fill(s, r, r + tk, 0f);
                            inv[i] = 0f;
                            LS.a[lb] = Float.NEGATIVE_INFINITY;
                            continue;
                        }
                        double l = expShift(s, r, tk, m);
                        inv[i] = (float) (1 / l);
                        LS.a[lb] = (float) (m + Math.log(l));
                    }
                    VectorGemm.sgemmSerial(rows, dv, tk, s, 0, tk, 1, Vv.a, Vv.at(b, h, 0), Vv.s2, Vv.s3, ob, 0, dv, false);
                    for (int i = 0; i < rows; i++) {
                        int o = O.at(b, h, i0 + i);
                        for (int e = 0; e < dv; e++) O.a[o + e * O.s3] = ob[i * dv + e] * inv[i];
                    }
                }
            }
        });
    }

    public static void backward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                                Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV) {
        int heads = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2), dv = v.size(3);
        V4 Q = new V4(q), K = new V4(k), Vv = new V4(v), O = new V4(out), LS = new V4(lse), G = new V4(dOut);
        V4 GQ = new V4(dQ), GK = new V4(dK), GV = new V4(dV), M = mask == null ? null : new V4(mask);
        int qb = Math.max(1, Math.min(tq, TILE / Math.max(1, tk)));
        float sc = (float) scale;
        CpuParallel.forRange(q.size(0) * heads, 1, (lo, hi) -> {
            float[] s = Scratch.get(Scratch.Slot.ATTN_S, qb * tk), dp = Scratch.get(Scratch.Slot.ATTN_DP, qb * tk);
            float[] dk = Scratch.get(Scratch.Slot.ATTN_DK, tk * d), dvv = Scratch.get(Scratch.Slot.ATTN_DV, tk * dv);
            float[] dq = Scratch.get(Scratch.Slot.ATTN_DQ, qb * d);
            for (int bh = lo; bh < hi; bh++) {
                int b = bh / heads, h = bh % heads;
                for (int i0 = 0; i0 < tq; i0 += qb) {
                    int rows = Math.min(qb, tq - i0);
                    boolean acc = i0 > 0;
                    scores(Q, K, M, b, h, i0, rows, d, tk, sc, s);
                    for (int i = 0; i < rows; i++) {
                        float l = LS.a[LS.at(b, h, i0 + i)];
                        if (l == Float.NEGATIVE_INFINITY) java.util.Arrays.fill(s, i * tk, (i + 1) * tk, 0f);
                        else expShift(s, i * tk, tk, l);
                    }
                    // dV (+)= Pᵀ·dO_blk;  dP = dO_blk·Vᵀ
                    VectorGemm.sgemmSerial(tk, dv, rows, s, 0, 1, tk, G.a, G.at(b, h, i0), G.s2, G.s3, dvv, 0, dv, acc);
                    VectorGemm.sgemmSerial(rows, tk, dv, G.a, G.at(b, h, i0), G.s2, G.s3, Vv.a, Vv.at(b, h, 0), Vv.s3, Vv.s2, dp, 0, tk, false);
                    // dS = P ⊙ (dP − D_i), D_i = dO_i·O_i, into dp
                    for (int i = 0; i < rows; i++) {
                        int go = G.at(b, h, i0 + i), oo = O.at(b, h, i0 + i);
                        double di = 0;
                        for (int e = 0; e < dv; e++) di += G.a[go + e * G.s3] * O.a[oo + e * O.s3];
                        dsRow(s, dp, i * tk, tk, (float) di);
                    }
                    // dQ_blk = scale·dS·K;  dK (+)= dSᵀ·Q_blk (scaled once at the end)
                    VectorGemm.sgemmSerial(rows, d, tk, dp, 0, tk, 1, K.a, K.at(b, h, 0), K.s2, K.s3, dq, 0, d, false);
                    for (int i = 0; i < rows; i++) {
                        int o = GQ.at(b, h, i0 + i);
                        for (int c = 0; c < d; c++) GQ.a[o + c * GQ.s3] = sc * dq[i * d + c];
                    }
                    VectorGemm.sgemmSerial(tk, d, rows, dp, 0, 1, tk, Q.a, Q.at(b, h, i0), Q.s2, Q.s3, dk, 0, d, acc);
                }
                for (int j = 0; j < tk; j++) {
                    int ko = GK.at(b, h, j), vo = GV.at(b, h, j);
                    for (int c = 0; c < d; c++) GK.a[ko + c * GK.s3] = sc * dk[j * d + c];
                    for (int e = 0; e < dv; e++) GV.a[vo + e * GV.s3] = dvv[j * dv + e];
                }
            }
        });
    }

    /** s[0:rows, 0:tk] = scale·Q[i0:i0+rows]·Kᵀ + mask. */
    private static void scores(V4 Q, V4 K, V4 M, int b, int h, int i0, int rows, int d, int tk, float sc, float[] s) {
        VectorGemm.sgemmSerial(rows, tk, d, Q.a, Q.at(b, h, i0), Q.s2, Q.s3, K.a, K.at(b, h, 0), K.s3, K.s2, s, 0, tk, false);
        for (int i = 0; i < rows; i++) {
            int r = i * tk;
            if (M == null) {
                FastSoftmax.scale(s, r, tk, sc);
                continue;
            }
            int mo = M.at(b, h, i0 + i);
            if (M.s3 == 1) {
                FloatVector sv = FloatVector.broadcast(S, sc);
                int j = 0;
                for (; j <= tk - L; j += L)
                    FloatVector.fromArray(S, s, r + j).fma(sv, FloatVector.fromArray(S, M.a, mo + j)).intoArray(s, r + j);
                for (; j < tk; j++) s[r + j] = s[r + j] * sc + M.a[mo + j];
            } else {
                for (int j = 0; j < tk; j++) s[r + j] = s[r + j] * sc + M.a[mo + j * M.s3];
            }
        }
    }

    /** dp[r + j] ← s[r + j]·(dp[r + j] − di) for j < n (dS from P and dP). */
    private static void dsRow(float[] s, float[] dp, int r, int n, float di) {
        FloatVector dvec = FloatVector.broadcast(S, di);
        int j = 0;
        for (; j <= n - L; j += L)
            FloatVector.fromArray(S, s, r + j).mul(FloatVector.fromArray(S, dp, r + j).sub(dvec)).intoArray(dp, r + j);
        for (; j < n; j++) dp[r + j] = s[r + j] * (dp[r + j] - di);
    }

    /** s[r + j] ← e^(s[r + j] − m) for j < n; returns Σ_j of the new values (in float64). */
    private static double expShift(float[] s, int r, int n, float m) {
        FloatVector mv = FloatVector.broadcast(S, m), acc = FloatVector.zero(S);
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector e = VMath.exp(FloatVector.fromArray(S, s, r + j).sub(mv));
            e.intoArray(s, r + j);
            acc = acc.add(e);
        }
        double sum = VMath.sum(acc);
        for (; j < n; j++) {
            float e = (float) Math.exp(s[r + j] - m);
            s[r + j] = e;
            sum += e;
        }
        return sum;
    }
}
