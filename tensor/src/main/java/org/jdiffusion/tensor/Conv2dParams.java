package org.jdiffusion.tensor;

/**
 * Geometry of a 2-D convolution: x [N, C, H, W] * w [O, C/groups, kH, kW] → y [N, O, Ho, Wo] with
 * Ho = ⌊(H + 2·padH − dilH·(kH − 1) − 1) / strideH⌋ + 1 (and the same for W).
 */
public record Conv2dParams(int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups) {
    public Conv2dParams {
        if (strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || groups < 1 || padH < 0 || padW < 0)
            throw new IllegalArgumentException("conv2d: stride, dilation and groups must be >= 1 and padding >= 0, got " + this);
    }

    public static Conv2dParams of(int stride, int padding) { return new Conv2dParams(stride, stride, padding, padding, 1, 1, 1); }

    public static Conv2dParams of(int stride, int padding, int dilation, int groups) {
        return new Conv2dParams(stride, stride, padding, padding, dilation, dilation, groups);
    }

    // floorDiv: a kernel wider than the padded input gives a negative numerator, hence no output
    public int outH(int h, int kh) { return Math.floorDiv(h + 2 * padH - dilH * (kh - 1) - 1, strideH) + 1; }

    public int outW(int w, int kw) { return Math.floorDiv(w + 2 * padW - dilW * (kw - 1) - 1, strideW) + 1; }
}
