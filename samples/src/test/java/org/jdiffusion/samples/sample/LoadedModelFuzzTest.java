package org.jdiffusion.samples.sample;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.nn.io.FuzzChecks;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.samples.train.Nets;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any bytes as the checkpoint of {@code sample}, {@code forward} and {@code eval}: the network its
 * metadata describes (diffusion keys, model kind, U-Net config) with its weights loaded, or an
 * IllegalArgumentException naming the problem ({@link FuzzChecks}: a config is checked against
 * the weights the file holds before the network is built). Inputs:
 * {@code LoadedModelFuzzTestInputs/loadsOrRejects}, seeded by {@link #main}.
 */
class LoadedModelFuzzTest {
    @FuzzTest
    void loadsOrRejects(byte[] bytes) {
        Path p = FuzzChecks.scratch(".safetensors", bytes);
        FuzzChecks.acceptsOrRejects(IllegalArgumentException.class, bytes.length, () -> LoadedModel.load(p, true, Device.CPU));
    }

    /** A U-Net of a few hundred parameters: one level, one block, two groups. */
    static UNetConfig small(int classes) {
        return new UNetConfig(1, 4, 4, List.of(1), 1, List.of(), 2, 0.0, classes, 4, 2, false);
    }

    /** Writes the seeds into the folder given: the 2-D MLP and the small U-Net, conditional or not. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        DiffusionSpec spec = DiffusionSpec.ddpm().withClasses(0, -1);
        save(dir.resolve("mlp.safetensors"), Nets.mlp(false, new Generator(1)), spec, "mlp", "[2]");
        save(dir.resolve("unet.safetensors"), Nets.unet(small(0), Nets.Kind.TINY, new Generator(2)), spec, "tiny", "[1,4,4]");
        save(dir.resolve("unet-classes.safetensors"), Nets.unet(small(3), Nets.Kind.TINY, new Generator(3)),
                spec.withClasses(3, 3), "tiny", "[1,4,4]");
    }

    private static void save(Path p, Nets.Net net, DiffusionSpec spec, String model, String shape) {
        Map<String, String> meta = new LinkedHashMap<>(spec.toMetadata());
        meta.put("model", model);
        meta.put("sample_shape", shape);
        TrainingCheckpoint.save(p, net.module(), null, null, 5, Map.of(), "", meta);
    }
}
