package org.jdiffusion.nn;

import org.jdiffusion.autograd.NormFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;

/** Layer normalisation (Ba et al., 2016) over the trailing dims {@code normalizedShape}: (x − μ)/√(σ² + eps)·γ + β. */
public final class LayerNorm extends Layer {
    private final int[] normalizedShape;
    private final double eps;

    public LayerNorm(int[] normalizedShape, double eps, boolean affine) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm: normalizedShape must not be empty");
        Shapes.checkShape("LayerNorm", normalizedShape);
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        if (affine) {
            registerParameter("weight", Tensor.ones(normalizedShape));
            registerParameter("bias", Tensor.zeros(normalizedShape));
        }
    }

    public LayerNorm(int dim) { this(new int[]{dim}, 1e-5, true); }

    @Override public Variable forward(Variable x) {
        int[] s = x.shape(), k = normalizedShape;
        if (s.length < k.length || !Arrays.equals(Arrays.copyOfRange(s, s.length - k.length, s.length), k))
            throw new IllegalArgumentException("LayerNorm" + Shapes.str(k) + ": input " + x.data().describe()
                    + " does not end in the normalized shape");
        return NormFunctions.layerNorm(x, paramOrNull("weight"), paramOrNull("bias"), k.length, eps);
    }
}
