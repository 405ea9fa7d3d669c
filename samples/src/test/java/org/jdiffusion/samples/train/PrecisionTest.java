package org.jdiffusion.samples.train;

import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.samples.cli.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --precision bf16}: the same run as fp32 from the same seed, with the GEMMs,
 * convolutions and attention on bf16-rounded inputs. The first loss (same weights, same batch) moves
 * by a bf16-sized amount, neither zero nor large; the setting is stored in the checkpoint and kept
 * by {@code --resume}; checkpoints from before the setting resume in fp32.
 */
class PrecisionTest {
    @TempDir Path dir;

    private Path train(Path data, String precision, String steps) {
        Path out = dir.resolve(precision);
        ProgramRuns.Result r = ProgramRuns.ok("train", "--data-dir", data.toString(), "--model", "tiny", "--batch", "4", "--steps", steps,
                "--lr", "1e-3", "--warmup", "0", "--log-every", "1", "--preview", "0", "--seed", "11", "--precision", precision,
                "--output", out.toString());
        assertEquals(precision.equals("bf16"), r.out().contains("bf16 autocast"), r.out());
        return out;
    }

    private static double[] losses(Path run) throws Exception {
        List<String> rows = Files.readAllLines(run.resolve("log.csv"));
        return rows.stream().skip(1).mapToDouble(r -> Double.parseDouble(r.split(",")[1])).toArray();
    }

    @Test void bf16TrainingTracksFp32WithinBf16Rounding() throws Exception {
        Path data = TrainSampleTest.syntheticMnist(dir.resolve("mnist"), 12);
        Path fp32 = train(data, "fp32", "2"), bf16 = train(data, "bf16", "2");
        double a = losses(fp32)[0], b = losses(bf16)[0];
        assertNotEquals(a, b, "bf16 autocast left the first loss unchanged: were the GEMM inputs rounded?");
        assertEquals(a, b, 2e-2 * Math.abs(a), "bf16 first loss " + b + " is far from fp32's " + a);

        var ck = TrainingCheckpoint.read(bf16.resolve("checkpoint.safetensors"));
        assertTrue(ck.config().contains("\"precision\":\"bf16\""), ck.config());
        String resumed = ProgramRuns.ok("train", "--resume", "--steps", "3", "--output", bf16.toString()).out();
        assertTrue(resumed.contains("bf16 autocast"), resumed);

        // sampling: the same noise through bf16 GEMMs moves the samples a little on average
        float[][] xs = new float[2][];
        for (int i = 0; i < 2; i++) {
            String p = i == 0 ? "fp32" : "bf16";
            Path o = dir.resolve("s-" + p);
            String out = ProgramRuns.ok("sample", "--checkpoint", fp32.resolve("checkpoint.safetensors").toString(), "--steps", "3", "--count", "2",
                    "--seed", "4", "--precision", p, "--output", o.toString()).out();
            assertEquals(i == 1, out.contains("bf16 autocast"), out);
            xs[i] = org.jdiffusion.samples.io.Npy.read(o.resolve("samples.npy")).toTensor().toFloatArray();
        }
        double worst = 0, diff = 0;
        for (int k = 0; k < xs[0].length; k++) {
            worst = Math.max(worst, Math.abs(xs[0][k] - xs[1][k]));
            diff += Math.abs(xs[0][k] - xs[1][k]);
        }
        assertTrue(diff > 0, "bf16 sampling gave the fp32 samples bit for bit");
        // pixels 0..255: DDIM's first step divides by sqrt(ᾱ_T) ≈ 0.006, so a few pixels move far, the mean very little
        assertTrue(diff / xs[0].length < 2, "bf16 and fp32 samples differ by " + diff / xs[0].length + " levels on average (up to " + worst + ")");
    }

    @Test void settingsFromBeforeThePrecisionFieldReadAsFp32() {
        TrainSettings s = TrainSettings.fromJson(new TrainSettings("moons", "", Nets.Kind.MLP, "eps",
                org.jdiffusion.diffusion.ScheduleKind.LINEAR, 10, 1e-4, 0.02, 2, 3, 1e-3, 0, 0.9, 0, false, 1, 0, 0, 1, 0, 8, 0, Precision.BF16)
                .toJson().replace(",\"precision\":\"bf16\"", ""));
        assertEquals(Precision.FP32, s.precision());
    }

    @Test void anUnknownPrecisionIsNamed() throws Exception {
        String err = ProgramRuns.fails(2, "train", "--data", "moons", "--precision", "fp16", "-o", dir.resolve("x").toString());
        assertTrue(err.contains("--precision: unknown precision 'fp16' (expected fp32 or bf16)"), err);
        Path ck = Files.writeString(dir.resolve("ck.safetensors"), "not read: the flags are checked first");
        err = ProgramRuns.fails(2, "sample", "--checkpoint", ck.toString(), "--precision", "half", "-o", dir.resolve("y").toString());
        assertTrue(err.contains("--precision: unknown precision 'half' (expected fp32 or bf16)"), err);
    }
}
