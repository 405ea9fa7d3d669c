package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;

/**
 * conv2dBackwardInput for stride s > 1 as s_H·s_W stride-1 convolutions, one per phase of dX, on the
 * forward engine ({@link FastConv#run}): no col matrix, no scatter. Per dimension (stride s, padding
 * p, dilation d), the input row ih = s·u + a (phase a < s) receives
 * <pre>
 *   dX[c, s·u + a] = Σ_{o, i ∈ T_a} w[o, c, i] · dY[o, u + e_i],   T_a = { i : (a + p − d·i) ≡ 0 mod s },
 *                                                                   e_i = (a + p − d·i) / s
 * </pre>
 * The taps of T_a are i_0 < … < i_{M−1}, i_{m+1} − i_m = s/gcd(s, d), so with t = M − 1 − m the phase is
 * a stride-1 correlation of dY with the M-tap kernel w[i_{M−1−t}] at dilation d' = d/gcd(s, d) and
 * padding p' = −e_{i_{M−1}} (top) and whatever the last row needs at the bottom (zeros). The engine
 * writes phase (a, b) through strides (s_H·sdx[2], s_W·sdx[3]) from dX[a, b]. Phases with no taps are
 * zero. FLOPs: those of the direct form (every tap of w used once per output); bytes: dY's planes
 * built once per phase.
 */
final class ConvInputPhases {
    private ConvInputPhases() {}

    /** The taps of phase a along one dimension (ascending), and e of the last: see the class comment. */
    private record Taps(int[] idx, int eMin, int dil) {
        static Taps of(int a, int s, int p, int d, int k) {
            int n = 0;
            int[] t = new int[k];
            for (int i = 0; i < k; i++) if (Math.floorMod(a + p - d * i, s) == 0) t[n++] = i;
            int last = n == 0 ? 0 : t[n - 1];
            int eMin = Math.floorDiv(a + p - d * last, s);
            return new Taps(java.util.Arrays.copyOf(t, n), eMin, d / gcd(s, d));
        }
    }

    private static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }

    /** Whether every phase's top/left padding p' = −e is ≥ 0 (else the engine would need negative padding). */
    static boolean applies(Conv2dParams p, int kh, int kw) {
        for (int a = 0; a < p.strideH(); a++) if (Taps.of(a, p.strideH(), p.padH(), p.dilH(), kh).eMin > 0) return false;
        for (int b = 0; b < p.strideW(); b++) if (Taps.of(b, p.strideW(), p.padW(), p.dilW(), kw).eMin > 0) return false;
        return true;
    }

    static void backwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) {
        int o = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3), g = p.groups(), og = o / g, c = dX.size(1);
        int h = dX.size(2), wd = dX.size(3), ho = dY.size(2), wo = dY.size(3), sh = p.strideH(), sw = p.strideW();
        float[] ws = data(w), dys = data(dY), dxs = data(dX);
        int[] swt = w.strides(), sdx = dX.strides();
        int[] so = {sdx[0], sdx[1], sh * sdx[2], sw * sdx[3]};
        for (int a = 0; a < sh; a++) {
            int hph = (h - a + sh - 1) / sh;
            if (hph <= 0) continue;
            Taps ta = Taps.of(a, sh, p.padH(), p.dilH(), kh);
            for (int b = 0; b < sw; b++) {
                int wph = (wd - b + sw - 1) / sw;
                if (wph <= 0) continue;
                Taps tb = Taps.of(b, sw, p.padW(), p.dilW(), kw);
                int mh = ta.idx.length, mw = tb.idx.length, outOff = dX.offset() + a * sdx[2] + b * sdx[3];
                if (mh == 0 || mw == 0) {
                    zero(dxs, outOff, so, dX.size(0), c, hph, wph);
                    continue;
                }
                // w'[grp·Cg + ci, (oi, t, u)] = w[grp·Og + oi, ci, i_{Mh−1−t}, j_{Mw−1−u}]: row-major [C, Og·Mh·Mw]
                float[] wt = Scratch.get(Scratch.Slot.CONV_WEIGHT, c * og * mh * mw);
                for (int grp = 0; grp < g; grp++)
                    for (int ci = 0; ci < cg; ci++)
                        for (int oi = 0, d = (grp * cg + ci) * og * mh * mw; oi < og; oi++)
                            for (int t = 0; t < mh; t++)
                                for (int u = 0; u < mw; u++, d++)
                                    wt[d] = ws[w.offset() + (grp * og + oi) * swt[0] + ci * swt[1]
                                            + ta.idx[mh - 1 - t] * swt[2] + tb.idx[mw - 1 - u] * swt[3]];
                Conv2dParams q = new Conv2dParams(1, 1, -ta.eMin, -tb.eMin, ta.dil, tb.dil, g);
                // the last output row reads padded row hph − 1 + (Mh − 1)·d'
                int minHp = hph + (mh - 1) * ta.dil, minWp = wph + (mw - 1) * tb.dil;
                FastConv.run(dY.shape(), dys, dY.offset(), dY.strides(), c, mh, mw, wt, 0, q, null, 0, 0,
                        dxs, outOff, so, hph, wph, minHp, minWp);
            }
        }
    }

    private static void zero(float[] xs, int off, int[] s, int n, int c, int h, int w) {
        for (int i = 0; i < n; i++)
            for (int ci = 0; ci < c; ci++)
                for (int y = 0; y < h; y++)
                    for (int x = 0, d = off + i * s[0] + ci * s[1] + y * s[2]; x < w; x++, d += s[3]) xs[d] = 0f;
    }
}
