package org.jdiffusion.nn;

import org.jdiffusion.autograd.ConvFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Generator;

/** 2-D convolution, NCHW: weight [out, in/groups, k, k], bias [out]. */
public final class Conv2d extends Layer {
    private final int in, out, kernel;
    private final Conv2dParams p;

    public Conv2d(int in, int out, int kernel, int stride, int padding, int groups, boolean bias, Generator g) {
        if (in < 1 || out < 1 || kernel < 1 || groups < 1 || in % groups != 0 || out % groups != 0)
            throw new IllegalArgumentException("Conv2d: in=" + in + ", out=" + out + ", kernel=" + kernel + ", groups=" + groups
                    + " (expected positive sizes with in and out divisible by groups)");
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.p = Conv2dParams.of(stride, padding, 1, groups);
        int fanIn = in / groups * kernel * kernel;
        registerParameter("weight", Init.fanInUniform(g, fanIn, out, in / groups, kernel, kernel));
        if (bias) registerParameter("bias", Init.fanInUniform(g, fanIn, out));
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding, Generator g) {
        this(in, out, kernel, stride, padding, 1, true, g);
    }

    /** k×k, stride 1, "same" padding (k odd). */
    public static Conv2d same(int in, int out, int kernel, Generator g) { return new Conv2d(in, out, kernel, 1, kernel / 2, g); }

    public int inChannels() { return in; }

    public int outChannels() { return out; }

    public int kernelSize() { return kernel; }

    public Conv2dParams params() { return p; }

    public Variable weight() { return param("weight"); }

    public Variable bias() { return paramOrNull("bias"); }

    @Override public Variable forward(Variable x) { return ConvFunctions.conv2d(x, weight(), bias(), p); }
}
