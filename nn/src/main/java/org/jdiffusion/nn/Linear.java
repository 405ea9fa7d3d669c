package org.jdiffusion.nn;

import org.jdiffusion.autograd.LinalgFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Generator;

/** y = x·Wᵀ + b with weight [out, in] and bias [out]; x [..., in] → [..., out]. */
public final class Linear extends Layer {
    private final int in, out;

    public Linear(int in, int out, boolean bias, Generator g) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear: sizes must be >= 1, got in=" + in + ", out=" + out);
        this.in = in;
        this.out = out;
        registerParameter("weight", Init.fanInUniform(g, in, out, in));
        if (bias) registerParameter("bias", Init.fanInUniform(g, in, out));
    }

    public Linear(int in, int out, Generator g) { this(in, out, true, g); }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }

    public Variable weight() { return param("weight"); }

    public Variable bias() { return paramOrNull("bias"); }

    @Override public Variable forward(Variable x) { return LinalgFunctions.linear(x, weight(), bias()); }
}
