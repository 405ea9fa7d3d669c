package org.jdiffusion.nn.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.tensor.Generator;

import java.nio.file.Path;

/**
 * Any bytes as a training checkpoint restored into a small model with Adam and EMA (what
 * {@code train --resume} does): the run's state is restored, or an IllegalArgumentException (a
 * {@link SafetensorsException} for the file's format) names what is wrong ({@link FuzzChecks}).
 * Inputs: {@code TrainingCheckpointFuzzTestInputs/restoresOrRejects}, seeded with checkpoints of
 * {@link #model()} written by {@link #main}.
 */
class TrainingCheckpointFuzzTest {
    @FuzzTest
    void restoresOrRejects(byte[] bytes) {
        Path p = FuzzChecks.scratch(".safetensors", bytes);
        FuzzChecks.acceptsOrRejects(IllegalArgumentException.class, bytes.length, () -> {
            TrainingCheckpoint ck = TrainingCheckpoint.read(p);
            ck.step();
            ck.config();
            ck.modelConfig();
            ck.rng("noise");
            Module m = model();
            Ema ema = new Ema(m, 0.99, 10);
            Adam opt = Adam.adam(m.namedParameters(), 1e-3);
            ck.restore(m, ema, opt);
        });
    }

    /** The model the seeds describe: 3 → 4 → 2. */
    static Module model() {
        Generator g = new Generator(7);
        return new org.jdiffusion.nn.Sequential(new Linear(3, 4, g), new Linear(4, 2, g));
    }

    /** Writes the seed checkpoints into the folder given: fresh, after two Adam steps, and without EMA. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        Module m = model();
        Adam opt = Adam.adam(m.namedParameters(), 1e-3);
        Ema ema = new Ema(m, 0.99, 10);
        var rngs = java.util.Map.of("noise", new Generator(3));
        TrainingCheckpoint.save(dir.resolve("fresh.safetensors"), m, ema, opt, 0, rngs, "{\"lr\":0.001}");
        for (int i = 0; i < 2; i++) {
            for (var v : m.namedParameters().values()) v.setGrad(org.jdiffusion.tensor.Tensor.ones(v.data().shape()));
            opt.step();
            ema.update(m);
        }
        TrainingCheckpoint.save(dir.resolve("two-steps.safetensors"), m, ema, opt, 2, rngs, "{\"lr\":0.001}");
        TrainingCheckpoint.save(dir.resolve("no-ema.safetensors"), m, null, opt, 2, rngs, "");
    }
}
