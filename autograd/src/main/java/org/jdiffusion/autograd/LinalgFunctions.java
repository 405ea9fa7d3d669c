package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Linalg;
import org.jdiffusion.tensor.Tensor;

/** Differentiable matmul (batch broadcasting, 1-d operands as in {@link Linalg#matmul}) and linear. */
public final class LinalgFunctions {
    private LinalgFunctions() {}

    /**
     * a [..., M, K] · b [..., K, N]: dA = dOut·bᵀ, dB = aᵀ·dOut, each summed over the batch dims
     * its operand was broadcast along. A 1-d a is a row [1, K], a 1-d b a column [K, 1].
     */
    public static Variable matmul(Variable a, Variable b) {
        Tensor x = a.data(), y = b.data();
        Tensor out = Linalg.matmul(x, y);
        boolean aVec = x.dim() == 1, bVec = y.dim() == 1;
        Tensor x2 = aVec ? x.unsqueeze(0) : x, y2 = bVec ? y.unsqueeze(1) : y;
        Tensor xSaved = b.requiresGrad() ? x2 : null, ySaved = a.requiresGrad() ? y2 : null;
        int[] as = a.shape(), bs = b.shape(), as2 = x2.shape(), bs2 = y2.shape();
        return Variable.result(out, "matmul", dOut -> {
            Tensor g = dOut;
            if (aVec) g = g.unsqueeze(bVec ? 0 : -2);
            if (bVec) g = g.unsqueeze(-1);
            Tensor dA = null, dB = null;
            if (ySaved != null) dA = PointwiseFunctions.unbroadcast(Linalg.matmul(g, ySaved.transpose(-1, -2)), as2).reshape(as);
            if (xSaved != null) dB = PointwiseFunctions.unbroadcast(Linalg.matmul(xSaved.transpose(-1, -2), g), bs2).reshape(bs);
            return new Tensor[]{dA, dB};
        }, a, b);
    }

    /**
     * x [..., in] · wᵀ + b with w [out, in], b [out] or null: dX = dOut·w, dW = dOutᵀ·x and
     * dB = Σ dOut over the rows (all dims but the last flattened into one).
     */
    public static Variable linear(Variable x, Variable w, Variable b) {
        Tensor xs = x.data(), ws = w.data();
        Tensor out = Linalg.linear(xs, ws, b == null ? null : b.data());
        Tensor xSaved = w.requiresGrad() ? xs : null, wSaved = x.requiresGrad() ? ws : null;
        int in = ws.size(1), outF = ws.size(0);
        return Variable.result(out, "linear", dOut -> {
            Tensor rows = dOut.reshape(-1, outF);
            Tensor dX = wSaved == null ? null : Linalg.matmul(dOut, wSaved);
            Tensor dW = xSaved == null ? null : Linalg.matmul(rows.transpose(0, 1), xSaved.reshape(-1, in));
            Tensor dB = b == null || !b.requiresGrad() ? null : rows.sum(new int[]{0}, false);
            return new Tensor[]{dX, dW, dB};
        }, x, w, b);
    }
}
