package org.jdiffusion.samples.train;

import org.jdiffusion.diffusion.ScheduleKind;
import org.jdiffusion.dist.Communicator;
import org.jdiffusion.dist.Communicators;
import org.jdiffusion.dist.LocalCommunicator;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.tensor.Device;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A small data-parallel training run for {@link DataParallelTest}: the 2-D spiral MLP, every loss
 * printed by rank 0 with all its digits ("loss STEP VALUE"). Arguments: OUT STEPS BATCH [resume].
 * Ranks other than 0 are given OUT-rankN as their folder, so anything they wrote would show.
 */
public final class DataParallelProbe {
    static TrainSettings settings(long steps, int batch) {
        return new TrainSettings("spiral", "", Nets.Kind.MLP, "eps", ScheduleKind.LINEAR, 50, 1e-4, 0.02, batch, steps, 1e-2, 0, 0.9,
                0, false, 7, 0, 0, 1, 1.0, 256, 0, org.jdiffusion.samples.cli.Precision.FP32);
    }

    static TrainingData data() { return TrainingData.toy(Toy2D.parse("spiral"), 256, 7); }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        long steps = Long.parseLong(args[1]);
        int batch = Integer.parseInt(args[2]);
        boolean resume = args.length > 3 && args[3].equals("resume");
        Map<String, String> env = System.getenv();
        Communicator c = Communicators.launcherSize(env) > 1 ? Communicators.open(Communicators.Kind.AUTO, Device.CPU, env, 60)
                : new LocalCommunicator();
        if (c.rank() != 0) out = Path.of(out + "-rank" + c.rank());
        if (c.rank() != 0) System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        TrainingCheckpoint ck = resume ? TrainingCheckpoint.read(Path.of(args[0]).resolve(Trainer.CHECKPOINT)) : null;
        TrainSettings s = resume ? TrainSettings.fromJson(ck.config()).withSteps(steps) : settings(steps, batch);
        if (c.rank() == 0) RunOutputs.ensureDir(out);
        Trainer t = new Trainer(s, data(), out, Device.CPU, c, 512);   // 512-byte buckets: several per step
        System.out.println("ranks " + c.size());
        t.run(ck, (tr, step, loss) -> System.out.println(String.format(Locale.ROOT, "loss %d %.17g", step, loss)));
        c.close();
    }
}
