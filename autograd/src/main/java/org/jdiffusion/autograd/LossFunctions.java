package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

/** Losses, composed from differentiable ops (no rules of their own); each returns a 0-d mean. */
public final class LossFunctions {
    private LossFunctions() {}

    /** mean((pred − target)²) over every element; the shapes must be equal. */
    public static Variable mse(Variable pred, Variable target) {
        if (!java.util.Arrays.equals(pred.shape(), target.shape()))
            throw new IllegalArgumentException("mse: prediction " + pred.data().describe() + " and target " + target.data().describe()
                    + " differ in shape (expected equal shapes)");
        return ReduceFunctions.mean(PointwiseFunctions.square(PointwiseFunctions.sub(pred, target)));
    }

    public static Variable mse(Variable pred, Tensor target) { return mse(pred, Variable.constant(target)); }

    /**
     * Mean over the batch of −log softmax(logits)[label]: logits [N, C], labels int64 [N] in [0, C).
     * Composite of {@link NormFunctions#logSoftmax} and {@link IndexFunctions#gather}.
     */
    public static Variable crossEntropy(Variable logits, Tensor labels) {
        if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0) || labels.dtype() != DType.INT64)
            throw new IllegalArgumentException("crossEntropy: expected logits [N, C] and int64 labels [N], got "
                    + logits.data().describe() + " and " + labels.describe());
        if (labels.numel() > 0) {
            Tensor lo = labels.min(), hi = labels.max();
            if (lo.item() < 0 || hi.item() >= logits.size(1))
                throw new IllegalArgumentException("crossEntropy: labels range over [" + (long) lo.item() + ", " + (long) hi.item()
                        + "] but logits " + Shapes.str(logits.shape()) + " have " + logits.size(1) + " classes (expected 0.."
                        + (logits.size(1) - 1) + ")");
        }
        Variable logp = NormFunctions.logSoftmax(logits, 1);
        Variable picked = IndexFunctions.gather(logp, 1, labels.reshape(labels.size(0), 1));
        return PointwiseFunctions.neg(ReduceFunctions.mean(picked));
    }
}
