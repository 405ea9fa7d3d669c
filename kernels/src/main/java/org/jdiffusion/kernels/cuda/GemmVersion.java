package org.jdiffusion.kernels.cuda;

/**
 * The GEMM tile engine's versions (kernels/README.md, "CUDA: GEMM and convolution"), each the stem of
 * its gemm_* and conv_* kernels: {@code naive} (float64 and the baseline), {@code simt} (fp32 FMA),
 * {@code tf32} and {@code bf16} (tensor cores); the last three are float32 only and tiled.
 */
enum GemmVersion {
    NAIVE("naive"), SIMT("simt"), TF32("tf32"), BF16("bf16");

    /** The kernel-name stem: gemm_&lt;stem&gt;…, conv_&lt;pass&gt;_&lt;stem&gt;…. */
    final String stem;

    GemmVersion(String stem) { this.stem = stem; }

    /** Whether the version runs on the 128/64/32-row tiles (every version but naive). */
    boolean tiled() { return this != NAIVE; }

    @Override public String toString() { return stem; }
}
