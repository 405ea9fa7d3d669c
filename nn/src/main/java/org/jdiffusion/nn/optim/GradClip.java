package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Gradient clipping by global norm (Pascanu et al., 2013): with ‖g‖ = √(Σ over all parameters of
 * Σ g²), every gradient is scaled by min(1, maxNorm / (‖g‖ + 1e-6)). The norm and the factor are
 * computed on the gradients' device and never read back inside the step: the {@code deferred}
 * forms return ‖g‖ as a 0-d float64 tensor to read after the step (a GPU keeps running meanwhile),
 * the plain forms read it at the end (one synchronisation, not one per parameter).
 */
public final class GradClip {
    private GradClip() {}

    /** Clips in place and returns the norm before clipping (NaN or ∞ when a gradient is not finite). */
    public static double clipGlobalNorm(Collection<Variable> params, double maxNorm) {
        Tensor norm = clipGlobalNormDeferred(params, maxNorm);
        return norm == null ? 0 : norm.item();
    }

    /**
     * Clips in place without reading anything back: every leaf's own gradient buffer is multiplied by
     * the factor (a tensor on the device, exactly 1 when ‖g‖ is small enough); a gradient set from
     * outside is replaced, not written. Returns ‖g‖ as a 0-d float64 tensor, or null when no
     * parameter has a gradient.
     */
    public static Tensor clipGlobalNormDeferred(Collection<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGlobalNorm: maxNorm must be > 0, got " + maxNorm);
        try (var ng = Grad.noGrad()) {
            Tensor norm = globalNormDeferred(params);
            if (norm == null) return null;
            // factor = min(1, maxNorm / (‖g‖ + 1e-6)) in float64, then in each gradient's dtype (as a host scalar would be)
            Tensor factor = Tensor.scalar(maxNorm, DType.FLOAT64, norm.device()).div(norm.add(1e-6)).minimum(1.0);
            for (Variable v : params) if (v.grad() != null) v.scaleGrad(factor.to(v.grad().dtype()));
            return norm;
        }
    }

    /** The global gradient norm without clipping. */
    public static double globalNorm(Collection<Variable> params) {
        Tensor norm = globalNormDeferred(params);
        return norm == null ? 0 : norm.item();
    }

    /**
     * ‖g‖ as a 0-d float64 tensor on the gradients' device (null when none has a gradient): each
     * gradient's Σ g² in its own dtype, widened to float64 and summed, then the square root.
     */
    public static Tensor globalNormDeferred(Collection<Variable> params) {
        try (var ng = Grad.noGrad()) {
            List<Tensor> sums = new ArrayList<>();
            for (Variable v : params) {
                Tensor g = v.grad();
                if (g == null) continue;
                Tensor s = g.square().sum().to(DType.FLOAT64);
                if (!sums.isEmpty() && !s.device().equals(sums.getFirst().device()))
                    throw new IllegalArgumentException("globalNorm: gradients on " + sums.getFirst().device() + " and " + s.device()
                            + " (expected every parameter on one device)");
                sums.add(s);
            }
            if (sums.isEmpty()) return null;
            return Join.stack(sums, 0).sum().sqrt();
        }
    }
}
