package org.jdiffusion.tensor;

/**
 * Pointwise functions y = f(x) of one operand. Each constant carries its float64 formula, which is
 * the definition every backend is tested against. Backward rules live in autograd's {@code Elementwise}.
 */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, SQUARE, TANH, SIGMOID, RELU, SILU,
    /** gelu(x) = x·Φ(x) = x/2·(1 + erf(x/√2)). */
    GELU,
    /** gelu_tanh(x) = x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    GELU_TANH,
    SIN, COS, FLOOR,
    /** sign(x) ∈ {−1, 0, 1}. */
    SIGN;

    /** Whether the function is defined only for floating dtypes. */
    public boolean needsFloating() {
        return switch (this) {
            case NEG, ABS, SQUARE, RELU, SIGN, FLOOR -> false;
            default -> true;
        };
    }

    /** The reference definition in float64. */
    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case SQUARE -> x * x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
            case RELU -> x > 0 || Double.isNaN(x) ? x : 0.0;
            case SILU -> x * (x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x)));
            case GELU -> 0.5 * x * Erf.erfc(-x / Math.sqrt(2.0));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case FLOOR -> Math.floor(x);
            case SIGN -> Math.signum(x);
        };
    }

    /** The definition on int64 values (exact, no rounding through double) for the ops that allow int64. */
    public long applyLong(long x) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RELU -> Math.max(x, 0);
            case SIGN -> Long.signum(x);
            case FLOOR -> x;
            default -> throw new UnsupportedOperationException(opName() + " needs a floating dtype");
        };
    }

    public String opName() { return name().toLowerCase(); }
}
