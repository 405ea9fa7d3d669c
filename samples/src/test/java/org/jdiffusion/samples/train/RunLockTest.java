package org.jdiffusion.samples.train;

import org.jdiffusion.samples.ProgramRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One run per folder: a live run's folder is refused with its process named; a killed run's lock is taken over. */
class RunLockTest {
    @TempDir Path dir;

    @Test void aSecondLockInTheSameProcessIsRefusedAndAReleasedOneIsFree() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        try (RunLock a = RunLock.acquire(run)) {
            assertNull(a.takeOverNote());
            var e = assertThrows(RunLock.HeldException.class, () -> RunLock.acquire(run));
            assertTrue(e.getMessage().contains("is in use by another run: process " + ProcessHandle.current().pid() + " on "), e.getMessage());
        }
        try (RunLock b = RunLock.acquire(run)) {
            assertNull(b.takeOverNote(), "a lock released by its run is not stale");
        }
    }

    @Test void aLiveRunIsNamedAndItsLockIsTakenOverOnceItIsKilled() throws Exception {
        Path run = dir.resolve("run");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path console = dir.resolve("console.txt");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", cp, "org.jdiffusion.samples.Main",
                "train", "--data", "spiral", "--steps", "1000000", "--batch", "8", "--timesteps", "20", "--preview", "0",
                "--checkpoint-every", "0", "-o", run.toString()))
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!(Files.exists(console) && Files.readString(console).contains("\ntrain ")) && p.isAlive() && System.nanoTime() < deadline)
                Thread.sleep(50);
            assertTrue(p.isAlive(), Files.readString(console));
            String err = ProgramRuns.fails(1, "train", "--data", "spiral", "--steps", "2", "-o", run.toString());
            assertTrue(err.contains("train: the run folder " + run + " is in use by another run: process " + p.pid() + " on "), err);
            assertTrue(err.contains("choose another -o"), err);
        } finally {
            p.destroyForcibly();                           // kill -9: no shutdown hook releases anything
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = ProgramRuns.ok("train", "--data", "spiral", "--steps", "2", "--batch", "8", "--timesteps", "20", "--preview", "0",
                "-o", run.toString()).out();
        assertTrue(out.contains("train: took over the lock left by process " + p.pid() + " on ") && out.contains("which is no longer running"), out);
        assertEquals("", Files.readString(run.resolve(RunLock.FILE)), "a finished run leaves the lock file empty");
    }
}
