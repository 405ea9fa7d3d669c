package org.jdiffusion.nn;

import org.jdiffusion.autograd.NormFunctions;
import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.ShapeFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Generator;

/**
 * Multi-head self-attention over the H·W positions of a feature map, with a residual:
 * children {@code n} GroupNorm(c), {@code qkv} Conv1x1(c→3c), {@code o} Conv1x1(c→c).
 * <pre>
 *   qkv(n(x)) : [B, 3c, H, W] → [B, 3, heads, d, HW]   (d = c/heads; q, k, v in that order)
 *   w[i, j]   = softmax_j(Σ_d q[d, i]·k[d, j] / √d)
 *   a[d, i]   = Σ_j w[i, j]·v[d, j]  → [B, c, H, W]     out = x + o(a)
 * </pre>
 */
public final class SpatialSelfAttention extends Layer {
    private final int channels, heads;
    private final GroupNorm n;
    private final Conv2d qkv, o;

    public SpatialSelfAttention(int channels, int heads, int groups, double eps, Generator g) {
        if (heads < 1 || channels % heads != 0)
            throw new IllegalArgumentException("SpatialSelfAttention: " + channels + " channels cannot split into " + heads + " heads");
        this.channels = channels;
        this.heads = heads;
        this.n = registerModule("n", new GroupNorm(groups, channels, eps, true));
        this.qkv = registerModule("qkv", new Conv2d(channels, 3 * channels, 1, 1, 0, g));
        this.o = registerModule("o", new Conv2d(channels, channels, 1, 1, 0, g));
    }

    public int heads() { return heads; }

    @Override public Variable forward(Variable x) {
        if (x.dim() != 4 || x.size(1) != channels)
            throw new IllegalArgumentException("SpatialSelfAttention(" + channels + "): expected input [B, " + channels + ", H, W], got "
                    + x.data().describe());
        int b = x.size(0), h = x.size(2), w = x.size(3), d = channels / heads, t = h * w;
        Variable y = ShapeFunctions.reshape(qkv.forward(n.forward(x)), b, 3, heads, d, t);
        // [B, heads, d, T] → [B, heads, T, d], the layout of the fused attention op
        Variable q = ShapeFunctions.transpose(ShapeFunctions.select(y, 1, 0), 2, 3);
        Variable k = ShapeFunctions.transpose(ShapeFunctions.select(y, 1, 1), 2, 3);
        Variable v = ShapeFunctions.transpose(ShapeFunctions.select(y, 1, 2), 2, 3);
        Variable a = NormFunctions.attention(q, k, v, null, 1.0 / Math.sqrt(d));
        a = ShapeFunctions.reshape(ShapeFunctions.transpose(a, 2, 3), b, channels, h, w);
        return PointwiseFunctions.add(x, o.forward(a));
    }
}
