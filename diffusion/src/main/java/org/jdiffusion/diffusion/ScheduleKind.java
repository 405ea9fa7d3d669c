package org.jdiffusion.diffusion;

/** The β-schedule families a checkpoint's {@code schedule} key can name; {@link #key()} is that name. */
public enum ScheduleKind {
    LINEAR("linear"), COSINE("cosine"), SCALED_LINEAR("scaled_linear"), SIGMOID("sigmoid");

    private final String key;

    ScheduleKind(String key) { this.key = key; }

    public String key() { return key; }

    public static ScheduleKind fromKey(String key) {
        for (ScheduleKind k : values()) if (k.key.equals(key)) return k;
        throw new IllegalArgumentException("schedule: unknown value '" + key + "' (expected linear, cosine, scaled_linear or sigmoid)");
    }
}
