package org.jdiffusion.tensor;

/**
 * Element types. {@code FLOAT32} is the workhorse, {@code FLOAT64} serves references and gradcheck,
 * {@code INT64} holds labels and indices. Half-precision storage types (bf16, fp16) are added as new
 * constants with {@code byteSize = 2} and a storage class on the devices that hold them; every op
 * already checks dtypes through {@link #isFloating()} and explicit equality, never by ordinal.
 */
public enum DType {
    FLOAT32(4, true, "F32"),
    FLOAT64(8, true, "F64"),
    INT64(8, false, "I64");

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

    /** The dtype's name in the safetensors header ("F32", "F64", "I64"). */
    public String safetensorsName() { return safetensorsName; }

    @Override public String toString() { return name().toLowerCase(); }
}
