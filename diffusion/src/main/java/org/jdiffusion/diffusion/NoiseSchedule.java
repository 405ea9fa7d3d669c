package org.jdiffusion.diffusion;

import java.util.Arrays;

/**
 * An immutable discrete noise schedule over timesteps t = 0 … T−1: β_t and everything derived from
 * it, in float64. Conventions (those of the OpenAI and diffusers code): ᾱ_t = ∏_{s≤t} (1 − β_s), so
 * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε is the latent after t+1 noising steps, ᾱ_{−1} = 1 is the data, and
 * the posterior q(x_{t−1} | x_t, x_0) at t = 0 is the data itself (variance 0). Built by the pure
 * factories {@link #linear}, {@link #cosine}, {@link #scaledLinear}, {@link #sigmoid}; rescaled to
 * zero terminal SNR by {@link #rescaleZeroTerminalSnr()} (Lin et al. 2024, Algorithm 1).
 */
public final class NoiseSchedule {
    private final double[] betas, alphas, alphaBar, alphaBarPrev;
    private final double[] posteriorVariance, posteriorLogVarianceClipped, posteriorMeanCoef1, posteriorMeanCoef2;

    private NoiseSchedule(double[] betas) {
        int n = betas.length;
        if (n < 2) throw new IllegalArgumentException("NoiseSchedule: needs at least 2 timesteps, got " + n);
        for (int t = 0; t < n; t++)
            if (!(betas[t] > 0 && betas[t] <= 1) || (betas[t] == 1 && t != n - 1))
                throw new IllegalArgumentException("NoiseSchedule: β_" + t + " = " + betas[t]
                        + " (expected 0 < β < 1, with β = 1 allowed only at the last timestep for zero terminal SNR)");
        this.betas = betas.clone();
        alphas = new double[n];
        alphaBar = new double[n];
        alphaBarPrev = new double[n];
        double prod = 1;
        for (int t = 0; t < n; t++) {
            alphas[t] = 1 - betas[t];
            alphaBarPrev[t] = prod;
            prod *= alphas[t];
            alphaBar[t] = prod;
        }
        // Ho et al. 2020, eq. 7: q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I) with
        //   μ̃_t = β_t √ᾱ_{t−1} / (1 − ᾱ_t) · x_0 + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · x_t,   β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t
        posteriorVariance = new double[n];
        posteriorMeanCoef1 = new double[n];
        posteriorMeanCoef2 = new double[n];
        for (int t = 0; t < n; t++) {
            double oneMinus = 1 - alphaBar[t];
            posteriorVariance[t] = (1 - alphaBarPrev[t]) / oneMinus * betas[t];
            posteriorMeanCoef1[t] = betas[t] * Math.sqrt(alphaBarPrev[t]) / oneMinus;
            posteriorMeanCoef2[t] = Math.sqrt(alphas[t]) * (1 - alphaBarPrev[t]) / oneMinus;
        }
        // β̃_0 = 0: the log-variance is clipped by using β̃_1 at t = 0 (Nichol & Dhariwal 2021, their code)
        posteriorLogVarianceClipped = new double[n];
        for (int t = 0; t < n; t++) posteriorLogVarianceClipped[t] = Math.log(posteriorVariance[t == 0 ? 1 : t]);
    }

    // ---- factories ----------------------------------------------------------------------------

    /** A schedule from its β_0 … β_{T−1}. */
    public static NoiseSchedule fromBetas(double... betas) { return new NoiseSchedule(betas); }

    /** A schedule from its ᾱ_0 … ᾱ_{T−1} (decreasing in (0, 1), the last may be 0): β_t = 1 − ᾱ_t / ᾱ_{t−1}. */
    public static NoiseSchedule fromAlphaBar(double... alphaBar) {
        double[] b = new double[alphaBar.length];
        double prev = 1;
        for (int t = 0; t < b.length; t++) {
            if (!(alphaBar[t] >= 0 && alphaBar[t] < prev))
                throw new IllegalArgumentException("NoiseSchedule.fromAlphaBar: ᾱ_" + t + " = " + alphaBar[t] + " after " + prev
                        + " (expected strictly decreasing values in [0, 1))");
            b[t] = 1 - alphaBar[t] / prev;
            prev = alphaBar[t];
        }
        return new NoiseSchedule(b);
    }

    /** Ho et al. 2020: β linear from βstart to βend (1e-4 → 0.02 for T = 1000). */
    public static NoiseSchedule linear(int timesteps, double betaStart, double betaEnd) {
        checkT("linear", timesteps);
        double[] b = new double[timesteps];
        for (int t = 0; t < timesteps; t++) b[t] = betaStart + (betaEnd - betaStart) * t / (timesteps - 1);
        return new NoiseSchedule(b);
    }

    public static NoiseSchedule linear(int timesteps) { return linear(timesteps, 1e-4, 0.02); }

    /**
     * Nichol &amp; Dhariwal 2021, eq. 17: ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T) + s)/(1 + s) · π/2), and
     * β_t = min(1 − ᾱ((t+1)/T) / ᾱ(t/T), maxBeta) with s = 0.008, maxBeta = 0.999.
     */
    public static NoiseSchedule cosine(int timesteps, double s, double maxBeta) {
        checkT("cosine", timesteps);
        double[] b = new double[timesteps];
        for (int t = 0; t < timesteps; t++)
            b[t] = Math.min(1 - cosineF((t + 1.0) / timesteps, s) / cosineF((double) t / timesteps, s), maxBeta);
        return new NoiseSchedule(b);
    }

    public static NoiseSchedule cosine(int timesteps) { return cosine(timesteps, 0.008, 0.999); }

    private static double cosineF(double u, double s) {
        double c = Math.cos((u + s) / (1 + s) * Math.PI / 2);
        return c * c;
    }

    /** Latent-diffusion's schedule: √β linear from √βstart to √βend (0.00085 → 0.012 there). */
    public static NoiseSchedule scaledLinear(int timesteps, double betaStart, double betaEnd) {
        checkT("scaled_linear", timesteps);
        double[] b = new double[timesteps];
        double a = Math.sqrt(betaStart), z = Math.sqrt(betaEnd);
        for (int t = 0; t < timesteps; t++) {
            double r = a + (z - a) * t / (timesteps - 1);
            b[t] = r * r;
        }
        return new NoiseSchedule(b);
    }

    /** β_t = σ(−6 + 12·t/(T−1))·(βend − βstart) + βstart (GeoDiff's sigmoid schedule). */
    public static NoiseSchedule sigmoid(int timesteps, double betaStart, double betaEnd) {
        checkT("sigmoid", timesteps);
        double[] b = new double[timesteps];
        for (int t = 0; t < timesteps; t++) {
            double u = -6 + 12.0 * t / (timesteps - 1);
            b[t] = 1 / (1 + Math.exp(-u)) * (betaEnd - betaStart) + betaStart;
        }
        return new NoiseSchedule(b);
    }

    /** The schedule a checkpoint names; βstart/βend are ignored by cosine. */
    public static NoiseSchedule of(ScheduleKind kind, int timesteps, double betaStart, double betaEnd) {
        return switch (kind) {
            case LINEAR -> linear(timesteps, betaStart, betaEnd);
            case COSINE -> cosine(timesteps);
            case SCALED_LINEAR -> scaledLinear(timesteps, betaStart, betaEnd);
            case SIGMOID -> sigmoid(timesteps, betaStart, betaEnd);
        };
    }

    private static void checkT(String name, int timesteps) {
        if (timesteps < 2) throw new IllegalArgumentException(name + " schedule: needs at least 2 timesteps, got " + timesteps);
    }

    /**
     * Lin et al. 2024, Algorithm 1: shift and scale √ᾱ so that √ᾱ_{T−1} = 0 (SNR 0, pure noise at
     * the last step) while √ᾱ_0 is kept; the last β becomes 1.
     */
    public NoiseSchedule rescaleZeroTerminalSnr() {
        int n = betas.length;
        double[] sqrtAb = new double[n];
        for (int t = 0; t < n; t++) sqrtAb[t] = Math.sqrt(alphaBar[t]);
        double first = sqrtAb[0], last = sqrtAb[n - 1];
        double[] ab = new double[n];
        for (int t = 0; t < n; t++) {
            double r = (sqrtAb[t] - last) * first / (first - last);   // (1) shift √ᾱ_{T−1} to 0, (2) scale √ᾱ_0 back
            ab[t] = r * r;                                          // (3) ᾱ = (√ᾱ)²
        }
        ab[n - 1] = 0;
        double[] b = new double[n];
        for (int t = 0; t < n; t++) b[t] = 1 - (t == 0 ? ab[0] : ab[t] / ab[t - 1]);   // (4) α_t = ᾱ_t / ᾱ_{t−1}, β = 1 − α
        return new NoiseSchedule(b);
    }

    /**
     * The schedule seen at an increasing subset of timesteps (Nichol &amp; Dhariwal 2021, §4): ᾱ'_i = ᾱ_{kept[i]},
     * β'_i = 1 − ᾱ'_i / ᾱ'_{i−1}. Index i of the result stands for timestep kept[i] of this one.
     */
    public NoiseSchedule respace(long[] kept) {
        double[] ab = new double[kept.length];
        for (int i = 0; i < kept.length; i++) {
            checkIndex("respace", kept[i]);
            if (i > 0 && kept[i] <= kept[i - 1])
                throw new IllegalArgumentException("respace: timesteps " + Arrays.toString(kept) + " must increase strictly");
            ab[i] = alphaBar[(int) kept[i]];
        }
        return fromAlphaBar(ab);
    }

    private void checkIndex(String op, long t) {
        if (t < 0 || t >= betas.length)
            throw new IllegalArgumentException(op + ": timestep " + t + " is outside 0.." + (betas.length - 1));
    }

    // ---- values -------------------------------------------------------------------------------

    /** T, the number of timesteps. */
    public int timesteps() { return betas.length; }

    /** Whether ᾱ_{T−1} = 0 (SNR 0 at the last timestep). */
    public boolean isZeroTerminalSnr() { return alphaBar[alphaBar.length - 1] == 0; }

    public double beta(int t) { return betas[t]; }
    public double alpha(int t) { return alphas[t]; }
    public double alphaBar(int t) { return alphaBar[t]; }
    /** ᾱ_{t−1}, with ᾱ_{−1} = 1. */
    public double alphaBarPrev(int t) { return alphaBarPrev[t]; }
    public double sqrtBeta(int t) { return Math.sqrt(betas[t]); }
    public double sqrtAlpha(int t) { return Math.sqrt(alphas[t]); }
    public double sqrtAlphaBar(int t) { return Math.sqrt(alphaBar[t]); }
    public double sqrtOneMinusAlphaBar(int t) { return Math.sqrt(1 - alphaBar[t]); }
    /** SNR(t) = ᾱ_t / (1 − ᾱ_t) (Kingma et al. 2021). */
    public double snr(int t) { return alphaBar[t] / (1 - alphaBar[t]); }
    public double sqrtSnr(int t) { return Math.sqrt(snr(t)); }
    /** λ_t = log(α_t/σ_t) = ½·log SNR(t), the half-log-SNR of DPM-Solver (−∞ at zero SNR). */
    public double lambda(int t) { return 0.5 * Math.log(snr(t)); }
    /** β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the posterior variance (0 at t = 0). */
    public double posteriorVariance(int t) { return posteriorVariance[t]; }
    /** log β̃_t with β̃_0 replaced by β̃_1 so it stays finite. */
    public double posteriorLogVarianceClipped(int t) { return posteriorLogVarianceClipped[t]; }
    /** The coefficient of x_0 in μ̃_t: β_t √ᾱ_{t−1} / (1 − ᾱ_t). */
    public double posteriorMeanCoef1(int t) { return posteriorMeanCoef1[t]; }
    /** The coefficient of x_t in μ̃_t: √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t). */
    public double posteriorMeanCoef2(int t) { return posteriorMeanCoef2[t]; }

    public double[] betas() { return betas.clone(); }
    public double[] alphas() { return alphas.clone(); }
    public double[] alphaBars() { return alphaBar.clone(); }

    @Override public boolean equals(Object o) { return o instanceof NoiseSchedule s && Arrays.equals(betas, s.betas); }

    @Override public int hashCode() { return Arrays.hashCode(betas); }

    @Override public String toString() {
        return "NoiseSchedule(T=" + betas.length + ", β_0=" + betas[0] + ", β_T−1=" + betas[betas.length - 1]
                + ", ᾱ_T−1=" + alphaBar[alphaBar.length - 1] + ")";
    }
}
