package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.ShapeFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Activation;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.Sequential;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * The network of {@code train} on 2-D data: an MLP with three hidden layers of 128 ReLU units on
 * [x_t, sinusoidal features of the integer timestep] (the U-Net's time features, 32 wide), output
 * the prediction (ε, x_0 or v) of x_t's shape, twice as wide with a learned variance.
 * <pre>  x [B, 2], t [B] → [B, 2] (or [B, 4]);  34 → 128 → 128 → 128 → 2</pre>
 */
public final class TimeMlp extends Module {
    static final int TIME_FEATURES = 32, HIDDEN = 128;
    private final Sequential net;

    public TimeMlp(int outChannels, Generator g) {
        net = registerModule("net", new Sequential(
                new Linear(2 + TIME_FEATURES, HIDDEN, g), Activation.relu(),
                new Linear(HIDDEN, HIDDEN, g), Activation.relu(),
                new Linear(HIDDEN, HIDDEN, g), Activation.relu(),
                new Linear(HIDDEN, outChannels, g)));
    }

    public Variable forward(Variable x, Tensor t) {
        Tensor feats = UNet.timeFeatures(t, TIME_FEATURES, x.dtype()).to(x.data().device());
        return net.forward(ShapeFunctions.cat(List.of(x, Variable.constant(feats)), 1));
    }
}
