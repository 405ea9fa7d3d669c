package org.jdiffusion.nn;

import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.Variable;

/** A parameter-free elementwise nonlinearity: SiLU x·σ(x), GELU x·Φ(x) (exact erf form), or ReLU max(x, 0). */
public final class Activation extends Layer {
    public enum Kind { SILU, GELU, RELU }

    private final Kind kind;

    public Activation(Kind kind) { this.kind = kind; }

    public static Activation silu() { return new Activation(Kind.SILU); }

    public static Activation gelu() { return new Activation(Kind.GELU); }

    public static Activation relu() { return new Activation(Kind.RELU); }

    public Kind kind() { return kind; }

    @Override public Variable forward(Variable x) {
        return switch (kind) {
            case SILU -> PointwiseFunctions.silu(x);
            case GELU -> PointwiseFunctions.gelu(x);
            case RELU -> PointwiseFunctions.relu(x);
        };
    }

    @Override public String toString() { return kind.name(); }
}
