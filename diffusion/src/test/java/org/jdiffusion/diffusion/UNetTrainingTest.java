package org.jdiffusion.diffusion;

import org.jdiffusion.diffusion.guidance.ClassifierFreeGuidance;
import org.jdiffusion.diffusion.loss.DiffusionTrainer;
import org.jdiffusion.diffusion.sampling.DdimSampler;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.diffusion.sampling.Spacing;
import org.jdiffusion.diffusion.sampling.X0Transform;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end on a tiny image set: a small class-conditional v-prediction U-Net trained a few hundred
 * steps lowers its loss, and its guided samples have the right shape, stay in range, are
 * reproducible and independent of their batch.
 */
class UNetTrainingTest {
    static final int S = 8;
    static final UNetConfig CFG = new UNetConfig(1, S, 8, List.of(1, 2), 1, List.of(4), 2, 0.0, 2, 16, 4, false);

    /** Class 0: a 3×3 bright square; class 1: a bright 1×5 bar; background −1, so pixels are on the 8-bit grid. */
    static Tensor images(long[] labels, Generator g) {
        long[] pos = Rand.randint(g, 0, 4, Device.CPU, labels.length, 2).toLongArray();
        HostStorage h = HostStorage.allocate(DType.FLOAT32, labels.length * S * S);
        for (int b = 0; b < labels.length; b++) {
            int r0 = (int) pos[2 * b] + 1, c0 = (int) pos[2 * b + 1];
            for (int r = 0; r < S; r++)
                for (int c = 0; c < S; c++) {
                    boolean on = labels[b] == 0 ? r >= r0 && r < r0 + 3 && c >= c0 + 1 && c < c0 + 4 : r == r0 + 1 && c >= c0 && c < c0 + 5;
                    h.set(b * S * S + r * S + c, on ? 1 : -1);
                }
        }
        return Tensor.fromHost(h, new int[]{labels.length, 1, S, S}, Device.CPU);
    }

    @Test
    void aSmallUNetLearnsAndSamples() {
        DiffusionSpec spec = DiffusionSpec.ddpm().withClasses(2, 2).withPrediction(Prediction.V);
        UNet net = new UNet(CFG, new Generator(1));
        DiffusionTrainer trainer = new DiffusionTrainer(net, Adam.adam(net.namedParameters(), 2e-3), spec, DiffusionTrainer.Options.defaults());
        Generator g = new Generator(2);
        int steps = 250, window = 50;
        double first = 0, last = 0;
        for (int s = 0; s < steps; s++) {
            Tensor y = Rand.randint(g, 0, 2, Device.CPU, 12);
            double l = trainer.step(images(y.toLongArray(), g), y, g);
            assertTrue(Double.isFinite(l), "loss at step " + s + " is " + l);
            if (s < window) first += l / window;
            if (s >= steps - window) last += l / window;
        }
        assertTrue(last < 0.7 * first, "mean loss of the first and last " + window + " steps: " + first + " → " + last);

        Denoiser guided = new ClassifierFreeGuidance(NetworkDenoiser.of(net), 2.0, spec.nullClass());
        DdimSampler sampler = new DdimSampler(spec.noiseSchedule(), spec.prediction(), Spacing.TRAILING.timesteps(spec.noiseSchedule(), 20), 0,
                X0Transform.clip(-1, 1));
        Tensor y = Tensor.ofLongs(new long[]{0, 1, 0, 1}, 4);
        Tensor x = SamplingLoop.sample(sampler, guided, new int[]{4, 1, S, S}, y, 7, DType.FLOAT32, Device.CPU);
        assertArrayEquals(new int[]{4, 1, S, S}, x.shape());
        for (float v : x.toFloatArray()) assertTrue(Float.isFinite(v) && v >= -1.0001f && v <= 1.0001f, "sample value " + v);
        assertArrayEquals(x.toFloatArray(), SamplingLoop.sample(sampler, guided, new int[]{4, 1, S, S}, y, 7, DType.FLOAT32, Device.CPU).toFloatArray(),
                "same seed, same images");
        Tensor two = SamplingLoop.sample(sampler, guided, new int[]{2, 1, S, S}, y.narrow(0, 2, 2), 7, 2, DType.FLOAT32, Device.CPU, false).sample();
        assertArrayEquals(x.narrow(0, 2, 2).contiguous().toFloatArray(), two.toFloatArray(), 1e-5f, "an image does not depend on its batch");
        // the samples have learned the data's background: the mean pixel is far below 0 (the data's is −0.78)
        double mean = 0;
        for (float v : x.toFloatArray()) mean += v / x.numel();
        assertTrue(mean < -0.5, "mean sample pixel " + mean);
    }
}
