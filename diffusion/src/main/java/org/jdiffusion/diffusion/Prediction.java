package org.jdiffusion.diffusion;

/**
 * What a network predicts from (x_t, t): the noise ε (Ho et al. 2020, L_simple), the clean sample
 * x_0, or the velocity v = √ᾱ_t·ε − √(1−ᾱ_t)·x_0 (Salimans &amp; Ho 2022). The checkpoint key
 * {@code prediction} holds {@link #key()}.
 */
public enum Prediction {
    EPS("eps"), X0("x0"), V("v");

    private final String key;

    Prediction(String key) { this.key = key; }

    /** The name written in a checkpoint's metadata. */
    public String key() { return key; }

    public static Prediction fromKey(String key) {
        for (Prediction p : values()) if (p.key.equals(key)) return p;
        throw new IllegalArgumentException("prediction: unknown value '" + key + "' (expected eps, x0 or v)");
    }
}
