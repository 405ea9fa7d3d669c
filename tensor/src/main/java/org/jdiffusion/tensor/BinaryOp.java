package org.jdiffusion.tensor;

/**
 * Pointwise functions z = f(a, b) of two operands broadcast to one shape. Comparisons yield 1 or 0
 * in the operands' dtype (there is no boolean dtype; {@code where} treats non-zero as true).
 * Declared as {@link UnaryOp} is: the float64 formula ({@link #apply}), whether the fast CPU backend
 * has a Vector API kernel, and the backward rule's name in autograd's {@code PointwiseFunctions}
 * (null for comparisons, which carry no gradient); every op has a CUDA case in {@code elementwise.cu}.
 */
public enum BinaryOp {
    ADD(true, "add"), SUB(true, "sub"), MUL(true, "mul"), DIV(true, "div"),
    /** The rule differentiates a scalar exponent ({@code pow(Variable, double)}). */
    POW(false, "pow"),
    MAXIMUM(true, "maximum"), MINIMUM(true, "minimum"),
    EQ(false, null), NE(false, null), LT(false, null), LE(false, null), GT(false, null), GE(false, null);

    private final boolean fast;
    private final String backward;

    BinaryOp(boolean fast, String backward) {
        this.fast = fast;
        this.backward = backward;
    }

    /** Whether the fast CPU backend has a float32 Vector API kernel for it (else the reference runs). */
    public boolean hasFastKernel() { return fast; }

    /** The method of autograd's PointwiseFunctions that differentiates it, or null when it has no gradient. */
    public String backwardRule() { return backward; }

    public boolean isComparison() { return ordinal() >= EQ.ordinal(); }

    /** Whether the function is defined only for floating dtypes. */
    public boolean needsFloating() { return this == POW; }

    /** The reference definition in float64 (for int64, DIV truncates toward zero). */
    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAXIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case MINIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
        };
    }

    /** The definition on int64 values (exact, no rounding through double). */
    public long applyLong(long a, long b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> {
                if (b == 0) throw new ArithmeticException("div: integer division by zero");
                yield a / b;
            }
            case POW -> throw new UnsupportedOperationException("pow needs a floating dtype");
            case MAXIMUM -> Math.max(a, b);
            case MINIMUM -> Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
        };
    }

    public String opName() { return name().toLowerCase(); }
}
