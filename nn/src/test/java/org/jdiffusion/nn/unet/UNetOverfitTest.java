package org.jdiffusion.nn.unet;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole stack learns: a tiny U-Net memorises the noise of one batch of 8 images. */
class UNetOverfitTest {
    @Test void tinyUNetOverfitsABatchOfEight() {
        UNetConfig cfg = new UNetConfig(1, 8, 8, List.of(1, 2), 1, List.of(4), 2, 0.0, 3, 32, 4, false);
        UNet net = new UNet(cfg, new Generator(42));
        Generator g = new Generator(43);
        Tensor x0 = Rand.uniform(g, -1, 1, org.jdiffusion.tensor.DType.FLOAT32, Device.CPU, 8, 1, 8, 8);
        Tensor noise = Rand.normal(g, 8, 1, 8, 8);
        Tensor t = Rand.randint(g, 0, 1000, Device.CPU, 8);
        Tensor y = Rand.randint(g, 0, 4, Device.CPU, 8);
        Tensor xt = x0.mul(0.6).add(noise.mul(0.8));
        Adam opt = Adam.adam(net.namedParameters(), 1e-2);
        float first = 0, last = 0;
        StringBuilder trace = new StringBuilder();
        for (int step = 0; step < 40; step++) {
            Variable loss = LossFunctions.mse(net.forward(Variable.constant(xt), t, y), noise);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            last = (float) loss.item();
            if (step == 0) first = last;
            if (step % 10 == 0) trace.append(step).append(": ").append(last).append("  ");
        }
        assertTrue(last < first / 10, "loss fell from " + first + " to " + last + " (wanted 10x); " + trace);
    }
}
