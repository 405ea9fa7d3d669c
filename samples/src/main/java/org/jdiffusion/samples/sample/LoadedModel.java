package org.jdiffusion.samples.sample;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.sampling.SamplerTarget;
import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.samples.train.Nets;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;

/**
 * A network ready to sample, from a checkpoint: a training checkpoint of {@code train} (EMA
 * weights unless asked otherwise, its recorded U-Net config) or a plain safetensors state dict
 * with the reference network's names. Either way the schedule, prediction type, classes and
 * variance come from the file's metadata in the diffusion module's keys ({@link DiffusionSpec}),
 * so a checkpoint trained elsewhere with the same network and metadata samples here. The file's
 * whole metadata is kept for reports (the training objective, the recipe).
 */
public record LoadedModel(Nets.Net net, DiffusionSpec spec, int[] sampleShape, long step, Map<String, String> metadata) {

    public static LoadedModel load(Path path, boolean preferEma, Device device) {
        Safetensors.Contents c = Safetensors.read(path);
        Map<String, String> meta = c.metadata();
        DiffusionSpec spec;
        try {
            spec = ProcessKind.fromMetadata(meta).spec(meta);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint " + path + " does not say how to sample it: " + e.getMessage());
        }
        boolean training = TrainingCheckpoint.FORMAT.equals(meta.get("format"));
        Map<String, Tensor> weights = training ? TrainingCheckpoint.weights(c, preferEma) : c.tensors();
        Nets.Kind kind;
        try {
            kind = Nets.Kind.parse(meta.getOrDefault("model", "unet"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint " + path + ": " + e.getMessage());
        }
        Nets.Net net;
        int[] shape;
        if (kind == Nets.Kind.MLP) {
            net = Nets.mlp(spec.learnedVariance(), new Generator(0));
            shape = new int[]{2};
        } else {
            UNetConfig cfg;
            try {
                cfg = meta.containsKey("model_config") ? UNetConfig.fromJson(meta.get("model_config"))
                        : Nets.referenceConfig(spec.numClasses(), spec.learnedVariance());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("checkpoint " + path + ": model_config: " + e.getMessage(), e);
            }
            if (cfg.numClasses() != spec.numClasses() || cfg.learnedVariance() != spec.learnedVariance())
                throw new IllegalArgumentException("checkpoint " + path + ": the network has " + cfg.numClasses() + " classes and learned variance "
                        + cfg.learnedVariance() + " but the metadata says num_classes " + spec.numClasses() + ", learned_variance " + spec.learnedVariance());
            long held = 0;
            for (Tensor w : weights.values()) held += w.numel();
            if (cfg.parameterCount() > held)   // checked before the network is built: a config cannot make us allocate past the file's size
                throw new IllegalArgumentException("checkpoint " + path + ": its U-Net config needs " + cfg.parameterCount()
                        + " parameters but the file holds " + held + " weights");
            net = Nets.unet(cfg, kind, new Generator(0));
            shape = new int[]{cfg.inChannels(), cfg.imageSize(), cfg.imageSize()};
        }
        try {
            net.module().loadStateDict(weights, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint " + path + " does not fit the " + kind.key() + " network: " + e.getMessage(), e);
        }
        net.module().to(device);
        net.module().eval();
        long step;
        try {
            step = training ? Long.parseLong(meta.getOrDefault("step", "0")) : 0;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint " + path + ": metadata 'step' = '" + meta.get("step") + "' is not an integer");
        }
        return new LoadedModel(net, spec, shape, step, Map.copyOf(meta));
    }

    public boolean isImage() { return sampleShape.length == 3; }

    /** The process the model was trained for: the {@code process} key, diffusion when absent. */
    public ProcessKind process() { return ProcessKind.fromMetadata(metadata); }

    /** What a registered sampler is built for. */
    public SamplerTarget target() { return SamplerTarget.of(process(), spec); }

    /** The network with the time input its process expects. */
    public org.jdiffusion.diffusion.Denoiser denoiser() { return Sampling.denoiser(net, process()); }

    /** "an ε-prediction diffusion model (T = 1000)", "a flow-matching model (…)". */
    public String kindDescription() { return target().describe(); }

    /**
     * The training objective: the {@code objective} key that {@code train} writes (eps, x0, v,
     * hybrid or flow), else flow for a flow model, else what the diffusion keys imply — hybrid for a learned variance (Nichol and
     * Dhariwal's L_simple + λ·L_vlb), else L_simple on the prediction type.
     */
    public String objective() {
        String o = metadata.get("objective");
        if (o != null && !o.isBlank()) return o;
        if (process() == ProcessKind.FLOW) return "flow";
        return spec.learnedVariance() ? "hybrid" : spec.prediction().key();
    }
}
