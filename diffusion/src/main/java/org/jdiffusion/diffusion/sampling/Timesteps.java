package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;

import java.util.Arrays;

/** Checks shared by the samplers' timestep lists. */
final class Timesteps {
    private Timesteps() {}

    /** A copy of ts after checking it is non-empty, strictly descending and inside 0 … T−1. */
    static long[] checkDescending(String op, long[] ts, NoiseSchedule schedule) {
        if (ts.length == 0) throw new IllegalArgumentException(op + ": needs at least one timestep");
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] < 0 || ts[i] >= schedule.timesteps())
                throw new IllegalArgumentException(op + ": timestep " + ts[i] + " is outside 0.." + (schedule.timesteps() - 1));
            if (i > 0 && ts[i] >= ts[i - 1])
                throw new IllegalArgumentException(op + ": timesteps " + Arrays.toString(ts) + " must decrease strictly");
        }
        return ts.clone();
    }

    /** ε-prediction cannot leave a timestep with ᾱ = 0: x̂_0 = (x_t − ε̂)/√ᾱ_t is undefined there. */
    static void checkPrediction(String op, long[] ts, NoiseSchedule schedule, Prediction p) {
        if (p == Prediction.EPS && schedule.alphaBar((int) ts[0]) == 0)
            throw new IllegalArgumentException(op + ": an ε-prediction model cannot be sampled from timestep " + ts[0]
                    + " where ᾱ = 0 (zero terminal SNR): x̂_0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ is undefined; use v or x0 prediction "
                    + "(Lin et al. 2024, §3.2) or start below the last timestep");
    }

    /** ᾱ at the timestep after step i of the list (1 after the last: the data). */
    static double alphaBarNext(NoiseSchedule schedule, long[] ts, int i) {
        return i + 1 < ts.length ? schedule.alphaBar((int) ts[i + 1]) : 1.0;
    }

    static void checkIndex(String op, int i, long[] ts) {
        if (i < 0 || i >= ts.length)
            throw new IllegalArgumentException(op + ": step index " + i + " is outside 0.." + (ts.length - 1));
    }
}
