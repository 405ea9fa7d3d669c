package org.jdiffusion.diffusion.loss;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * Importance-sampled timesteps for L_vlb (Nichol &amp; Dhariwal 2021, eq. 18): p_t ∝ √E[L_t²], from
 * the last {@code history} values of each L_t, mixed with a little of the uniform distribution;
 * uniform until every t has a full history. Weights 1/(T·p_t) keep the estimate of Σ_t L_t unbiased.
 */
public final class ImportanceTimesteps implements TimestepSampler {
    private final int timesteps, history;
    private final double uniformMix;
    private final double[][] losses;
    private final int[] counts;

    public ImportanceTimesteps(int timesteps, int history, double uniformMix) {
        if (timesteps < 1 || history < 1 || !(uniformMix > 0 && uniformMix <= 1))
            throw new IllegalArgumentException("ImportanceTimesteps: needs T >= 1, history >= 1 and uniformMix in (0, 1], got "
                    + timesteps + ", " + history + ", " + uniformMix);
        this.timesteps = timesteps;
        this.history = history;
        this.uniformMix = uniformMix;
        this.losses = new double[timesteps][history];
        this.counts = new int[timesteps];
    }

    /** The paper's settings: 10 values per t, 0.001 of uniform. */
    public ImportanceTimesteps(int timesteps) { this(timesteps, 10, 0.001); }

    /** Whether every timestep has a full history (before that, sampling is uniform). */
    public boolean warmedUp() {
        for (int c : counts) if (c < history) return false;
        return true;
    }

    /** p_t for every t. */
    public double[] probabilities() {
        double[] p = new double[timesteps];
        if (!warmedUp()) {
            java.util.Arrays.fill(p, 1.0 / timesteps);
            return p;
        }
        double sum = 0;
        for (int t = 0; t < timesteps; t++) {
            double sq = 0;
            for (double v : losses[t]) sq += v * v;
            p[t] = Math.sqrt(sq / history);
            sum += p[t];
        }
        for (int t = 0; t < timesteps; t++) p[t] = (1 - uniformMix) * p[t] / sum + uniformMix / timesteps;
        return p;
    }

    @Override
    public Draw sample(int batch, Generator g, Device device) {
        double[] p = probabilities(), cdf = new double[timesteps];
        double acc = 0;
        for (int t = 0; t < timesteps; t++) cdf[t] = acc += p[t];
        double[] u = Rand.uniform(g, 0, 1, DType.FLOAT64, Device.CPU, batch).toDoubleArray();
        long[] ts = new long[batch];
        HostStorage w = HostStorage.allocate(DType.FLOAT32, batch);
        for (int b = 0; b < batch; b++) {
            int lo = 0, hi = timesteps - 1;
            double target = u[b] * acc;
            while (lo < hi) {                      // first t with cdf[t] >= u
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] >= target) hi = mid; else lo = mid + 1;
            }
            ts[b] = lo;
            w.set(b, 1 / (timesteps * p[lo]));
        }
        return new Draw(Tensor.fromHost(new HostStorage.I64(ts), new int[]{batch}, device), Tensor.fromHost(w, new int[]{batch}, device));
    }

    @Override
    public void update(Tensor t, Tensor values) {
        long[] ts = t.toLongArray();
        double[] v = values.toDoubleArray();
        if (ts.length != v.length)
            throw new IllegalArgumentException("ImportanceTimesteps.update: " + ts.length + " timesteps but " + v.length + " losses");
        for (int i = 0; i < ts.length; i++) {
            int k = (int) ts[i];
            if (counts[k] == history) {            // drop the oldest
                System.arraycopy(losses[k], 1, losses[k], 0, history - 1);
                losses[k][history - 1] = v[i];
            } else {
                losses[k][counts[k]++] = v[i];
            }
        }
    }
}
