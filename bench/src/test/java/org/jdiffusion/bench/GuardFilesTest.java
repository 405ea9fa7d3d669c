package org.jdiffusion.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Param;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bench/guard's files and arguments: the probe's output, the CPU key, the baselines and the floor table. */
class GuardFilesTest {
    private static final CpuId CPU = new CpuId("GenuineIntel", "Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz", "6", "143", "8", 2);

    private static Peak peak(Path dir) throws IOException {
        Path f = dir.resolve("peak.txt");
        Files.writeString(f, "cpu\tIntel Xeon\nisa\tavx512f (16 float32 lanes)\nfma_gflops\t1\t200.0\ncopy_gbs\t1\t12.5\nfma_gflops\t2\t400.0\ncopy_gbs\t2\t20.0\n");
        return Peak.read(f);
    }

    private static Guard.Measured m(String id, double rate, String unit) {
        return new Guard.Measured(new Guard.Spec(id, "org.jdiffusion.bench.X.y", Map.of()), 1, rate, unit);
    }

    /** Runs compare with System.out captured; returns {status, output}. */
    private static Object[] compare(Baselines b, List<Guard.Measured> now, Peak p) throws IOException {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            int status = b.compare(now, p, 0.25);
            return new Object[]{status, buf.toString()};
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void probeOutputIsReadPerThreadCount(@TempDir Path dir) throws IOException {
        Peak p = peak(dir);
        assertEquals(200.0, p.fma(1));
        assertEquals(20.0, p.copy(2));
        assertEquals("avx512f (16 float32 lanes)", p.isa());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.fma(4));
        assertTrue(e.getMessage().contains("not on 4"), e.getMessage());
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "cpu\tx\n");
        IOException io = assertThrows(IOException.class, () -> Peak.read(bad));
        assertTrue(io.getMessage().contains("not the probe's output"), io.getMessage());
    }

    @Test
    void cpuKeyNamesModelFamilyAndCpuCount() {
        assertEquals("intel-xeon-platinum-8480-f6-m143-s8-2cpu", CPU.slug());
        assertEquals("amd-epyc-f25-m17-s1-2cpu", new CpuId("AuthenticAMD", "AMD EPYC", "25", "17", "1", 2).slug());
    }

    @Test
    void baselineRoundTripsAndFailsBeyondTolerance(@TempDir Path dir) throws IOException {
        Peak p = peak(dir);
        Path file = dir.resolve("baselines").resolve(CPU.slug() + ".tsv");
        Baselines b = new Baselines(file, CPU, 2);
        List<Guard.Measured> base = List.of(m("sgemm1024", 100, "GFLOP/s"), m("conv3x3_fwd", 300, "GFLOP/s"), m("add", 15, "GB/s"));

        Object[] none = compare(b, base, p);
        assertEquals(2, none[0]);
        assertTrue(((String) none[1]).contains("NOT COMPARED"), (String) none[1]);

        b.save(base, p, "--save-baseline --threads 2");
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.get(0).contains("Xeon") && lines.get(0).contains("family 6 model 143"), lines.get(0));
        assertTrue(lines.contains("sgemm1024\t2\t100.000\tGFLOP/s"), lines.toString());
        assertTrue(lines.contains("conv3x3_fwd\t2\t300.000\tGFLOP/s"), lines.toString());

        assertEquals(0, compare(b, List.of(m("sgemm1024", 80, "GFLOP/s"), m("conv3x3_fwd", 290, "GFLOP/s"), m("add", 16, "GB/s")), p)[0]);
        Object[] slow = compare(b, List.of(m("sgemm1024", 100, "GFLOP/s"), m("conv3x3_fwd", 200, "GFLOP/s"), m("add", 15, "GB/s")), p);
        assertEquals(1, slow[0]);
        String out = (String) slow[1];
        assertTrue(out.contains("| conv3x3_fwd | 2 | 200.00 GFLOP/s | 300.00 | 0.67 | 50.0% of FMA | **SLOWER** |"), out);
        assertTrue(out.contains("FAILED"), out);

        // saving again for 1 thread keeps the 2-thread rows
        new Baselines(file, CPU, 1).save(List.of(m("conv3x3_fwd", 150, "GFLOP/s")), p, "--save-baseline");
        lines = Files.readAllLines(file);
        assertTrue(lines.contains("conv3x3_fwd\t2\t300.000\tGFLOP/s") && lines.contains("conv3x3_fwd\t1\t150.000\tGFLOP/s"), lines.toString());

        Files.writeString(file, "conv3x3_fwd\t2\t300\n");
        IOException e = assertThrows(IOException.class, () -> b.compare(base, p, 0.25));
        assertTrue(e.getMessage().contains("expected 'id<TAB>threads<TAB>rate<TAB>unit'"), e.getMessage());
    }

    @Test
    void everyGuardKernelHasItsFloor() throws NoSuchFieldException {
        Set<String> kernels = Set.of(GuardBench.class.getField("kernel").getAnnotation(Param.class).value());
        assertEquals(kernels, Guard.FLOORS.stream().map(Guard.Floor::kernel).collect(Collectors.toSet()));
        for (Guard.Floor f : Guard.FLOORS) assertTrue(f.minSpeedup() >= 1 && f.minPeakFraction() > 0 && f.minPeakFraction() < 1, f.toString());
    }

    @Test
    void badArgumentsAreNamed(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("peak.txt");
        Files.writeString(p, "fma_gflops\t1\t1\ncopy_gbs\t1\t1\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Guard.GuardArgs.parse(new String[]{"--floors"})).getMessage().contains("--peak FILE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Guard.GuardArgs.parse(new String[]{"--peak", p.toString(), "--tolerance", "1.5"}))
                .getMessage().contains("(0, 1)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Guard.GuardArgs.parse(new String[]{"--peak", p.toString(), "--fast"}))
                .getMessage().contains("unknown argument '--fast'"));
        assertEquals(2, Guard.GuardArgs.parse(new String[]{"--peak", p.toString(), "--threads", "2"}).threads());
    }
}
