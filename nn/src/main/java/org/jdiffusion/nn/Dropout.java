package org.jdiffusion.nn;

import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Generator;

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the rest
 * scaled by 1/(1−p); the identity in eval mode. Masks come from the generator the training loop
 * hands to {@link Module#setDropoutGenerator}, so a resumed run draws the same masks.
 */
public final class Dropout extends Layer {
    private final double p;
    private Generator g;

    public Dropout(double p, Generator g) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.g = g;
    }

    public double p() { return p; }

    void setGenerator(Generator g) { this.g = g; }

    @Override public Variable forward(Variable x) {
        if (!isTraining() || p == 0) return x;
        if (g == null) throw new IllegalStateException("Dropout(" + p + "): training mode needs a generator; call setDropoutGenerator");
        return PointwiseFunctions.dropout(x, p, g, true);
    }
}
