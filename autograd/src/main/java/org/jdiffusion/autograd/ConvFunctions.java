package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Tensor;

/** Differentiable conv2d, nearest upsampling and average pooling (NCHW), on the backend's gradient kernels. */
public final class ConvFunctions {
    private ConvFunctions() {}

    /**
     * y = conv(x, w) + b: dX = convᵀ(dY, w) ({@link Conv#conv2dBackwardInput}),
     * dW = Σ_n dY ⋆ x ({@link Conv#conv2dBackwardWeight}), dB = Σ_{n,h,w} dY.
     */
    public static Variable conv2d(Variable x, Variable w, Variable b, Conv2dParams p) {
        Tensor xs = x.data(), ws = w.data();
        Tensor out = Conv.conv2d(xs, ws, b == null ? null : b.data(), p);
        Tensor xSaved = w.requiresGrad() ? xs : null, wSaved = x.requiresGrad() ? ws : null;
        int[] xShape = xs.shape(), wShape = ws.shape();
        return Variable.result(out, "conv2d", dOut -> new Tensor[]{
                wSaved == null ? null : Conv.conv2dBackwardInput(dOut, wSaved, xShape, p),
                xSaved == null ? null : Conv.conv2dBackwardWeight(dOut, xSaved, wShape, p),
                b == null || !b.requiresGrad() ? null : dOut.sum(new int[]{0, 2, 3}, false)}, x, w, b);
    }

    /** Each pixel repeated scale×scale times; dX sums dY over each block. */
    public static Variable upsampleNearest(Variable x, int scale) {
        return Variable.result(Conv.upsampleNearest(x.data(), scale), "upsampleNearest",
                dOut -> new Tensor[]{Conv.upsampleNearestBackward(dOut, scale)}, x);
    }

    /** k×k windows with stride s, no padding; dX spreads each dY evenly over its window. */
    public static Variable avgPool2d(Variable x, int k, int s) {
        int[] xShape = x.shape();
        return Variable.result(Conv.avgPool2d(x.data(), k, s), "avgPool2d",
                dOut -> new Tensor[]{Conv.avgPool2dBackward(dOut, xShape, k, s)}, x);
    }
}
