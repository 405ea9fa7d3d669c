package org.jdiffusion.samples.train;

import org.jdiffusion.dist.MpiRun;
import org.jdiffusion.samples.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training under {@code mpirun} on loopback against the one-process run: the same
 * losses to float tolerance on 2 and 3 ranks (an uneven 5 + 5 + 6 split of a batch of 16), the same
 * bits when repeated, a resume on another number of ranks, files from rank 0 only, and the first
 * line of the program naming the communicator.
 */
class DataParallelTest {
    static final int BATCH = 16, STEPS = 10;
    /** The bound the issue asks for on the first steps, and one for later steps where Adam amplifies rounding. */
    static final double FIRST_STEPS_REL = 1e-6, LATER_STEPS_REL = 1e-5;

    @TempDir Path dir;

    private double[] singleProcess(int steps) {
        double[] loss = new double[steps];
        Trainer t = new Trainer(DataParallelProbe.settings(steps, BATCH), DataParallelProbe.data(), dir.resolve("single"),
                org.jdiffusion.tensor.Device.CPU);
        RunOutputs.ensureDir(dir.resolve("single"));
        t.run(null, (tr, step, l) -> loss[(int) step - 1] = l);
        return loss;
    }

    private static List<String> lossLines(String out) {
        return out.lines().filter(l -> l.startsWith("loss ")).toList();
    }

    private static double[] losses(String out, int from, int to) {
        double[] l = new double[to - from];
        for (String line : lossLines(out)) {
            String[] f = line.split(" ");
            int step = Integer.parseInt(f[1]);
            if (step > from && step <= to) l[step - from - 1] = Double.parseDouble(f[2]);
        }
        return l;
    }

    private static double compare(double[] single, double[] parallel, int offset, String what) {
        double worstFirst = 0, worst = 0;
        for (int i = 0; i < parallel.length; i++) {
            int step = offset + i + 1;
            double rel = Math.abs(parallel[i] - single[offset + i]) / Math.abs(single[offset + i]);
            double bound = step <= 3 ? FIRST_STEPS_REL : LATER_STEPS_REL;
            assertTrue(rel <= bound, what + ": step " + step + " loss " + parallel[i] + " against one process's " + single[offset + i]
                    + " (relative " + rel + " > " + bound + ")");
            if (step <= 3) worstFirst = Math.max(worstFirst, rel);
            worst = Math.max(worst, rel);
        }
        System.out.println("data parallel, " + what + ": largest relative loss difference on steps " + (offset + 1) + "-" + (offset + parallel.length)
                + ": " + worst);
        return worstFirst;
    }

    @Test void parallelRunsMatchOneProcessRepeatExactlyAndResumeOnAnotherRankCount() throws Exception {
        double[] single = singleProcess(STEPS);
        String probe = DataParallelProbe.class.getName();
        // 2 ranks, twice: the one-process losses, and the same bits each time
        Path a = dir.resolve("a"), b = dir.resolve("b");
        MpiRun.Result ra = MpiRun.run(2, 90, Map.of(), probe, a.toString(), "" + STEPS, "" + BATCH);
        assertEquals(0, ra.status(), ra.output());
        assertTrue(ra.output().contains("ranks 2"), ra.output());
        assertEquals(STEPS, lossLines(ra.output()).size(), "rank 0 alone prints the losses:\n" + ra.output());
        double worst = compare(single, losses(ra.output(), 0, STEPS), 0, "2 ranks");
        System.out.println("data parallel, 2 ranks: largest relative loss difference on steps 1-3: " + worst);
        MpiRun.Result rb = MpiRun.run(2, 90, Map.of(), probe, b.toString(), "" + STEPS, "" + BATCH);
        assertEquals(0, rb.status(), rb.output());
        assertEquals(lossLines(ra.output()), lossLines(rb.output()), "a repeated run gives the same losses bit for bit");
        assertArrayEquals(Files.readAllBytes(a.resolve(Trainer.CHECKPOINT)), Files.readAllBytes(b.resolve(Trainer.CHECKPOINT)),
                "a repeated run writes the same checkpoint");
        // rank 0 alone writes: rank 1 was given a folder of its own, which must not exist
        assertFalse(Files.exists(Path.of(a + "-rank1")), "rank 1 wrote files");
        try (var files = Files.list(a)) {
            assertEquals(List.of("checkpoint.safetensors", "curves.png", "index.html", "log.csv", "loss.png"), files.map(f -> f.getFileName().toString()).sorted().toList());
        }

        // 3 ranks (5 + 5 + 6 of 16) for half the steps, then resumed on 2 ranks to the end
        Path c = dir.resolve("c");
        MpiRun.Result rc = MpiRun.run(3, 90, Map.of(), probe, c.toString(), "" + STEPS / 2, "" + BATCH);
        assertEquals(0, rc.status(), rc.output());
        worst = Math.max(worst, compare(single, losses(rc.output(), 0, STEPS / 2), 0, "3 ranks"));
        System.out.println("data parallel, 3 ranks: largest relative loss difference on steps 1-3: " + worst);
        assertFalse(Files.exists(Path.of(c + "-rank1")) || Files.exists(Path.of(c + "-rank2")), "ranks 1 and 2 wrote files");
        MpiRun.Result rd = MpiRun.run(2, 90, Map.of(), probe, c.toString(), "" + STEPS, "" + BATCH, "resume");
        assertEquals(0, rd.status(), rd.output());
        compare(single, losses(rd.output(), STEPS / 2, STEPS), STEPS / 2, "resumed from 3 on 2 ranks");
        assertEquals(STEPS + 1, Files.readAllLines(c.resolve("log.csv")).size(), "log.csv continues across the resume");
    }

    @Test void theProgramNamesTheCommunicatorOnRankZerosFirstLineAndOnlyRankZeroPrints() throws Exception {
        Path run = dir.resolve("cli");
        MpiRun.Result r = MpiRun.run(2, 90, Map.of(), Main.class.getName(), "train", "--data", "moons", "--steps", "3", "--batch", "8",
                "--timesteps", "20", "--preview", "0", "-o", run.toString());
        assertEquals(0, r.status(), r.output());
        List<String> lines = new ArrayList<>(r.output().lines().filter(l -> !l.startsWith("WARNING:")).toList());
        assertTrue(lines.getFirst().startsWith("data parallel: mpi, 2 ranks"), r.output());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("train: ")).count(), "one rank prints:\n" + r.output());
        assertTrue(r.output().contains("done: step 3"), r.output());
        assertTrue(Files.exists(run.resolve(Trainer.CHECKPOINT)));
    }

    @Test void aLocalCommunicatorUnderAMultiRankLauncherIsRefused() throws Exception {
        MpiRun.Result r = MpiRun.run(2, 60, Map.of(), Main.class.getName(), "train", "--data", "moons", "--steps", "1", "--comm", "local",
                "-o", dir.resolve("x").toString());
        assertTrue(r.status() != 0 && r.output().contains("--comm local under a launcher of 2 ranks would train 2 independent copies"), r.output());
    }
}
