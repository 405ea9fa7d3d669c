package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.NetworkDenoiser;
import org.jdiffusion.diffusion.loss.DiffusionLoss;
import org.jdiffusion.diffusion.loss.NoisyBatch;
import org.jdiffusion.diffusion.sampling.DdimSampler;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.diffusion.sampling.Spacing;
import org.jdiffusion.kernels.cuda.CudaBackend;
import org.jdiffusion.kernels.cuda.CudaCondition;
import org.jdiffusion.kernels.cuda.MemoryStats;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.nn.optim.GradClip;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training and sampling step as the unit of speed on a CUDA device (the driver emulator in the
 * build, a GPU on a GPU host): a miniature U-Net (8×8 images, two levels, attention, dropout, class
 * conditioning) trains in a {@link MemoryScope} per step. After two warm-up steps a step makes no
 * driver allocation or free, leaves no block allocated, and the host never waits for the device
 * between the forward and the end of the EMA update; a second DDIM run of the same shape makes no
 * driver allocation either.
 */
class StepOnDeviceTest {
    static final UNetConfig MINI = new UNetConfig(1, 8, 8, List.of(1, 2), 1, List.of(4), 2, 0.1, 3, 16, 4, false);

    @Test
    void aWarmTrainingStepNeitherAllocatesFromTheDriverNorWaitsForTheDevice() {
        Device d = Device.cuda(0);
        CudaCondition.assumeUsable(d);
        CudaBackend be = (CudaBackend) Backends.of(d);
        UNet net = new UNet(MINI, new Generator(1));
        net.to(d);
        net.setDropoutGenerator(new Generator(2));
        net.train();
        Adam opt = Adam.adamW(net.namedParameters(), 1e-3, 0.01);
        Ema ema = new Ema(net, 0.999, 10);
        DiffusionLoss loss = new DiffusionLoss(NoiseSchedule.linear(100, 1e-4, 0.02), Prediction.EPS);
        Generator g = new Generator(3);
        for (int step = 0; step < 4; step++) {
            MemoryStats before = be.memoryStats();
            long syncs;
            double l;
            try (MemoryScope scope = MemoryScope.open("train step")) {
                Tensor x0 = Rand.uniform(g, -1, 1, DType.FLOAT32, Device.CPU, 2, 1, 8, 8).to(d);
                Tensor y = Tensor.ofLongs(new long[]{0, 3}, 2).to(d);
                Tensor t = Tensor.ofLongs(new long[]{5 + step, 90 - step}, 2).to(d);
                long s0 = be.context().synchronizations();
                NoisyBatch nb = loss.noisy(x0, t, g);
                opt.zeroGrad();
                Variable out = net.forward(Variable.constant(nb.xt()), nb.t(), y);
                Variable lv = loss.simple(out, nb);
                lv.backward();
                Tensor norm = GradClip.clipGlobalNormDeferred(opt.parameters().values(), 1.0);
                opt.step();
                ema.update(net);
                syncs = be.context().synchronizations() - s0;
                l = lv.item();
                assertTrue(Double.isFinite(l) && Double.isFinite(norm.item()), "loss " + l + ", gradient norm " + norm.item());
            }
            MemoryStats after = be.memoryStats();
            if (step < 2) continue;
            assertEquals(0, syncs, "the host waited for the device " + syncs + " times inside step " + step + ": "
                    + be.context().recentSynchronizations());
            assertEquals(before.driverMallocs(), after.driverMallocs(), "step " + step + " called cuMemAlloc: " + after);
            assertEquals(before.driverFrees(), after.driverFrees(), "step " + step + " called cuMemFree: " + after);
            assertEquals(before.allocated(), after.allocated(), "step " + step + " left blocks allocated: " + before + " -> " + after);
        }
    }

    @Test
    void aSecondSamplingRunOfTheSameShapeMakesNoDriverAllocation() {
        Device d = Device.cuda(0);
        CudaCondition.assumeUsable(d);
        CudaBackend be = (CudaBackend) Backends.of(d);
        UNet net = new UNet(MINI, new Generator(4));
        net.to(d);
        net.eval();
        NoiseSchedule schedule = NoiseSchedule.linear(100, 1e-4, 0.02);
        Tensor y = Tensor.ofLongs(new long[]{0, 1, 2}, 3).to(d);
        float[] a = sampleBatch(net, schedule, y, d);
        MemoryStats before = be.memoryStats();
        float[] b = sampleBatch(net, schedule, y, d);
        MemoryStats after = be.memoryStats();
        assertEquals(before.driverMallocs(), after.driverMallocs(), "the second run called cuMemAlloc: " + after);
        assertEquals(before.driverFrees(), after.driverFrees(), "the second run called cuMemFree: " + after);
        assertEquals(before.allocated(), after.allocated(), "the second run left blocks allocated: " + before + " -> " + after);
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], "the same seed gives the same samples, element " + i);
    }

    /** One batch of DDIM-5 samples read back to the host, in a scope as the sample command runs a batch. */
    private static float[] sampleBatch(UNet net, NoiseSchedule schedule, Tensor y, Device d) {
        try (MemoryScope batch = MemoryScope.open("sample batch")) {
            return SamplingLoop.sample(DdimSampler.of(schedule, Prediction.EPS, 5, Spacing.LEADING, 0.0), NetworkDenoiser.of(net),
                    new int[]{3, 1, 8, 8}, y, 7, DType.FLOAT32, d).toFloatArray();
        }
    }
}
