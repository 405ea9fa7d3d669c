package org.jdiffusion.diffusion.loss;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.NetworkDenoiser;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DiffusionTrainerTest {
    static final UNetConfig TINY = new UNetConfig(1, 4, 8, List.of(1), 1, List.of(), 2, 0.0, 0, 8, 4, false);

    @Test
    void hybridWithImportanceSamplingAndMinSnrSteps() {
        Generator g = new Generator(1);
        Tensor x0 = Rand.randint(g, 0, 256, Device.CPU, 4, 1, 4, 4).to(org.jdiffusion.tensor.DType.FLOAT32).mul(2f / 255).sub(1);
        UNet lv = new UNet(TINY.withLearnedVariance(true), new Generator(2));
        DiffusionSpec spec = DiffusionSpec.ddpm().withLearnedVariance(true);
        DiffusionTrainer t = new DiffusionTrainer(lv, Adam.adam(lv.namedParameters(), 1e-3), spec, new DiffusionTrainer.Options(0, 0.1, true, 1.0));
        for (int s = 0; s < 3; s++) assertTrue(Double.isFinite(t.step(x0, null, g)));
        UNet plain = new UNet(TINY, new Generator(3));
        DiffusionTrainer m = new DiffusionTrainer(plain, Adam.adam(plain.namedParameters(), 1e-3), DiffusionSpec.ddpm().withPrediction(Prediction.V),
                new DiffusionTrainer.Options(5, 0.1, false, 0));
        for (int s = 0; s < 3; s++) assertTrue(Double.isFinite(m.step(x0, null, g)));
        // an unconditional network ignores labels when sampled
        Tensor out = NetworkDenoiser.of(plain).predict(x0, Tensor.ofLongs(new long[]{1, 2, 3, 4}, 4), Tensor.ofLongs(new long[]{0, 0, 0, 0}, 4));
        assertArrayEquals(x0.shape(), out.shape());
    }

    @Test
    void mismatchedSpecsAreNamed() {
        UNet net = new UNet(TINY, new Generator(4));
        var e = assertThrows(IllegalArgumentException.class, () -> new DiffusionTrainer(net, Adam.adam(net.namedParameters(), 1e-3),
                DiffusionSpec.ddpm().withLearnedVariance(true), DiffusionTrainer.Options.defaults()));
        assertTrue(e.getMessage().contains("learnedVariance"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DiffusionTrainer(net, Adam.adam(net.namedParameters(), 1e-3),
                DiffusionSpec.ddpm().withClasses(10, 10), DiffusionTrainer.Options.defaults()));
        assertTrue(e.getMessage().contains("classes"), e.getMessage());
    }
}
