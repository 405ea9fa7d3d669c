package org.jdiffusion.samples.train;

import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A training process stopped by a signal (what Ctrl-C sends, SIGINT, and SIGTERM both run the hook) leaves a valid checkpoint. */
class InterruptTest {
    @TempDir Path dir;

    @Test void stoppedProcessLeavesAResumableCheckpoint() throws Exception {
        Path run = dir.resolve("run");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", cp, "org.jdiffusion.samples.Main",
                "train", "--data", "spiral", "--steps", "1000000", "--batch", "16", "--timesteps", "50", "--preview", "0",
                "--checkpoint-every", "0", "--log-every", "1", "-o", run.toString()));
        Path console = dir.resolve("console.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        // plain progress lines: the first one is printed after step 1
        while (!(Files.exists(console) && Files.readString(console).contains("\ntrain ")) && p.isAlive() && System.nanoTime() < deadline)
            Thread.sleep(50);
        Thread.sleep(300);
        p.toHandle().destroy();                            // SIGTERM, like Ctrl-C's SIGINT: the JVM runs its shutdown hooks
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process ends");
        String out = Files.readString(console);
        assertTrue(out.contains("stopped at step") && out.contains("continue with --resume"), out);
        TrainingCheckpoint ck = TrainingCheckpoint.read(run.resolve("checkpoint.safetensors"));
        assertTrue(ck.step() >= 1, "step " + ck.step());
        List<String> log = Files.readAllLines(run.resolve("log.csv"));
        assertEquals(ck.step() + 1, log.size(), "one row per step up to the checkpoint");
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }
}
