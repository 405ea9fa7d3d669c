package org.jdiffusion.nn.io;

import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.StateDicts;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.nn.optim.Optimizer;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to continue a training run exactly, in one safetensors file:
 * <pre>
 *   tensors   model.&lt;name&gt;   ema.&lt;name&gt;   optim.&lt;name&gt;.&lt;slot&gt;   (slot m, v for Adam; momentum for SGD)
 *   metadata  format = jdiffusion.train.v1, step, config (the run's config, opaque),
 *             model_config (UNetConfig JSON when the model is a UNet),
 *             rng.&lt;name&gt;.seed, rng.&lt;name&gt;.offset, ema.updates, ema.decay, optim.kind, optim.steps, optim.lr
 * </pre>
 * Written atomically, so a crash mid-write keeps the previous checkpoint.
 */
public record TrainingCheckpoint(Map<String, Tensor> model, Map<String, Tensor> ema, Map<String, Tensor> optimizer,
                                 Map<String, String> metadata) {

    public static final String FORMAT = "jdiffusion.train.v1";

    /** Saves the run's state; {@code ema} and {@code optimizer} may be null, {@code rngs} empty. */
    public static void save(Path path, Module model, Ema ema, Optimizer optimizer, long step, Map<String, Generator> rngs, String config) {
        save(path, model, ema, optimizer, step, rngs, config, Map.of());
    }

    /**
     * As above, plus {@code extra} metadata entries (e.g. the diffusion process a sampler needs);
     * they must not collide with the keys this format writes itself.
     */
    public static void save(Path path, Module model, Ema ema, Optimizer optimizer, long step, Map<String, Generator> rngs, String config,
                            Map<String, String> extra) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(StateDicts.addPrefix(model.stateDict(), "model."));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("step", Long.toString(step));
        meta.put("config", config == null ? "" : config);
        if (model instanceof UNet u) meta.put("model_config", u.config().toJson());
        for (var e : rngs.entrySet()) {
            if (e.getKey().contains(".")) throw new IllegalArgumentException("TrainingCheckpoint: rng name '" + e.getKey() + "' must not contain '.'");
            meta.put("rng." + e.getKey() + ".seed", Long.toString(e.getValue().seed()));
            meta.put("rng." + e.getKey() + ".offset", Long.toString(e.getValue().offset()));
        }
        if (ema != null) {
            tensors.putAll(StateDicts.addPrefix(ema.stateDict(), "ema."));
            meta.put("ema.updates", Long.toString(ema.updates()));
            meta.put("ema.decay", Double.toString(ema.decay()));
        }
        if (optimizer != null) {
            tensors.putAll(StateDicts.addPrefix(optimizer.stateDict(), "optim."));
            optimizer.stateMetadata().forEach((k, v) -> meta.put("optim." + k, v));
        }
        for (var e : extra.entrySet())
            if (meta.putIfAbsent(e.getKey(), e.getValue()) != null)
                throw new IllegalArgumentException("TrainingCheckpoint: extra metadata key '" + e.getKey() + "' collides with the format's own");
        Safetensors.write(path, tensors, meta);
    }

    public static TrainingCheckpoint read(Path path) {
        Safetensors.Contents c = Safetensors.read(path);
        if (!FORMAT.equals(c.metadata().get("format")))
            throw new SafetensorsException("safetensors file " + path + " is not a training checkpoint (metadata format is "
                    + c.metadata().get("format") + ", expected " + FORMAT + ")");
        Map<String, Tensor> t = c.tensors();
        for (String k : t.keySet())
            if (!k.startsWith("model.") && !k.startsWith("ema.") && !k.startsWith("optim."))
                throw new SafetensorsException("training checkpoint " + path + ": tensor '" + k + "' is not under model., ema. or optim.");
        return new TrainingCheckpoint(StateDicts.stripPrefix(t, "model."), StateDicts.stripPrefix(t, "ema."),
                StateDicts.stripPrefix(t, "optim."), c.metadata());
    }

    public long step() { return longMeta("step"); }

    /** The step a checkpoint file records, from its header alone (no tensor is read). */
    public static long readStep(Path path) {
        Map<String, String> m = Safetensors.readHeader(path).metadata();
        return new TrainingCheckpoint(Map.of(), Map.of(), Map.of(), m).step();
    }

    public String config() { return metadata.getOrDefault("config", ""); }

    /** The UNet configuration recorded with the model, or null. */
    public UNetConfig modelConfig() {
        String s = metadata.get("model_config");
        return s == null ? null : UNetConfig.fromJson(s);
    }

    public boolean hasEma() { return !ema.isEmpty(); }

    /** The generator saved under {@code name}, positioned where the run left it. */
    public Generator rng(String name) {
        if (!metadata.containsKey("rng." + name + ".seed"))
            throw new IllegalArgumentException("training checkpoint holds no generator '" + name + "'");
        return new Generator(longMeta("rng." + name + ".seed"), longMeta("rng." + name + ".offset"));
    }

    /** Loads model, EMA and optimizer state (each strict; pass null to skip one). */
    public void restore(Module model, Ema emaTarget, Optimizer optimizerTarget) {
        model.loadStateDict(this.model, true);
        if (emaTarget != null) {
            if (!hasEma()) throw new IllegalArgumentException("training checkpoint holds no EMA weights to restore");
            emaTarget.load(this.ema, longMeta("ema.updates"));
        }
        if (optimizerTarget != null) {
            Map<String, String> om = new LinkedHashMap<>();
            metadata.forEach((k, v) -> { if (k.startsWith("optim.")) om.put(k.substring(6), v); });
            optimizerTarget.loadState(this.optimizer, om);
        }
    }

    private long longMeta(String key) {
        String s = metadata.get(key);
        if (s == null) throw new IllegalArgumentException("training checkpoint metadata lacks '" + key + "'");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("training checkpoint metadata '" + key + "' = '" + s + "' is not an integer", e);
        }
    }

    /**
     * Model weights from either a training checkpoint (its EMA weights when present and
     * {@code preferEma}, else its model weights) or a plain state dict (names as the model's own,
     * e.g. exported from PyTorch).
     */
    public static Map<String, Tensor> loadWeights(Path path, boolean preferEma) { return weights(Safetensors.read(path), preferEma); }

    /** {@link #loadWeights} on a file already read. */
    public static Map<String, Tensor> weights(Safetensors.Contents c, boolean preferEma) {
        if (!FORMAT.equals(c.metadata().get("format"))) return c.tensors();
        Map<String, Tensor> ema = StateDicts.stripPrefix(c.tensors(), "ema.");
        return Collections.unmodifiableMap(preferEma && !ema.isEmpty() ? ema : StateDicts.stripPrefix(c.tensors(), "model."));
    }
}
