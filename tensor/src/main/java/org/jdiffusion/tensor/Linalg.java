package org.jdiffusion.tensor;

/** Frontends of matmul (NumPy semantics with batch broadcasting) and linear. */
public final class Linalg {
    private Linalg() {}

    /**
     * a [..., M, K] · b [..., K, N] → [..., M, N] with the batch dims broadcast; a 1-D operand is
     * treated as a row (a) or column (b) vector and its dim dropped from the result. Inside an
     * {@link Autocast} scope float32 operands are multiplied as bfloat16.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        TensorMath.checkSameDevice("matmul", a, b);
        TensorMath.checkSameDtype("matmul", a, b);
        TensorMath.checkFloating("matmul", a);
        if (a.dim() == 0 || b.dim() == 0)
            throw new IllegalArgumentException("matmul: operands must be at least 1-d, got " + a.describe() + " and " + b.describe());
        boolean aVec = a.dim() == 1, bVec = b.dim() == 1;
        Tensor ar = Autocast.gemmOperand(a), br = Autocast.gemmOperand(b);
        Tensor a2 = aVec ? ar.unsqueeze(0) : ar, b2 = bVec ? br.unsqueeze(1) : br;
        int[] as = a2.shape(), bs = b2.shape();
        int m = as[as.length - 2], k = as[as.length - 1], k2 = bs[bs.length - 2], n = bs[bs.length - 1];
        if (k != k2)
            throw new IllegalArgumentException("matmul: inner dims differ: " + Shapes.str(a.shape()) + " · " + Shapes.str(b.shape())
                    + " (expected a's last dim " + k + " to equal b's second-to-last dim " + k2 + ")");
        int[] batch = Shapes.broadcast("matmul", java.util.Arrays.copyOf(as, as.length - 2), java.util.Arrays.copyOf(bs, bs.length - 2));
        int nb = Shapes.numel(batch);
        Tensor a3 = a2.expand(concat(batch, m, k)).reshape(nb, m, k);
        Tensor b3 = b2.expand(concat(batch, k, n)).reshape(nb, k, n);
        Tensor out = Tensor.empty(a.dtype(), a.device(), nb, m, n);
        a.backend().matmul(a3, b3, out);
        Tensor r = out.view(concat(batch, m, n));
        if (aVec) r = r.squeeze(-2);
        if (bVec) r = r.squeeze(-1);
        return r;
    }

    /** x [..., in] · wᵀ + b with w [out, in], b [out] or null → [..., out]. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        TensorMath.checkSameDevice("linear", x, w);
        TensorMath.checkSameDtype("linear", x, w);
        TensorMath.checkFloating("linear", x);
        if (b != null) {
            TensorMath.checkSameDevice("linear", x, b);
            TensorMath.checkSameDtype("linear", x, b);
        }
        if (w.dim() != 2 || x.dim() < 1 || x.size(-1) != w.size(1))
            throw new IllegalArgumentException("linear: input " + x.describe() + " and weight " + w.describe()
                    + " do not fit (expected weight [out, in] with in = input's last dim)");
        if (b != null && (b.dim() != 1 || b.size(0) != w.size(0)))
            throw new IllegalArgumentException("linear: bias " + b.describe() + " does not fit weight " + w.describe()
                    + " (expected [" + w.size(0) + "])");
        Tensor y = matmul(x, w.transpose(0, 1));
        return b == null ? y : y.addInPlace(b);
    }

    static int[] concat(int[] batch, int x, int y) {
        int[] r = java.util.Arrays.copyOf(batch, batch.length + 2);
        r[batch.length] = x;
        r[batch.length + 1] = y;
        return r;
    }
}
