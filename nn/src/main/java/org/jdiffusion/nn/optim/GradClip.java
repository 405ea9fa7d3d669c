package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Tensor;

import java.util.Collection;

/**
 * Gradient clipping by global norm (Pascanu et al., 2013): with ‖g‖ = √(Σ over all parameters of
 * Σ g²), every gradient is scaled by maxNorm / (‖g‖ + 1e-6) when that factor is below 1.
 */
public final class GradClip {
    private GradClip() {}

    /** Clips in place and returns the norm before clipping (NaN or ∞ when a gradient is not finite). */
    public static double clipGlobalNorm(Collection<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGlobalNorm: maxNorm must be > 0, got " + maxNorm);
        try (var ng = Grad.noGrad()) {
            double sq = 0;
            for (Variable v : params) {
                Tensor g = v.grad();
                if (g != null) sq += g.square().sum().item();
            }
            double norm = Math.sqrt(sq);
            double scale = maxNorm / (norm + 1e-6);
            if (scale < 1) {
                // in place on each leaf's own gradient buffer; a gradient set from outside is replaced, not written
                for (Variable v : params) v.scaleGrad(scale);
            }
            return norm;
        }
    }

    /** The global gradient norm without clipping. */
    public static double globalNorm(Collection<Variable> params) {
        double sq = 0;
        for (Variable v : params) if (v.grad() != null) sq += v.grad().square().sum().item();
        return Math.sqrt(sq);
    }
}
