package org.jdiffusion.tensor;

/**
 * Element types. {@code FLOAT32} is the workhorse, {@code FLOAT64} serves references and gradcheck,
 * {@code INT64} holds labels and indices. {@code BFLOAT16} (1 sign, 8 exponent, 7 mantissa bits: the
 * top half of a float32) and {@code FLOAT16} (IEEE binary16: 1, 5, 10) are storage formats
 * ({@link #isHalf()}): fill, copy/cast, views, the elementwise ops and reductions take them, computing
 * on the widened values and rounding the result once; every other op rejects them. The bit-exact
 * conversions are in {@link HalfFloats}. Ops check dtypes through {@link #isFloating()},
 * {@link #isHalf()} and explicit equality, never by ordinal.
 */
public enum DType {
    FLOAT32(4, true, "F32"),
    FLOAT64(8, true, "F64"),
    INT64(8, false, "I64"),
    BFLOAT16(2, true, "BF16"),
    FLOAT16(2, true, "F16");

    private final int byteSize;
    private final boolean floating;
    private final String safetensorsName;

    DType(int byteSize, boolean floating, String safetensorsName) {
        this.byteSize = byteSize;
        this.floating = floating;
        this.safetensorsName = safetensorsName;
    }

    public int byteSize() { return byteSize; }

    public boolean isFloating() { return floating; }

    /** bfloat16 or float16: a 16-bit storage format that only the elementwise ops and reductions compute on. */
    public boolean isHalf() { return floating && byteSize == 2; }

    /**
     * The dtype two operands promote to, as PyTorch's tensor-tensor rule: the wider floating type;
     * bfloat16 with float16 gives float32 (neither holds the other); int64 with a floating type gives
     * that floating type. Binary ops here take one dtype only; their errors name this one.
     */
    public static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (!a.floating) return b;
        if (!b.floating) return a;
        if (a == FLOAT64 || b == FLOAT64) return FLOAT64;
        return FLOAT32;
    }

    /** The dtype's name in the safetensors header ("F32", "F64", "I64", "BF16", "F16"). */
    public String safetensorsName() { return safetensorsName; }

    @Override public String toString() { return name().toLowerCase(); }
}
