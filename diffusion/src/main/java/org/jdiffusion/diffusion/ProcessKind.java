package org.jdiffusion.diffusion;

import java.util.Map;

/**
 * What kind of generative process a model was trained for, the checkpoint key {@code process}:
 * {@code diffusion} (the default when the key is absent: a discrete-time diffusion model whose
 * network predicts ε, x_0 or v, see {@link DiffusionSpec}) or {@code flow} (flow matching /
 * rectified flow: the network predicts the velocity ε − x_0 of x_t = (1−t)·x_0 + t·ε at continuous
 * t ∈ [0, 1], see {@code diffusion.flow.FlowMatching}). Samplers name the kind they serve.
 */
public enum ProcessKind {
    DIFFUSION("diffusion"), FLOW("flow");

    public static final String KEY = "process";

    private final String key;

    ProcessKind(String key) { this.key = key; }

    public String key() { return key; }

    public static ProcessKind fromKey(String key) {
        for (ProcessKind p : values()) if (p.key.equals(key.trim())) return p;
        throw new IllegalArgumentException("checkpoint metadata: '" + KEY + "' = '" + key + "' (expected diffusion or flow)");
    }

    /** The kind a checkpoint's metadata names; diffusion when it names none. */
    public static ProcessKind fromMetadata(Map<String, String> m) {
        String v = m.get(KEY);
        return v == null ? DIFFUSION : fromKey(v);
    }

    /**
     * The {@link DiffusionSpec} keys of a checkpoint of this kind. A flow checkpoint records its
     * prediction as {@code velocity}, which is no diffusion parameterisation: its spec is read with
     * ε in its place and only its class keys (num_classes, null_class) are meaningful; schedule keys
     * it lacks (a flow model has no schedule) and absent class keys (unconditional) are filled in.
     */
    public DiffusionSpec spec(Map<String, String> m) {
        if (this == DIFFUSION) return DiffusionSpec.fromMetadata(m);
        Map<String, String> copy = new java.util.LinkedHashMap<>(m);
        copy.put("prediction", Prediction.EPS.key());
        DiffusionSpec.ddpm().toMetadata().forEach(copy::putIfAbsent);
        return DiffusionSpec.fromMetadata(copy);
    }
}
