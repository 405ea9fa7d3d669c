package org.jdiffusion.samples.train;

import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.samples.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run folder's page and curves, and the loss moving average across a resume's sparse rows. */
class RunPageTest {
    @TempDir Path dir;

    @Test void aFinishedRunHasAPageThatNoLongerReloads() throws Exception {
        Path run = dir.resolve("run");
        ProgramRuns.ok("train", "--data-dir", SharedData.mnistDir().toString(), "--model", "tiny", "--steps", "4", "--batch", "2",
                "--log-every", "1", "--preview", "2", "--lr", "1e-3", "--output", run.toString());
        String page = Files.readString(run.resolve("index.html"));
        assertTrue(page.contains("finished: step 4 of 4"), page);
        assertFalse(page.contains("http-equiv=\"refresh\""), "a finished run's page does not reload");
        for (String f : List.of("loss.png?v=4", "curves.png?v=4", "samples/step-000004.png?v=4", "log.csv", "checkpoint.safetensors"))
            assertTrue(page.contains(f), f + " on the page");
        assertTrue(Files.isRegularFile(run.resolve("curves.png")));
    }

    @Test void theMovingAverageWeighsAGapByItsSteps() {
        // every 10th step logged before a resume, every step after: the average must not jump where the spacing changes
        double[] sm = RunOutputs.movingAverage(List.of(new double[]{10, 1}, new double[]{20, 2}, new double[]{21, 2}));
        double keep = Math.pow(0.98, 10);
        assertEquals(1, sm[0]);
        assertEquals(keep + (1 - keep) * 2, sm[1], 1e-12);
        assertEquals(0.98 * sm[1] + 0.02 * 2, sm[2], 1e-12);
    }
}
