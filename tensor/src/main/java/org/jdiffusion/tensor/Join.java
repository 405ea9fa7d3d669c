package org.jdiffusion.tensor;

import java.util.ArrayList;
import java.util.List;

/** Concatenation, stacking, splitting and padding, composed from views and {@link Backend#copy}. */
public final class Join {
    private Join() {}

    /** Joins tensors of one rank, dtype and device along dim; other sizes must agree. */
    public static Tensor cat(List<Tensor> ts, int dim) {
        if (ts.isEmpty()) throw new IllegalArgumentException("cat: needs at least one tensor");
        Tensor first = ts.get(0);
        int d = Shapes.dim("cat", dim, first.shape());
        int[] sh = first.shape();
        int total = 0;
        for (int i = 0; i < ts.size(); i++) {
            Tensor t = ts.get(i);
            TensorMath.checkSameDevice("cat", first, t);
            TensorMath.checkSameDtype("cat", first, t);
            int[] s = t.shape();
            boolean ok = s.length == sh.length;
            for (int k = 0; ok && k < s.length; k++) if (k != d && s[k] != sh[k]) ok = false;
            if (!ok)
                throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shapes.str(s) + " but tensor 0 has " + Shapes.str(sh)
                        + " (expected equal sizes except along dim " + d + ")");
            total += s[d];
        }
        sh[d] = total;
        Tensor out = Tensor.empty(first.dtype(), first.device(), sh);
        int off = 0;
        for (Tensor t : ts) {
            int n = t.size(d);
            if (n > 0) out.backend().copy(t, out.narrow(d, off, n));
            off += n;
        }
        return out;
    }

    /** Stacks tensors of one shape along a new dim. */
    public static Tensor stack(List<Tensor> ts, int dim) {
        if (ts.isEmpty()) throw new IllegalArgumentException("stack: needs at least one tensor");
        int r = ts.get(0).dim();
        int d = dim < 0 ? dim + r + 1 : dim;
        List<Tensor> u = new ArrayList<>();
        for (int i = 0; i < ts.size(); i++) {
            if (!java.util.Arrays.equals(ts.get(i).shape(), ts.get(0).shape()))
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shapes.str(ts.get(i).shape())
                        + " but tensor 0 has " + Shapes.str(ts.get(0).shape()) + " (expected one shape)");
            u.add(ts.get(i).unsqueeze(d));
        }
        return cat(u, d);
    }

    /** Views of consecutive pieces of {@code size} along dim (the last may be shorter). */
    public static List<Tensor> split(Tensor t, int size, int dim) {
        if (size < 1) throw new IllegalArgumentException("split: size must be >= 1, got " + size);
        int d = Shapes.dim("split", dim, t.shape());
        List<Tensor> r = new ArrayList<>();
        for (int s = 0; s < t.size(d); s += size) r.add(t.narrow(d, s, Math.min(size, t.size(d) - s)));
        return r;
    }

    /** {@code chunks} views of near-equal size along dim. */
    public static List<Tensor> chunk(Tensor t, int chunks, int dim) {
        if (chunks < 1) throw new IllegalArgumentException("chunk: chunks must be >= 1, got " + chunks);
        int n = t.size(dim);
        return split(t, Math.max(1, (n + chunks - 1) / chunks), dim);
    }

    /**
     * Constant padding; {@code pads} = (left, right) pairs starting from the last dim, as PyTorch's
     * F.pad: {1, 1, 2, 2} pads W by 1 and H by 2 on each side.
     */
    public static Tensor pad(Tensor x, int[] pads, double value) {
        if (pads.length % 2 != 0 || pads.length / 2 > x.dim())
            throw new IllegalArgumentException("pad: " + java.util.Arrays.toString(pads) + " must hold (before, after) pairs for at most "
                    + x.dim() + " dims");
        int[] sh = x.shape();
        for (int i = 0; i < pads.length / 2; i++) {
            int d = sh.length - 1 - i;
            if (pads[2 * i] < 0 || pads[2 * i + 1] < 0)
                throw new IllegalArgumentException("pad: negative padding " + java.util.Arrays.toString(pads) + " (expected >= 0)");
            sh[d] += pads[2 * i] + pads[2 * i + 1];
        }
        Tensor out = Tensor.full(value, x.dtype(), x.device(), sh);
        Tensor inner = out;
        for (int i = 0; i < pads.length / 2; i++) {
            int d = sh.length - 1 - i;
            inner = inner.narrow(d, pads[2 * i], x.size(d));
        }
        out.backend().copy(x, inner);
        return out;
    }
}
