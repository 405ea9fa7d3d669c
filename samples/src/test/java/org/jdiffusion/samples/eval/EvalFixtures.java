package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ScheduleKind;
import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.samples.data.Idx;
import org.jdiffusion.samples.train.Nets;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Small inputs for eval tests that run in seconds: a randomly initialised tiny U-Net over T = 20 steps and a few synthetic digits. */
final class EvalFixtures {
    private EvalFixtures() {}

    static final int T = 20;

    /** A state dict of the tiny U-Net with the diffusion keys, the model kind and (for the likelihood table) a training objective. */
    static Path tinyCheckpoint(Path dir, String name, int classes, boolean learnedVariance, long seed) throws Exception {
        UNetConfig cfg = Nets.tinyConfig(classes, learnedVariance);
        UNet net = new UNet(cfg, new Generator(seed));
        DiffusionSpec spec = new DiffusionSpec(ScheduleKind.LINEAR, 1e-3, 0.2, T, Prediction.EPS, classes, classes > 0 ? classes : -1, false, learnedVariance);
        Map<String, String> meta = new HashMap<>(spec.toMetadata());
        meta.put("model", "tiny");
        meta.put("model_config", cfg.toJson());
        meta.put("objective", learnedVariance ? "hybrid" : "eps");
        Path ck = Files.createDirectories(dir).resolve(name + ".safetensors");
        Safetensors.write(ck, net.stateDict(), meta);
        return ck;
    }

    /** n random 28×28 digits with labels i mod 10 as IDX files: the test split, and the train split when asked. */
    static Path mnist(Path dir, int n, boolean withTrain) throws Exception {
        Files.createDirectories(dir);
        byte[] img = new byte[n * 784], lbl = new byte[n];
        float[] u = Rand.uniform(new Generator(9), n * 784).toFloatArray();
        for (int i = 0; i < img.length; i++) img[i] = (byte) (u[i] < 0.8 ? 0 : 255 * u[i]);
        for (int i = 0; i < n; i++) lbl[i] = (byte) (i % 10);
        for (String p : withTrain ? new String[]{"train", "t10k"} : new String[]{"t10k"}) {
            Files.write(dir.resolve(p + "-images-idx3-ubyte"), Idx.encode(new int[]{n, 28, 28}, img));
            Files.write(dir.resolve(p + "-labels-idx1-ubyte"), Idx.encode(new int[]{n}, lbl));
        }
        return dir;
    }
}
