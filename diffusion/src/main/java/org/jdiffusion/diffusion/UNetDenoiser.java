package org.jdiffusion.diffusion;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.tensor.Tensor;

/**
 * A {@link UNet} as a {@link Denoiser}: evaluation mode, no gradient recording. Labels go to a
 * class-conditional network (null meaning its "no class" id) and are ignored by an unconditional one.
 */
public final class UNetDenoiser implements Denoiser {
    private final UNet net;

    public UNetDenoiser(UNet net) { this.net = net; }

    public UNet network() { return net; }

    @Override
    public Tensor predict(Tensor xt, Tensor t, Tensor y) {
        net.eval();
        try (var ng = Grad.noGrad()) {
            return net.forward(Variable.constant(xt), t, net.config().numClasses() > 0 ? y : null).data();
        }
    }
}
