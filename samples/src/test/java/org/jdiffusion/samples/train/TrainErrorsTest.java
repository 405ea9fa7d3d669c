package org.jdiffusion.samples.train;

import com.sun.net.httpserver.HttpServer;
import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.samples.data.Idx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad flags, missing files and malformed data sets: each a clear message and the right exit status. */
class TrainErrorsTest {
    @TempDir Path dir;

    private static void has(String err, String... parts) {
        for (String p : parts) assertTrue(err.contains(p), "expected '" + p + "' in:\n" + err);
    }

    @Test void trainFlags() throws Exception {
        Path data = TrainSampleTest.syntheticMnist(dir.resolve("m"), 4), out = dir.resolve("o");
        has(ProgramRuns.fails(2, "train", "--data", "swiss", "-o", out.toString()), "--data: unknown data set 'swiss'");
        has(ProgramRuns.fails(2, "train", "--data-dir", dir.resolve("none").toString(), "-o", out.toString()), "--data-dir: no such directory");
        has(ProgramRuns.fails(2, "train", "--data-dir", data.toString(), "--model", "mlp", "-o", out.toString()), "--model mlp does not fit --data mnist");
        has(ProgramRuns.fails(2, "train", "--data-dir", data.toString(), "--model", "resnet", "-o", out.toString()), "--model: unknown model 'resnet'");
        has(ProgramRuns.fails(2, "train", "--data-dir", data.toString(), "--objective", "score", "-o", out.toString()), "--objective: unknown objective 'score'");
        has(ProgramRuns.fails(2, "train", "--data-dir", data.toString(), "--schedule", "quadratic", "-o", out.toString()), "schedule: unknown value 'quadratic'");
        has(ProgramRuns.fails(2, "train", "--steps", "many"), "Invalid value for option '--steps': 'many' is not a long");
        has(ProgramRuns.fails(2, "train", "--data-dir", data.toString(), "--lr", "-1", "-o", out.toString()), "--lr must be in (0, 1)");
        has(ProgramRuns.fails(2, "train", "--data-dir", data.toString(), "--p-uncond", "2", "-o", out.toString()), "--p-uncond must be in [0, 1]");
        has(ProgramRuns.fails(2, "train", "--resume", "-o", dir.resolve("fresh").toString()), "--resume: checkpoint: no such file");
        has(ProgramRuns.fails(2, "train", "--device", "tpu"), "unknown device 'tpu'");
        has(ProgramRuns.fails(2, "train", "--bacth", "4"), "unknown option '--bacth' (did you mean --batch?)");
        assertFalse(Files.exists(out.resolve("checkpoint.safetensors")));
    }

    @Test void malformedDataSetsAreNamed() throws Exception {
        Path d = Files.createDirectories(dir.resolve("bad")), out = dir.resolve("o");
        Files.write(d.resolve("train-images-idx3-ubyte"), Idx.encode(new int[]{3, 28, 28}, new byte[3 * 784]));
        Files.write(d.resolve("train-labels-idx1-ubyte"), Idx.encode(new int[]{3}, new byte[]{1, 2, 3}));
        byte[] truncated = java.util.Arrays.copyOf(Idx.encode(new int[]{3, 28, 28}, new byte[3 * 784]), 1000);
        Files.write(d.resolve("train-images-idx3-ubyte"), truncated);
        has(ProgramRuns.fails(1, "train", "--data-dir", d.toString(), "-o", out.toString()), "train-images-idx3-ubyte: truncated: sizes [3, 28, 28] need 2352 data bytes");
        Files.delete(d.resolve("train-images-idx3-ubyte"));
        has(ProgramRuns.fails(1, "train", "--data-dir", d.toString(), "-o", out.toString()), "no MNIST train images in", "--download");
        Files.write(d.resolve("train-images-idx3-ubyte.gz"), new byte[]{0x1f, (byte) 0x8b, 8, 0, 1, 2});
        has(ProgramRuns.fails(1, "train", "--data-dir", d.toString(), "-o", out.toString()), "corrupt gzip stream");
    }

    @Test void downloadRejectsAFileThatIsNotTheOfficialOne() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] body = "not mnist".getBytes();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) { o.write(body); }
        });
        server.start();
        try {
            String mirror = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            Path cache = dir.resolve("cache");
            has(ProgramRuns.fails(1, "train", "--download", "--mirror", mirror, "--data-dir", cache.toString(), "-o", dir.resolve("o").toString()),
                    "could not fetch train-images-idx3-ubyte.gz from any mirror", "got 9 bytes, expected 9912422");
            assertFalse(Files.exists(cache.resolve("train-images-idx3-ubyte.gz")));
        } finally {
            server.stop(0);
        }
    }

    @Test void sampleAndEvalFlags() throws Exception {
        Path out = dir.resolve("o"), run = dir.resolve("run");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", dir.resolve("none.safetensors").toString(), "-o", out.toString()), "--checkpoint: no such file");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", "x"), "Missing required option: '--output=DIR'");
        ProgramRuns.ok("train", "--data", "spiral", "--steps", "2", "--batch", "4", "--timesteps", "50", "--preview", "0", "-o", run.toString());
        String ck = run.resolve("checkpoint.safetensors").toString();
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--sampler", "eulr", "-o", out.toString()), "--sampler: unknown sampler 'eulr'");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--sampler", "flow-euler", "-o", out.toString()),
                "--sampler: sampler flow-euler:50 cannot sample an ε-prediction diffusion model (T = 50)", "use ddpm, ddim, euler");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--sampler", "heun:60", "-o", out.toString()),
                "--sampler: sampler heun:60: 60 steps but the checkpoint has only T = 50 timesteps", "use 1 to 50 steps");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--sampler", "dpmpp2m", "--eta", "0.5", "-o", out.toString()),
                "--eta: sampler dpmpp2m has no η (samplers with one: ddim, euler-a, dpmpp-sde)");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--sampler", "heun:10", "--steps", "5", "-o", out.toString()),
                "--steps: --sampler heun:10 already names its steps");
        has(ProgramRuns.fails(2, "train", "--data", "spiral", "--objective", "flow:beta", "-o", out.toString()),
                "--objective: unknown flow time sampling 'beta'");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--classes", "1", "-o", out.toString()), "--classes: the checkpoint's model is unconditional");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--eta", "2", "-o", out.toString()), "--eta must be in [0, 1]");
        Path notCk = Files.writeString(dir.resolve("text.safetensors"), "hello");
        has(ProgramRuns.fails(1, "sample", "--checkpoint", notCk.toString(), "-o", out.toString()), "text.safetensors");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck, "--data-dir", dir.resolve("none").toString()), "--data-dir: no such directory");
        Path data = TrainSampleTest.syntheticMnist(dir.resolve("m"), 4);
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck, "--data-dir", data.toString()), "the checkpoint's model is for 2-D points");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck, "--data-dir", data.toString(), "--samples", "1"), "--samples must be 0 (skip) or >= 2");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck, "--data-dir", data.toString(), "--judge", "none.safetensors"), "--judge: no such file");
    }
}
