package org.jdiffusion.nn;

import org.jdiffusion.autograd.ConvFunctions;
import org.jdiffusion.autograd.Variable;

/** Nearest-neighbour upsampling by an integer factor: [N, C, H, W] → [N, C, H·s, W·s]. */
public final class Upsample extends Layer {
    private final int scale;

    public Upsample(int scale) {
        if (scale < 1) throw new IllegalArgumentException("Upsample: scale must be >= 1, got " + scale);
        this.scale = scale;
    }

    public int scale() { return scale; }

    @Override public Variable forward(Variable x) { return ConvFunctions.upsampleNearest(x, scale); }
}
