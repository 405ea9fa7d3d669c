package org.jdiffusion.nn;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.nn.optim.GradClip;
import org.jdiffusion.nn.optim.LrSchedule;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A complete small training run for tests: a tiny conditional U-Net with dropout, AdamW with a
 * cosine schedule, clipping and EMA, learning to predict the noise added to a fixed batch of 8
 * images at random noise levels. Every source of randomness is a saved generator.
 */
public final class TinyRun {
    public static final UNetConfig CONFIG = new UNetConfig(1, 8, 8, List.of(1, 2), 1, List.of(4), 2, 0.1, 3, 16, 4, false);

    public final UNet net;
    public final Adam opt;
    public final Ema ema;
    public final Tensor x0, y;
    public Generator data, dropout;
    public long step;
    private final LrSchedule schedule = LrSchedule.cosine(3e-3, 5, 200, 3e-4);

    public TinyRun(long seed) {
        net = new UNet(CONFIG, new Generator(seed));
        dropout = new Generator(seed + 1);
        net.setDropoutGenerator(dropout);
        data = new Generator(seed + 2);
        Generator imgs = new Generator(1234);   // the batch is the same for every run
        x0 = Rand.uniform(imgs, -1, 1, org.jdiffusion.tensor.DType.FLOAT32, Device.CPU, 8, 1, 8, 8);
        y = Rand.randint(imgs, 0, 4, Device.CPU, 8);
        opt = Adam.adamW(net.namedParameters(), schedule.lr(0), 1e-4);
        ema = new Ema(net, 0.99, 10);
    }

    /** One update; returns the loss before it. */
    public float trainStep() {
        opt.setLr(schedule.lr(step));
        Tensor t = Rand.randint(data, 0, 100, Device.CPU, 8);
        Tensor noise = Rand.normal(data, 8, 1, 8, 8);
        Tensor a = t.to(org.jdiffusion.tensor.DType.FLOAT32).div(100).view(8, 1, 1, 1);      // noise level in [0, 1)
        Tensor xt = x0.mul(a.neg().add(1).sqrt()).add(noise.mul(a.sqrt()));
        Variable loss = LossFunctions.mse(net.forward(Variable.constant(xt), t, y), noise);
        opt.zeroGrad();
        loss.backward();
        GradClip.clipGlobalNorm(net.parameters(), 1.0);
        opt.step();
        ema.update(net);
        step++;
        return (float) loss.item();
    }

    public void save(Path p) {
        TrainingCheckpoint.save(p, net, ema, opt, step, Map.of("data", data, "dropout", dropout), "{\"run\":\"tiny\"}");
    }

    /** A run continued from a checkpoint; built from another seed so that only the file carries state. */
    public static TinyRun resume(Path p) {
        TinyRun r = new TinyRun(987_654);
        TrainingCheckpoint ck = TrainingCheckpoint.read(p);
        ck.restore(r.net, r.ema, r.opt);
        r.step = ck.step();
        r.data = ck.rng("data");
        r.dropout = ck.rng("dropout");
        r.net.setDropoutGenerator(r.dropout);
        return r;
    }
}
