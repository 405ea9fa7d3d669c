package org.jdiffusion.kernels.cuda;

import java.util.Locale;

/**
 * The precision of float32 GEMMs and convolutions on CUDA, chosen by {@code -Djdiffusion.cuda.matmul}
 * or the environment variable {@code JDIFFUSION_CUDA_MATMUL} (the property wins): {@code fp32}
 * (default: fp32 FMA, within float32 rounding of the CPU reference), {@code tf32} (tensor cores on
 * inputs rounded to a 10-bit mantissa, fp32 accumulate) or {@code bf16} (inputs rounded to bfloat16,
 * a 7-bit mantissa, fp32 accumulate). Float64 always runs the float64 kernels.
 */
public enum MatmulMode {
    FP32(GemmVersion.SIMT), TF32(GemmVersion.TF32), BF16(GemmVersion.BF16);

    public static final String PROPERTY = "jdiffusion.cuda.matmul";
    public static final String ENV = "JDIFFUSION_CUDA_MATMUL";

    private final GemmVersion kernel;

    MatmulMode(GemmVersion kernel) { this.kernel = kernel; }

    /** The kernel version of gemm.cuh this mode runs: simt, tf32 or bf16. */
    GemmVersion kernel() { return kernel; }

    /** The mode named by {@code value} (case-insensitive); {@code source} names where it came from in the error. */
    public static MatmulMode parse(String value, String source) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "fp32" -> FP32;
            case "tf32" -> TF32;
            case "bf16" -> BF16;
            default -> throw new IllegalArgumentException(source + ": unknown CUDA matmul mode '" + value + "' (expected fp32, tf32 or bf16)");
        };
    }

    /** The mode the property or the environment asks for, fp32 when neither is set. */
    public static MatmulMode fromEnvironment() {
        String p = System.getProperty(PROPERTY);
        if (p != null) return parse(p, "-D" + PROPERTY);
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) return parse(e, ENV);
        return FP32;
    }
}
