package org.jdiffusion.samples.demo;

import org.jdiffusion.diffusion.continuous.VeProcess;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's denoiser construction: with the exact x_0-estimate of a finite set, DDIM lands on its points. */
class ToyRunTest {
    /** E[x_0 | x_t] for the empirical distribution of the rows of pts under x_t = x_0 + N(0, σ_q²t). */
    static Tensor exactX0(Tensor pts, Tensor x, Tensor t, double sigmaQ) {
        float[] p = pts.toFloatArray(), xs = x.toFloatArray(), ts = t.toFloatArray();
        int n = pts.size(0), b = x.size(0);
        float[] out = new float[2 * b];
        for (int i = 0; i < b; i++) {
            double var = sigmaQ * sigmaQ * ts[i], max = Double.NEGATIVE_INFINITY;
            double[] logw = new double[n];
            for (int k = 0; k < n; k++) {
                double dx = xs[2 * i] - p[2 * k], dy = xs[2 * i + 1] - p[2 * k + 1];
                logw[k] = -(dx * dx + dy * dy) / (2 * var);
                max = Math.max(max, logw[k]);
            }
            double z = 0, mx = 0, my = 0;
            for (int k = 0; k < n; k++) {
                double w = Math.exp(logw[k] - max);
                z += w;
                mx += w * p[2 * k];
                my += w * p[2 * k + 1];
            }
            out[2 * i] = (float) (mx / z);
            out[2 * i + 1] = (float) (my / z);
        }
        return Tensor.of(out, b, 2);
    }

    @Test void exactDenoiserMemorises() {
        VeProcess process = new VeProcess(2.0, 1000);
        Tensor train = Toy2D.SPIRAL.sample(new Generator(1), 10);
        Tensor x1 = process.prior(new int[]{64, 2}, Noise.perSample(3, 0), DType.FLOAT32, Device.CPU);
        Tensor out = process.sampleDdim(ToyRun.fromX0(process, (x, t) -> exactX0(train, x, t, 2.0)), x1, false).sample();
        float[] o = out.toFloatArray(), p = train.toFloatArray();
        double worst = 0;
        for (int i = 0; i < 64; i++) {
            double best = Double.POSITIVE_INFINITY;
            for (int k = 0; k < 10; k++) best = Math.min(best, Math.hypot(o[2 * i] - p[2 * k], o[2 * i + 1] - p[2 * k + 1]));
            worst = Math.max(worst, best);
        }
        assertTrue(worst < 0.1, "farthest sample from a training point: " + worst);
    }
}
