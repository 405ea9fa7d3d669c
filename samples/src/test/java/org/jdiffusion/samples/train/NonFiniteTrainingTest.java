package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Anomaly;
import org.jdiffusion.diffusion.ScheduleKind;
import org.jdiffusion.nn.io.FaultyFileSystem;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A loss that turns NaN mid-run: the run stops with the step, keeps the last good checkpoint and points at --detect-anomaly. */
class NonFiniteTrainingTest {
    @TempDir Path dir;

    /** The moons set, whose batches are all NaN from the {@code badFrom}-th batch on. */
    private static TrainingData poisoned(int badFrom) {
        TrainingData d = TrainingData.toy(Toy2D.parse("moons"), 64, 1);
        return new TrainingData() {
            int calls;
            @Override public int count() { return d.count(); }
            @Override public int[] sampleShape() { return d.sampleShape(); }
            @Override public int classes() { return 0; }
            @Override public Tensor batch(int[] idx) { return ++calls >= badFrom ? d.batch(idx).mul(Double.NaN) : d.batch(idx); }
            @Override public Tensor labels(int[] idx) { return null; }
            @Override public String describe() { return "poisoned " + d.describe(); }
        };
    }

    private static TrainSettings settings() {
        return new TrainSettings("moons", "", Nets.Kind.MLP, "eps", ScheduleKind.LINEAR, 20, 1e-4, 0.02, 8, 10, 1e-3, 0, 0.9, 0, false,
                1, 3, 0, 1, 1.0, 64, 0, org.jdiffusion.samples.cli.Precision.FP32);
    }

    @Test void aNaNLossStopsTheRunBeforeTheUpdateAndKeepsTheLastGoodCheckpoint() {
        Path run = dir.resolve("run");
        Trainer t = new Trainer(settings(), poisoned(5), run, Device.CPU);
        var e = assertThrows(Trainer.NonFiniteException.class, () -> t.run(null, null));
        String m = e.getMessage();
        assertTrue(m.startsWith("train: the loss became NaN at step 5; the step was not applied; the last good checkpoint is kept: "
                + run.resolve(Trainer.CHECKPOINT) + " (step 3)"), m);
        assertTrue(m.contains("Rerun with --detect-anomaly"), m);
        assertEquals(3, TrainingCheckpoint.read(run.resolve(Trainer.CHECKPOINT)).step());
    }

    @Test void withDetectionTheFirstOpAndTheModuleAreNamed() {
        Path run = dir.resolve("run");
        Trainer t = new Trainer(settings(), poisoned(2), run, Device.CPU).detectAnomaly(true);
        var e = assertThrows(Trainer.NonFiniteException.class, () -> t.run(null, null));
        String m = e.getMessage();
        assertInstanceOf(Anomaly.AnomalyException.class, e.getCause());
        assertTrue(m.startsWith("train: step 2 stopped, nothing of it applied; anomaly: "), m);
        assertTrue(m.contains("an input already held it") && m.contains("called from TimeMlp.forward("), m);
        assertTrue(m.endsWith("; no checkpoint was written yet"), m);
        assertTrue(!Anomaly.enabled(), "the scope is closed");
    }

    @Test void aDiskThatFillsUpMidRunStopsItAndKeepsTheLastCheckpoint() {
        Path run = dir.resolve("run");
        FaultyFileSystem fs = new FaultyFileSystem();
        TrainSettings s = settings();
        Trainer t = new Trainer(s, TrainingData.toy(Toy2D.parse("moons"), 64, 1), fs.path(run), Device.CPU);
        var e = assertThrows(java.io.UncheckedIOException.class, () -> t.run(null, (tr, step, loss) -> {
            if (step == 4) fs.diskFullAfter(100);          // after the checkpoint of step 3
        }));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot write " + run.toAbsolutePath()) && m.contains(": No space left on device (the previous "), m);
        fs.heal();
        assertEquals(3, TrainingCheckpoint.read(run.resolve(Trainer.CHECKPOINT)).step());
    }

    @Test void gradientNormSpikesAreFlagged() {
        GradNormWatch w = new GradNormWatch();
        for (int s = 1; s <= 30; s++) assertNull(w.observe(s, 1 + 0.1 * (s % 3)));
        String line = w.observe(31, 40);
        assertNotNull(line);
        assertTrue(line.startsWith("train: gradient norm spike at step 31: 40.00, 36.") && line.endsWith("(1 so far)"), line);
        assertNull(w.observe(32, 1.1));
        assertNull(w.observe(33, Double.NaN));
        assertEquals(1, w.spikes());
    }
}
