package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * UniPC (Zhao et al. 2023): the unified predictor UniP-p and corrector UniC in data prediction with
 * B(h) = e^{h} − 1 ("bh2"), α = √ᾱ, σ = √(1−ᾱ), λ = log(α/σ). Step i evaluates the network once at the
 * predicted x_i; the corrector first refines x_i from x_{i−1} with that evaluation (§3.1, no extra
 * evaluation), then the predictor of order p takes the refined x_i to x_{i+1} (§3.2). With h = λ_{i+1} − λ_i,
 * r_k = (λ_{i−k} − λ_i)/h, D_k = (m_k − m_0)/r_k and the coefficients a solving R·a = b (R_{jk} = r_k^j,
 * b_j = j!·φ_{j+1}(h)/B(h), φ_1 = e^{−h} − 1 scaled as in their Algorithm):
 * <pre>
 *   x_{i+1} = (σ_{i+1}/σ_i)·x_i − α_{i+1}·φ_1·m_0 − α_{i+1}·B(h)·Σ_k a_k·D_k.
 * </pre>
 * UniC raises the predictor's order by one: UniPC-p has order p + 1 (measured: ConvergenceOrderTest). The order rises from 1 as the history fills; the
 * last step into the data (σ = 0) is first order and returns x̂_0; history across an infinite step
 * (zero terminal SNR) is not used.
 */
public final class UniPcSampler implements Sampler {
    public static final SamplerDef DEF = new SamplerDef("unipc", "UniPC", "Zhao et al. 2023, bh2", ProcessKind.DIFFUSION, Spacing.LOG_SNR, 1, false,
            java.util.List.of(SamplerDef.Option.whole("order", "the predictor's order p (UniPC-p has order p + 1)", 2, 1, 3),
                    SamplerDef.Option.whole("corrector", "1: apply UniC after every evaluation, 0: the predictor alone", 1, 0, 1)),
            (t, n, ts, o) -> new UniPcSampler(t.schedule(), t.prediction(), ts, (int) Math.rint(o.get("order")), o.get("corrector") > 0, t.x0Transform()));

    private final VpGrid grid;
    private final int order;
    private final boolean corrector;
    private final List<Tensor> ms = new ArrayList<>();          // x̂_0 of the finite-λ grid points, newest last
    private final List<Double> lams = new ArrayList<>();
    private Tensor lastSample;
    private int lastOrder, expected;

    public UniPcSampler(NoiseSchedule schedule, Prediction prediction, long[] timesteps, int order, boolean corrector, X0Transform x0Transform) {
        if (order < 1 || order > 3) throw new IllegalArgumentException("UniPcSampler: order must be 1, 2 or 3, got " + order);
        this.grid = new VpGrid("UniPcSampler", schedule, prediction, timesteps, x0Transform);
        this.order = order;
        this.corrector = corrector;
    }

    @Override public long[] timesteps() { return grid.ts.clone(); }

    @Override
    public StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise) {
        Timesteps.checkIndex("UniPcSampler.step", i, grid.ts);
        Multistep.checkOrder("UniPcSampler", i, expected);
        if (i == 0) { ms.clear(); lams.clear(); lastSample = null; }
        Tensor m0 = grid.x0FromOutput(modelOutput, x, grid.ts[i]);
        double lam = grid.lambda(i);
        // (1) UniC: x_i^c from x_{i−1}, the history and m_0 = x̂_0(x_i), of the previous step's order (§3.1)
        if (corrector && lastSample != null && !lams.isEmpty())
            x = update(lastSample, lams.getLast(), grid.sigma(i - 1), lam, grid.alpha(i), grid.sigma(i), lastOrder, m0);
        expected = i + 1;
        // history outlives the step's MemoryScope
        if (Double.isFinite(lam)) { ms.add(MemoryScope.keepCurrent(m0)); lams.add(lam); } else { ms.clear(); lams.clear(); }
        while (ms.size() > order) { ms.removeFirst(); lams.removeFirst(); }
        if (i + 1 == grid.n()) return new StepResult(m0, m0);   // into the data: x̂_0
        // (2) UniP-p from x_i^c (§3.2); from ᾱ = 0 the first-order step x_{i+1} = σ_{i+1}·x + α_{i+1}·m_0
        if (!Double.isFinite(lam)) {
            lastSample = null;
            return new StepResult(x.mul(grid.sigma(i + 1)).add(m0.mul(grid.alpha(i + 1))), m0);
        }
        int p = Math.min(order, ms.size());
        lastSample = MemoryScope.keepCurrent(x.copy());   // the loop releases this step's input x once the next one exists
        lastOrder = p;
        return new StepResult(update(x, lam, grid.sigma(i), grid.lambda(i + 1), grid.alpha(i + 1), grid.sigma(i + 1), p, null), m0);
    }

    /**
     * One UniP (mT == null) or UniC (mT = x̂_0 at the target) update of order p from x at λ_s (the
     * newest history entry is m_0 at λ_s) to λ_t with α_t, σ_t.
     */
    private Tensor update(Tensor x, double lamS, double sigmaS, double lamT, double alphaT, double sigmaT, int p, Tensor mT) {
        int newest = ms.size() - 1;
        Tensor m0 = ms.get(newest);
        double h = lamT - lamS, hh = -h;
        // (1) r_k and D_k = (m_k − m_0)/r_k for the p − 1 older points
        List<Double> rks = new ArrayList<>();
        List<Tensor> d1s = new ArrayList<>();
        for (int k = 1; k < p; k++) {
            double rk = (lams.get(newest - k) - lamS) / h;
            rks.add(rk);
            d1s.add(ms.get(newest - k).sub(m0).div(rk));
        }
        rks.add(1.0);
        // (2) φ_1 = e^{−h} − 1, B(h) = e^{−h} − 1 (bh2, in −h), b_j = h_φ_{j+1}·j!/B(h) with h_φ_{k+1} = h_φ_k/(−h) − 1/(k+1)!
        double hPhi1 = Math.expm1(hh), bh = hPhi1, hPhiK = hPhi1 / hh - 1, fact = 1;
        double[][] r = new double[p][p];
        double[] b = new double[p];
        for (int j = 0; j < p; j++) {
            for (int k = 0; k < p; k++) r[j][k] = Math.pow(rks.get(k), j);
            b[j] = hPhiK * fact / bh;
            fact *= j + 2;
            hPhiK = hPhiK / hh - 1 / fact;
        }
        // (3) x_t = (σ_t/σ_s)·x − α_t·φ_1·m_0, then − α_t·B(h)·(Σ_k a_k·D_k [+ a_p·(m_t − m_0) for UniC])
        Tensor out = x.mul(sigmaT / sigmaS).sub(m0.mul(alphaT * hPhi1));
        Tensor res = null;
        if (mT == null) {
            if (p == 1) return out;
            double[] a = p == 2 ? new double[]{0.5} : solve(sub(r, p - 1), java.util.Arrays.copyOf(b, p - 1));
            for (int k = 0; k < p - 1; k++) res = res == null ? d1s.get(k).mul(a[k]) : res.add(d1s.get(k).mul(a[k]));
        } else {
            double[] a = p == 1 ? new double[]{0.5} : solve(r, b);
            for (int k = 0; k < p - 1; k++) res = res == null ? d1s.get(k).mul(a[k]) : res.add(d1s.get(k).mul(a[k]));
            Tensor dt = mT.sub(m0).mul(a[p - 1]);
            res = res == null ? dt : res.add(dt);
        }
        return out.sub(res.mul(alphaT * bh));
    }

    private static double[][] sub(double[][] a, int n) {
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) System.arraycopy(a[i], 0, s[i], 0, n);
        return s;
    }

    /** a·x = b by Gaussian elimination with partial pivoting (n ≤ 3). */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) { m[i] = java.util.Arrays.copyOf(a[i], n + 1); m[i][n] = b[i]; }
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int rr = c + 1; rr < n; rr++) if (Math.abs(m[rr][c]) > Math.abs(m[piv][c])) piv = rr;
            double[] t = m[c]; m[c] = m[piv]; m[piv] = t;
            for (int rr = c + 1; rr < n; rr++) {
                double f = m[rr][c] / m[c][c];
                for (int k = c; k <= n; k++) m[rr][k] -= f * m[c][k];
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int k = i + 1; k < n; k++) s -= m[i][k] * x[k];
            x[i] = s / m[i][i];
        }
        return x;
    }
}
