package org.jdiffusion.samples.train;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.samples.SharedData;
import org.jdiffusion.samples.data.Idx;
import org.jdiffusion.samples.io.Npy;
import org.jdiffusion.samples.io.NpyArray;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train → sample → eval on MNIST-format data, exact resume, and foreign checkpoints. */
class TrainSampleTest {
    @TempDir Path dir;

    /** n random 28×28 digits with labels i mod 10, as gzip-free IDX files. */
    static Path syntheticMnist(Path dir, int n) throws Exception {
        Files.createDirectories(dir);
        byte[] img = new byte[n * 784], lbl = new byte[n];
        float[] u = org.jdiffusion.tensor.Rand.uniform(new Generator(9), n * 784).toFloatArray();
        for (int i = 0; i < img.length; i++) img[i] = (byte) (u[i] < 0.8 ? 0 : 255 * u[i]);
        for (int i = 0; i < n; i++) lbl[i] = (byte) (i % 10);
        for (String p : new String[]{"train", "t10k"}) {
            Files.write(dir.resolve(p + "-images-idx3-ubyte"), Idx.encode(new int[]{n, 28, 28}, img));
            Files.write(dir.resolve(p + "-labels-idx1-ubyte"), Idx.encode(new int[]{n}, lbl));
        }
        return dir;
    }

    @Test void tinyUNetOnTheSharedSetTrainsSamplesAndEvaluates() throws Exception {
        Path data = SharedData.mnistDir(), run = dir.resolve("run"), out = dir.resolve("out");
        ProgramRuns.ok("train", "--data-dir", data.toString(), "--model", "tiny", "--steps", "3", "--batch", "4", "--log-every", "1",
                "--checkpoint-every", "2", "--preview", "2", "--lr", "1e-3", "--output", run.toString());
        for (String f : new String[]{"checkpoint.safetensors", "log.csv", "loss.png", "samples/step-000003.png"})
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        assertEquals(4, Files.readAllLines(run.resolve("log.csv")).size(), "header and one row per step");
        TrainingCheckpoint ck = TrainingCheckpoint.read(run.resolve("checkpoint.safetensors"));
        assertEquals(3, ck.step());
        DiffusionSpec spec = DiffusionSpec.fromMetadata(ck.metadata());
        assertEquals(10, spec.numClasses());
        assertEquals(10, spec.nullClass());
        assertEquals("tiny", ck.metadata().get("model"));

        ProgramRuns.ok("sample", "--checkpoint", run.resolve("checkpoint.safetensors").toString(), "--sampler", "ddim", "--steps", "3",
                "--count", "5", "--batch", "3", "--classes", "3,7", "--guidance", "2", "--trace", "--seed", "4", "--output", out.toString());
        NpyArray samples = Npy.read(out.resolve("samples.npy")), labels = Npy.read(out.resolve("labels.npy"));
        assertEquals(NpyArray.Type.U1, samples.type());
        assertArrayEquals(new int[]{5, 28, 28}, samples.shape());
        assertEquals(NpyArray.Type.I8, labels.type());
        assertArrayEquals(new long[]{3, 7, 3, 7, 3}, labels.longs());
        assertEquals(3 * 58 + 2, ImageIO.read(out.resolve("grid.png").toFile()).getWidth(), "3 columns of 56-pixel digits and borders");
        assertEquals(10 * 58 + 2, ImageIO.read(out.resolve("trace.png").toFile()).getWidth(), "ten steps of the strip");
        assertTrue(Files.size(out.resolve("trace.gif")) > 1000);

        // batch-independent: the same samples drawn one at a time
        Path one = dir.resolve("one");
        ProgramRuns.ok("sample", "--checkpoint", run.resolve("checkpoint.safetensors").toString(), "--steps", "3", "--count", "5", "--batch", "1",
                "--classes", "3,7", "--guidance", "2", "--seed", "4", "--output", one.toString());
        assertArrayEquals(samples.bytes(), Npy.read(one.resolve("samples.npy")).bytes());

        String ev = ProgramRuns.ok("eval", "--checkpoint", run.resolve("checkpoint.safetensors").toString(), "--data-dir", data.toString(),
                "--count", "4", "--batch", "4", "--stride", "250", "--samples", "4", "--sample-steps", "2", "--output", dir.resolve("terms.csv").toString()).out();
        assertTrue(ev.contains("bits/dim on 4 test images (T = 1000, stride 250)") && ev.contains("total"), ev);
        assertTrue(ev.contains("judged by the MNIST classifier): n 4  accuracy ") && ev.contains("real-vs-real floor"), ev);
        assertEquals(1 + 5, Files.readAllLines(dir.resolve("terms.csv")).size(), "t = 0, 1, 251, 501, 751");
    }

    @Test void theDefaultReferenceUNetTrainsAStep() throws Exception {
        Path data = syntheticMnist(dir.resolve("mnist"), 6), run = dir.resolve("run");
        ProgramRuns.ok("train", "--data-dir", data.toString(), "--steps", "1", "--batch", "2", "--preview", "0", "--output", run.toString());
        TrainingCheckpoint ck = TrainingCheckpoint.read(run.resolve("checkpoint.safetensors"));
        assertEquals(UNetConfig.mnistSmall(), ck.modelConfig());
        assertEquals("unet", ck.metadata().get("model"));
    }

    @Test void resumeContinuesExactly() throws Exception {
        Path data = syntheticMnist(dir.resolve("mnist"), 12);
        String[] common = {"--data-dir", data.toString(), "--model", "tiny", "--batch", "2", "--preview", "0", "--log-every", "1",
                "--objective", "v", "--p-uncond", "0.5", "--lr", "1e-3", "--seed", "5"};
        Path straight = dir.resolve("straight"), split = dir.resolve("split");
        ProgramRuns.ok(concat(common, "--steps", "4", "--output", straight.toString()));
        ProgramRuns.ok(concat(common, "--steps", "2", "--output", split.toString()));
        ProgramRuns.ok("train", "--resume", "--steps", "4", "--output", split.toString());
        TrainingCheckpoint a = TrainingCheckpoint.read(straight.resolve("checkpoint.safetensors")), b = TrainingCheckpoint.read(split.resolve("checkpoint.safetensors"));
        assertEquals(4, b.step());
        for (var e : a.model().entrySet()) assertArrayEquals(e.getValue().toFloatArray(), b.model().get(e.getKey()).toFloatArray(), e.getKey());
        for (var e : a.ema().entrySet()) assertArrayEquals(e.getValue().toFloatArray(), b.ema().get(e.getKey()).toFloatArray(), "ema " + e.getKey());
        assertEquals(5, Files.readAllLines(split.resolve("log.csv")).size());
    }

    @Test void twoDimensionalDataTrainsTheMlpAndSamplesPoints() throws Exception {
        Path run = dir.resolve("run"), out = dir.resolve("out");
        ProgramRuns.ok("train", "--data", "moons", "--steps", "30", "--batch", "32", "--lr", "1e-3", "--timesteps", "100", "--preview", "2",
                "--output", run.toString());
        assertTrue(Files.isRegularFile(run.resolve("samples/step-000030.png")));
        ProgramRuns.ok("sample", "--checkpoint", run.resolve("checkpoint.safetensors").toString(), "--sampler", "dpmpp2m", "--steps", "10",
                "--count", "50", "--output", out.toString());
        NpyArray s = Npy.read(out.resolve("samples.npy"));
        assertEquals(NpyArray.Type.F4, s.type());
        assertArrayEquals(new int[]{50, 2}, s.shape());
        long[] labels = Npy.read(out.resolve("labels.npy")).longs();
        assertEquals(50, labels.length);
        for (long l : labels) assertEquals(-1, l, "an unconditional model's labels are -1");
    }

    @Test void theDiscretePipelineLearnsTwoMoons() throws Exception {
        // train (ε objective, linear schedule) → checkpoint metadata → DDIM through the sample command; reaches about 0.18,
        // two draws of 1,000 points differ by about 0.08, N(0, I) is 0.41 away
        Path run = dir.resolve("moons"), out = dir.resolve("moons-out");
        ProgramRuns.ok("train", "--data", "moons", "--steps", "1200", "--batch", "128", "--lr", "1e-3", "--warmup", "100", "--preview", "0",
                "--seed", "2", "--output", run.toString());
        ProgramRuns.ok("sample", "--checkpoint", run.resolve("checkpoint.safetensors").toString(), "--steps", "50", "--count", "500",
                "--batch", "500", "--output", out.toString());
        Tensor got = Npy.read(out.resolve("samples.npy")).toTensor();
        Tensor data = org.jdiffusion.samples.data.Toy2D.MOONS.sample(new Generator(77), 500);
        Tensor noise = org.jdiffusion.tensor.Rand.normal(new Generator(78), 500, 2);
        double sw = org.jdiffusion.diffusion.metrics.SlicedWasserstein.of(got, data);
        double swNoise = org.jdiffusion.diffusion.metrics.SlicedWasserstein.of(noise, data);
        assertTrue(sw < 0.25 && sw < swNoise * 0.6, "moons: samples SW " + sw + ", N(0, I) SW " + swNoise);
    }

    @Test void aStateDictWithDiffusionMetadataSamples() throws Exception {
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(2));
        DiffusionSpec spec = DiffusionSpec.ddpm().withPrediction(org.jdiffusion.diffusion.Prediction.V).withClasses(10, 10);
        Path ck = dir.resolve("foreign.safetensors"), out = dir.resolve("out");
        Safetensors.write(ck, net.stateDict(), spec.toMetadata());
        ProgramRuns.ok("sample", "--checkpoint", ck.toString(), "--steps", "2", "--count", "1", "--classes", "4", "--output", out.toString());
        assertArrayEquals(new int[]{1, 28, 28}, Npy.read(out.resolve("samples.npy")).shape());

        Path bare = dir.resolve("bare.safetensors");
        Safetensors.write(bare, net.stateDict(), Map.of());
        String err = ProgramRuns.fails(1, "sample", "--checkpoint", bare.toString(), "--output", out.toString());
        assertTrue(err.contains("does not say how to sample it") && err.contains("missing key 'schedule'"), err);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length + 1];
        r[0] = "train";
        System.arraycopy(a, 0, r, 1, a.length);
        System.arraycopy(b, 0, r, 1 + a.length, b.length);
        return r;
    }
}
