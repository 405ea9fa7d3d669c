package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Generator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GpuBench's bookkeeping that needs no GPU: resuming after a crash, and the AdamW bridge before the op exists. */
class GpuBenchTest {
    @Test void aResumedRunRecordsTheCaseThatWasRunningAsCrashedAndSkipsTheRowsWritten(@TempDir Path dir) throws Exception {
        List<GpuBenchCase> cases = GpuBenchCases.all().subList(0, 3);
        Files.writeString(dir.resolve("bench.tsv"), GpuBench.HEADER + "\n" + cases.get(0).id() + "\tok\t0.5\t0.4\t10\t1000\tGB/s\t\n");
        Files.writeString(dir.resolve("bench.running"), cases.get(1).id());
        // every case but the one named in bench.running is done, so a GPU, where there is one, times nothing new
        List<GpuBenchCase> todo = List.of(cases.get(0), cases.get(1));
        int rc = GpuBench.run(todo, dir, true, 60, 10);

        assertEquals(CudaCondition.available() ? 0 : GpuBench.NO_GPU, rc);
        List<String> rows = Files.readAllLines(dir.resolve("bench.tsv"));
        assertEquals(GpuBench.HEADER, rows.get(0));
        assertTrue(rows.get(1).startsWith(cases.get(0).id() + "\tok\t"), rows.toString());
        assertEquals(cases.get(1).id() + "\tcrashed\t\t\t\t\t\tthe JVM died during this case (see bench.log)", rows.get(2));
        assertEquals(1, rows.stream().filter(r -> r.startsWith(cases.get(1).id() + "\t")).count(), "the crash is recorded once");
        assertTrue(Files.exists(dir.resolve("cases.tsv")), "cases.tsv is written beside the rows");
        if (!CudaCondition.available()) assertTrue(rows.getLast().startsWith("# no usable GPU: "), rows.toString());
    }

    @Test void aFreshRunStartsANewTable(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bench.tsv"), "stale\trow\n");
        Assumptions.assumeFalse(CudaCondition.available(), "on a GPU this would time the case");
        assertEquals(GpuBench.NO_GPU, GpuBench.run(GpuBenchCases.all().subList(0, 1), dir, false, 60, 10));
        List<String> rows = Files.readAllLines(dir.resolve("bench.tsv"));
        assertEquals(GpuBench.HEADER, rows.get(0));
        assertFalse(rows.contains("stale\trow"));
    }

    @Test void anUnknownKindIsNamed() {
        GpuBenchCase odd = new GpuBenchCase("odd", "fft", java.util.Map.of(), 1, GpuBenchCase.GBS, "");
        var e = assertThrows(IllegalArgumentException.class, () -> GpuBenchOps.setup(null, odd, new Generator(1)));
        assertEquals("GpuBench: unknown case kind 'fft' of odd", e.getMessage());
    }
}
