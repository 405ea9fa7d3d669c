package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * DDIM inversion x_0 → x_T: the deterministic DDIM sampler (η = 0, Song et al. 2021, eq. 13 read
 * backwards) run from the data up its descending timestep list τ. The sampler's step from τ_i to
 * τ_{i+1} uses ε̂(x_{τ_i}, τ_i); going up, x_{τ_i} is unknown, so it is found as the fixed point of
 * x = √ᾱ_{τ_i}·x̂_0 + √(1−ᾱ_{τ_i})·ε̂(x, τ_i), x̂_0 = (x_{τ_{i+1}} − √(1−ᾱ_{τ_{i+1}})·ε̂)/√ᾱ_{τ_{i+1}},
 * started from ε̂(x_{τ_{i+1}}, τ_i) (the usual one-evaluation inversion when {@code refinements} = 0).
 */
public final class DdimInversion {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final long[] timesteps;
    private final int refinements;

    /**
     * @param timesteps   the sampler's list (descending); inversion visits it in reverse.
     * @param refinements extra fixed-point iterations per step (each one more model evaluation).
     */
    public DdimInversion(NoiseSchedule schedule, Prediction prediction, long[] timesteps, int refinements) {
        if (refinements < 0) throw new IllegalArgumentException("DdimInversion: refinements must be >= 0, got " + refinements);
        this.schedule = schedule;
        this.prediction = prediction;
        this.timesteps = Timesteps.checkDescending("DdimInversion", timesteps, schedule);
        this.refinements = refinements;
    }

    public long[] timesteps() { return timesteps.clone(); }

    /** x_{τ_0} (the sampler's starting point) whose DDIM trajectory ends at x0. */
    public Trajectory invert(Denoiser model, Tensor x0, Tensor y, boolean trace) {
        List<Tensor> xs = new ArrayList<>(), x0s = new ArrayList<>();
        if (trace) xs.add(x0);
        Tensor x = x0;
        for (int i = timesteps.length - 1; i >= 0; i--) {
            int t = (int) timesteps[i];
            Tensor tb = Coefficients.fill(t, x.size(0), x.device());
            double aBar = schedule.alphaBar(t), aBarLower = Timesteps.alphaBarNext(schedule, timesteps, i);
            Tensor a = Coefficients.scalar(Math.sqrt(aBar), x), s = Coefficients.scalar(Math.sqrt(1 - aBar), x);
            Tensor lower = x;
            Tensor eps = Parameterization.eps(prediction, DdimSampler.meanPart(model.predict(lower, tb, y), lower), lower, a, s);
            Tensor up = null, predX0 = null;
            for (int k = 0; k <= refinements; k++) {
                if (k > 0) eps = Parameterization.eps(prediction, DdimSampler.meanPart(model.predict(up, tb, y), up), up, a, s);
                // (1) x̂_0 from the lower state and ε̂: x̂_0 = (x_lower − √(1−ᾱ_lower)·ε̂)/√ᾱ_lower
                predX0 = lower.sub(eps.mul(Math.sqrt(1 - aBarLower))).div(Math.sqrt(aBarLower));
                // (2) x_{τ_i} = √ᾱ_{τ_i}·x̂_0 + √(1−ᾱ_{τ_i})·ε̂   (eq. 12 with σ = 0, towards more noise)
                up = predX0.mul(Math.sqrt(aBar)).add(eps.mul(Math.sqrt(1 - aBar)));
            }
            x = up;
            if (trace) {
                xs.add(x);
                x0s.add(predX0);
            }
        }
        long[] visited = new long[timesteps.length];
        for (int i = 0; i < visited.length; i++) visited[i] = timesteps[visited.length - 1 - i];
        return new Trajectory(x, visited, xs, x0s);
    }
}
