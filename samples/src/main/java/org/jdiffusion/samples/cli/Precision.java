package org.jdiffusion.samples.cli;

import java.util.Locale;

/**
 * The arithmetic of {@code --precision}: {@code fp32}, or {@code bf16} autocast (the network's matmul,
 * convolution and attention multiply bfloat16-rounded inputs with float32 accumulation and float32
 * weights; tensor's {@code Autocast}). Recorded in training checkpoints by its key.
 */
public enum Precision {
    FP32, BF16;

    /** The flag's and the checkpoint's spelling: fp32, bf16. */
    public String key() { return name().toLowerCase(Locale.ROOT); }

    /** The precision a key names; an {@link IllegalArgumentException} naming the accepted keys otherwise. */
    public static Precision fromKey(String s) {
        for (Precision p : values()) if (p.key().equals(s.trim().toLowerCase(Locale.ROOT))) return p;
        throw new IllegalArgumentException("unknown precision '" + s + "' (expected fp32 or bf16)");
    }

    /** {@code --precision}'s value, a usage error naming the flag when it is not a precision. */
    public static Precision ofFlag(String value) {
        try {
            return fromKey(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--precision: " + e.getMessage());
        }
    }
}
