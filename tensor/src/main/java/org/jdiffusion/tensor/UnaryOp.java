package org.jdiffusion.tensor;

/**
 * Pointwise functions y = f(x) of one operand, each declared once here: its float64 formula
 * ({@link #apply}, the definition every backend is tested against and the CPU reference's kernel),
 * whether int64 takes it, the domain its tests draw from, whether the fast CPU backend has a Vector
 * API kernel for it ({@code FastElementwise}), and the name of its backward rule in autograd's
 * {@code PointwiseFunctions} (null: not differentiable). Every op has a CUDA case in
 * {@code elementwise.cu}, keyed by the id {@code op_ids.cuh} generates from this enum. {@link OpTable}
 * renders OPS.md from these declarations; the tests of kernels and autograd check each one against
 * the code it names. Adding an op: a constant here, its case in {@code FastElementwise} and
 * {@code elementwise.cu}, its rule in {@code PointwiseFunctions}, then {@code ./scripts/gen-ops}.
 */
public enum UnaryOp {
    NEG(Domain.REAL, true, true, "neg"),
    ABS(Domain.REAL, true, true, "abs"),
    EXP(Domain.REAL, false, true, "exp"),
    LOG(Domain.POSITIVE, false, true, "log"),
    SQRT(Domain.POSITIVE, false, true, "sqrt"),
    RSQRT(Domain.POSITIVE, false, true, "rsqrt"),
    SQUARE(Domain.REAL, true, true, "square"),
    TANH(Domain.REAL, false, true, "tanh"),
    SIGMOID(Domain.REAL, false, true, "sigmoid"),
    RELU(Domain.REAL, true, true, "relu"),
    SILU(Domain.REAL, false, true, "silu"),
    /** gelu(x) = x·Φ(x) = x/2·(1 + erf(x/√2)). */
    GELU(Domain.REAL, false, false, "gelu"),
    /** gelu_tanh(x) = x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    GELU_TANH(Domain.REAL, false, true, "geluTanh"),
    SIN(Domain.REAL, false, true, "sin"),
    COS(Domain.REAL, false, true, "cos"),
    FLOOR(Domain.REAL, true, false, null),
    /** sign(x) ∈ {−1, 0, 1}. */
    SIGN(Domain.REAL, true, false, null),
    /** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which neither overflows nor loses e^x ≪ 1; d/dx = σ(x). */
    SOFTPLUS(Domain.REAL, false, true, "softplus");

    /** Where an op's tests draw their inputs: all reals, or (0, ∞) for log, sqrt and rsqrt. */
    public enum Domain { REAL, POSITIVE }

    private final Domain domain;
    private final boolean int64;
    private final boolean fast;
    private final String backward;

    UnaryOp(Domain domain, boolean int64, boolean fast, String backward) {
        this.domain = domain;
        this.int64 = int64;
        this.fast = fast;
        this.backward = backward;
    }

    /** Whether the function is defined only for floating dtypes. */
    public boolean needsFloating() { return !int64; }

    /** The inputs its tests use. */
    public Domain domain() { return domain; }

    /** Whether the fast CPU backend has a float32 Vector API kernel for it (else the reference runs). */
    public boolean hasFastKernel() { return fast; }

    /** The method of autograd's PointwiseFunctions that differentiates it, or null when it has no gradient. */
    public String backwardRule() { return backward; }

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
            case SOFTPLUS -> Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
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
