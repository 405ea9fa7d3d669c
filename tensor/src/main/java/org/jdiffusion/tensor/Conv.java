package org.jdiffusion.tensor;

/**
 * Frontends of conv2d and its two gradients, nearest upsampling and average pooling (NCHW). Inside an
 * {@link Autocast} scope the float32 convolutions multiply bfloat16 values (the bias stays float32).
 */
public final class Conv {
    private Conv() {}

    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dParams p) {
        checkConv(x, w, p);
        if (bias != null) {
            TensorMath.checkSameDevice("conv2d", x, bias);
            TensorMath.checkSameDtype("conv2d", x, bias);
            if (bias.dim() != 1 || bias.size(0) != w.size(0))
                throw new IllegalArgumentException("conv2d: bias " + bias.describe() + " does not fit weight " + w.describe()
                        + " (expected [" + w.size(0) + "])");
        }
        int ho = p.outH(x.size(2), w.size(2)), wo = p.outW(x.size(3), w.size(3));
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.size(0), w.size(0), ho, wo);
        x.backend().conv2d(Autocast.gemmOperand(x), Autocast.gemmOperand(w), bias, p, out);
        return out;
    }

    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        return conv2d(x, w, bias, Conv2dParams.of(stride, padding));
    }

    /** The input gradient of conv2d for an input of shape xShape. */
    public static Tensor conv2dBackwardInput(Tensor dY, Tensor w, int[] xShape, Conv2dParams p) {
        Tensor dX = Tensor.empty(dY.dtype(), dY.device(), xShape);
        dY.backend().conv2dBackwardInput(Autocast.gemmOperand(dY), Autocast.gemmOperand(w), p, dX);
        return dX;
    }

    /** The weight gradient of conv2d for a weight of shape wShape. */
    public static Tensor conv2dBackwardWeight(Tensor dY, Tensor x, int[] wShape, Conv2dParams p) {
        Tensor dW = Tensor.empty(dY.dtype(), dY.device(), wShape);
        dY.backend().conv2dBackwardWeight(Autocast.gemmOperand(dY), Autocast.gemmOperand(x), p, dW);
        return dW;
    }

    private static void checkConv(Tensor x, Tensor w, Conv2dParams p) {
        TensorMath.checkSameDevice("conv2d", x, w);
        TensorMath.checkSameDtype("conv2d", x, w);
        TensorMath.checkFloating("conv2d", x);
        if (x.dim() != 4 || w.dim() != 4)
            throw new IllegalArgumentException("conv2d: expected input [N, C, H, W] and weight [O, C/groups, kH, kW], got "
                    + x.describe() + " and " + w.describe());
        int c = x.size(1), o = w.size(0), g = p.groups();
        if (c % g != 0 || o % g != 0 || w.size(1) * g != c)
            throw new IllegalArgumentException("conv2d: input " + Shapes.str(x.shape()) + " (" + c + " channels), weight " + Shapes.str(w.shape()) + " and groups " + g
                    + " do not fit (expected C = weight.size(1)·groups and O divisible by groups)");
        int ho = p.outH(x.size(2), w.size(2)), wo = p.outW(x.size(3), w.size(3));
        if (ho < 1 || wo < 1)
            throw new IllegalArgumentException("conv2d: input " + Shapes.str(x.shape()) + " is too small for kernel "
                    + w.size(2) + "x" + w.size(3) + " with " + p + " (output would be " + ho + "x" + wo + ")");
    }

    /** x [N, C, H, W] → [N, C, H·scale, W·scale], each pixel repeated. */
    public static Tensor upsampleNearest(Tensor x, int scale) {
        check4d("upsampleNearest", x);
        if (scale < 1) throw new IllegalArgumentException("upsampleNearest: scale must be >= 1, got " + scale);
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.size(0), x.size(1), x.size(2) * scale, x.size(3) * scale);
        x.backend().upsampleNearest(x, scale, scale, out);
        return out;
    }

    public static Tensor upsampleNearestBackward(Tensor dY, int scale) {
        Tensor dX = Tensor.empty(dY.dtype(), dY.device(), dY.size(0), dY.size(1), dY.size(2) / scale, dY.size(3) / scale);
        dY.backend().upsampleNearestBackward(dY, scale, scale, dX);
        return dX;
    }

    /** Average pooling with a k×k window and stride s, no padding. */
    public static Tensor avgPool2d(Tensor x, int k, int s) {
        check4d("avgPool2d", x);
        if (k < 1 || s < 1 || x.size(2) < k || x.size(3) < k)
            throw new IllegalArgumentException("avgPool2d: kernel " + k + " and stride " + s + " do not fit input " + x.describe());
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.size(0), x.size(1), (x.size(2) - k) / s + 1, (x.size(3) - k) / s + 1);
        x.backend().avgPool2d(x, k, s, out);
        return out;
    }

    public static Tensor avgPool2dBackward(Tensor dY, int[] xShape, int k, int s) {
        Tensor dX = Tensor.empty(dY.dtype(), dY.device(), xShape);
        dY.backend().avgPool2dBackward(dY, k, s, dX);
        return dX;
    }

    private static void check4d(String op, Tensor x) {
        TensorMath.checkFloating(op, x);
        if (x.dim() != 4) throw new IllegalArgumentException(op + ": expected input [N, C, H, W], got " + x.describe());
    }
}
