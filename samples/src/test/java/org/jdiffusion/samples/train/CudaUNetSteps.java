package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.util.Locale;

/**
 * A handful of float32 training steps of the reference U-Net on cuda:0, for a profiler to watch (the
 * GPU kit runs it under {@code ncu}: every kernel of the steps with its device time). The steps are
 * CudaUNetStepProbe's: random x, eps, t, labels; eps-MSE forward, backward, fused AdamW.
 *
 * <pre>  java … org.jdiffusion.samples.train.CudaUNetSteps [STEPS [BATCH]]     (default 2 steps of batch 128)</pre>
 *
 * Prints each step's wall time after a synchronising read of its loss.
 */
public final class CudaUNetSteps {
    private CudaUNetSteps() {}

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 2, batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        if (steps < 1 || batch < 1) throw new IllegalArgumentException("CudaUNetSteps: STEPS and BATCH must be at least 1, got " + steps + " and " + batch);
        Device gpu = Device.cuda(0);
        UNet net = (UNet) Nets.unet(Nets.referenceConfig(10, false), Nets.Kind.UNET, new Generator(0)).module();
        net.to(gpu);
        Generator g = new Generator(7);
        Tensor x = Rand.normal(g, 0, 1, DType.FLOAT32, gpu, batch, 1, 28, 28), eps = Rand.normal(g, 0, 1, DType.FLOAT32, gpu, batch, 1, 28, 28);
        Tensor t = Rand.randint(g, 0, 1000, gpu, batch), y = Rand.randint(g, 0, 11, gpu, batch);
        Adam opt = Adam.adamW(net.namedParameters(), 1e-4, 0);
        Variable[] loss = {null};
        Runnable step = CudaUNetStepProbe.trainStep(net, opt, x, eps, t, y, false, loss);
        for (int s = 1; s <= steps; s++) {
            long t0 = System.nanoTime();
            step.run();
            double l = loss[0].item();
            System.out.printf(Locale.ROOT, "step %d/%d: loss %.5f, %.1f ms%n", s, steps, l, (System.nanoTime() - t0) / 1e6);
        }
    }
}
