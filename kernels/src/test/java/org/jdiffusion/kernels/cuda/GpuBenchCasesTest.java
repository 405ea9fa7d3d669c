package org.jdiffusion.kernels.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark case list: unique ids, the work formulas, the U-Net's parameters, cases.tsv round trips. */
class GpuBenchCasesTest {
    @Test void idsAreUniqueAndEveryKindIsOneTheHarnessKnows() {
        Set<String> ids = new HashSet<>();
        Set<String> kinds = Set.of("d2d", "unary", "binary", "binary_row", "reduce", "softmax", "softmax_bwd", "groupnorm", "groupnorm_bwd",
                "layernorm", "layernorm_bwd", "adamw", "matmul", "conv", "attention");
        for (GpuBenchCase c : GpuBenchCases.all()) {
            assertTrue(ids.add(c.id()), "duplicate id " + c.id());
            assertTrue(kinds.contains(c.kind()), c.id() + ": kind " + c.kind());
        }
        assertEquals("d2d", GpuBenchCases.all().getFirst().id(), "the bandwidth reference runs first");
    }

    @Test void theUNetParameterListCountsTheSpecsTotal() {
        int[] sizes = GpuBenchCases.unetParameterSizes();
        assertEquals(1_624_577, IntStream.of(sizes).asLongStream().sum());
        GpuBenchCase adam = GpuBenchCases.all().stream().filter(c -> c.id().equals("adamw.unet")).findFirst().orElseThrow();
        assertEquals(sizes.length, adam.ints("sizes").length);
        assertEquals(28.0 * 1_624_577, adam.work());
    }

    @Test void workCountsBytesAndFlopsAsDocumented() {
        Map<String, GpuBenchCase> byId = new java.util.HashMap<>();
        for (GpuBenchCase c : GpuBenchCases.all()) byId.put(c.id(), c);
        assertEquals(2.0 * 4096 * 4096 * 4096, byId.get("matmul.4096").work());
        // conv 3x3 64->64 at 28x28, batch 64: 2·N·O·C·9·28·28 forward, three times that with the backward
        double fwd = 2.0 * 64 * 64 * 64 * 9 * 28 * 28;
        assertEquals(fwd, byId.get("conv.3x3.64to64.28.b64").work());
        assertEquals(3 * fwd, byId.get("conv-fwdbwd.3x3.64to64.28.b64").work());
        assertEquals(2.0 * 128 * 32 * 32 * 9 * 14 * 14, byId.get("conv.3x3s2.32to32.28.b128").work(), "stride 2 halves each output side");
        assertEquals(4.0 * 128 * 4 * 49 * 49 * 16, byId.get("attention.b128h4t49d16").work());
        assertEquals(3 * 4.0 * 128 * 4 * 49 * 49 * 16, byId.get("attention-fwdbwd.b128h4t49d16").work());
        assertEquals(4.0 * (128 * 32 * 28 * 28 + 32), byId.get("reduce.sum.unet-bias").work(), "input read once, 32 sums written");
        assertEquals(2 * 4.0 * GpuBenchCases.N, byId.get("unary.relu").work());
        // a rate: 1 GB in 1 ms is 1000 GB/s; 1e12 FLOPs in 1 s is 1 TFLOP/s
        assertEquals(1000, new GpuBenchCase("x", "d2d", Map.of(), 1e9, GpuBenchCase.GBS, "").rate(1), 1e-9);
        assertEquals(1, new GpuBenchCase("x", "matmul", Map.of(), 1e12, GpuBenchCase.TFLOPS, "").rate(1000), 1e-12);
    }

    @Test void theGemmTargetsShapesRunInTf32AndBf16WithTheWorkOfTheFloat32Case() {
        Map<String, GpuBenchCase> byId = new java.util.HashMap<>();
        for (GpuBenchCase c : GpuBenchCases.all()) byId.put(c.id(), c);
        for (String base : List.of("matmul.4096", "conv-fwdbwd.3x3.64to64.28.b128")) {
            GpuBenchCase fp32 = byId.get(base);
            assertEquals(null, fp32.params().get("mode"), base + " stays float32 FMA");
            for (String mode : List.of("tf32", "bf16")) {
                GpuBenchCase c = byId.get(base + "." + mode);
                assertTrue(c != null, base + "." + mode + " is a case");
                assertEquals(mode, c.param("mode"));
                assertEquals(fp32.work(), c.work());
                assertEquals(GpuBenchCase.TFLOPS, c.unit());
                assertEquals(fp32.kind(), c.kind());
                assertTrue(c.what().startsWith(fp32.what()) && c.what().contains(mode.equals("tf32") ? "TF32" : "bf16"), c.what());
            }
        }
        assertEquals(4, GpuBenchCases.all().stream().filter(c -> c.params().containsKey("mode")).count(), "modes only on the GEMM-target cases");
    }

    @Test void casesTsvRoundTrips(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cases.tsv");
        GpuBench.writeCases(GpuBenchCases.all(), f);
        List<String> lines = Files.readAllLines(f);
        assertEquals(GpuBenchCase.HEADER, lines.getFirst());
        List<GpuBenchCase> back = lines.stream().skip(1).map(GpuBenchCase::parse).toList();
        assertEquals(GpuBenchCases.all(), back);
    }

    @Test void badCaseLinesAreRejectedNamingTheProblem() {
        var e = assertThrows(IllegalArgumentException.class, () -> GpuBenchCase.parse("a\tb\tc"));
        assertTrue(e.getMessage().contains("expected 6 tab-separated fields"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuBenchCase.parse("a\tunary\tn\t8\tGB/s\tw"));
        assertTrue(e.getMessage().contains("'n' of a is not key=value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuBenchCase.parse("a\tunary\tn=1\t8\tms\tw"));
        assertTrue(e.getMessage().contains("unit must be GB/s or TFLOP/s, got 'ms'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuBenchCase.parse("a\tunary\tn=1\t0\tGB/s\tw"));
        assertTrue(e.getMessage().contains("work must be > 0"), e.getMessage());
        GpuBenchCase c = GpuBenchCase.parse("a\tunary\tn=1\t8\tGB/s\tw");
        e = assertThrows(IllegalArgumentException.class, () -> c.param("op"));
        assertTrue(e.getMessage().contains("missing parameter 'op'"), e.getMessage());
    }
}
