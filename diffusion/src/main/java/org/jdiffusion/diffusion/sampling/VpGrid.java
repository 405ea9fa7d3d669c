package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.Tensor;

/**
 * A descending timestep list as the diffusion ODE solvers see it: at grid point i, α_i = √ᾱ, σ_i =
 * √(1−ᾱ), λ_i = log(α_i/σ_i) and Karras' variance-exploding σ̃_i = σ_i/α_i = e^{−λ_i}; point n (after
 * the last timestep) is the data, α = 1, σ = 0, λ = +∞. {@link #x0} evaluates the network at any
 * timestep of the schedule and returns its x̂_0 (with the x_0 transform), the "data prediction" of
 * DPM-Solver++ and the denoiser D of Karras et al.
 */
final class VpGrid {
    final NoiseSchedule schedule;
    final Prediction prediction;
    final long[] ts;
    final X0Transform x0Transform;

    VpGrid(String op, NoiseSchedule schedule, Prediction prediction, long[] timesteps, X0Transform x0Transform) {
        this.schedule = schedule;
        this.prediction = prediction;
        this.ts = Timesteps.checkDescending(op, timesteps, schedule);
        Timesteps.checkPrediction(op, this.ts, schedule, prediction);
        this.x0Transform = x0Transform == null ? X0Transform.NONE : x0Transform;
    }

    int n() { return ts.length; }

    double alphaBar(int i) { return i < ts.length ? schedule.alphaBar((int) ts[i]) : 1.0; }

    double alpha(int i) { return Math.sqrt(alphaBar(i)); }

    double sigma(int i) { return Math.sqrt(1 - alphaBar(i)); }

    /** λ_i; +∞ for the data, −∞ at ᾱ = 0. */
    double lambda(int i) { return Math.log(alpha(i) / sigma(i)); }

    /** σ̃_i = σ_i/α_i; 0 for the data, +∞ at ᾱ = 0. */
    double sigmaVe(int i) { return sigma(i) / alpha(i); }

    static double sigmaVe(NoiseSchedule s, long t) { return Math.sqrt(1 - s.alphaBar((int) t)) / Math.sqrt(s.alphaBar((int) t)); }

    /** The network's x̂_0 at x and training timestep t (mean part of a learned-variance output, then the x_0 transform). */
    Tensor x0(Network net, Tensor x, long t) {
        Tensor out = DdimSampler.meanPart(net.at(x, Coefficients.fill(t, x.size(0), x.device())), x);
        return x0FromOutput(out, x, t);
    }

    /** x̂_0 from a network output already evaluated at (x, t). */
    Tensor x0FromOutput(Tensor out, Tensor x, long t) {
        out = DdimSampler.meanPart(out, x);
        double ab = schedule.alphaBar((int) t);
        return x0Transform.apply(Parameterization.x0(prediction, out, x,
                Coefficients.scalar(Math.sqrt(ab), x), Coefficients.scalar(Math.sqrt(1 - ab), x)));
    }

    /** ε̂ = (x − α·x̂_0)/σ, consistent with the (possibly transformed) x̂_0. */
    static Tensor eps(Tensor x, Tensor x0, double alpha, double sigma) { return x.sub(x0.mul(alpha)).div(sigma); }

    /** The timestep in [lo, hi] whose λ is nearest to target (λ decreases in t), or −1 when the range is empty. */
    long nearestLambda(double target, long lo, long hi) {
        if (lo > hi) return -1;
        long best = lo;
        double bestD = Double.POSITIVE_INFINITY;
        long a = lo, b = hi;                                    // first t with λ_t <= target
        while (a < b) {
            long mid = (a + b) >>> 1;
            if (schedule.lambda((int) mid) <= target) b = mid; else a = mid + 1;
        }
        for (long t = Math.max(lo, a - 1); t <= Math.min(hi, a); t++) {
            double d = Math.abs(schedule.lambda((int) t) - target);
            if (d < bestD) { bestD = d; best = t; }
        }
        return best;
    }
}
