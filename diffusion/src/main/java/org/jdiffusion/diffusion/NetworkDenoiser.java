package org.jdiffusion.diffusion;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.tensor.Tensor;

/**
 * A network as a {@link Denoiser}, the one adapter for every network: its forward is called on a
 * constant x_t with no gradient recording. {@link #of(UNet)} adapts the U-Net: evaluation mode, labels
 * to a class-conditional network (null meaning its "no class" id) and none to an unconditional one.
 * The program's networks (U-Nets and the 2-D MLP) come through {@link #NetworkDenoiser(Forward)}.
 */
public final class NetworkDenoiser implements Denoiser {
    /** A network's forward: the output for x_t, timesteps t [B] (int64) and labels y [B] or null. */
    @FunctionalInterface
    public interface Forward {
        Variable forward(Variable x, Tensor t, Tensor y);
    }

    private final Forward net;

    public NetworkDenoiser(Forward net) { this.net = net; }

    /** The U-Net in evaluation mode; labels reach it only when it is class-conditional. */
    public static NetworkDenoiser of(UNet net) {
        return new NetworkDenoiser((x, t, y) -> {
            net.eval();
            return net.forward(x, t, net.config().numClasses() > 0 ? y : null);
        });
    }

    @Override
    public Tensor predict(Tensor xt, Tensor t, Tensor y) {
        try (var ng = Grad.noGrad()) {
            return net.forward(Variable.constant(xt), t, y).data();
        }
    }
}
