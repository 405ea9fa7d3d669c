package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.cuda.JUnitXmlResults.Result;
import org.jdiffusion.kernels.cuda.JUnitXmlResults.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GPU report's parsers and writer, on report files written here in the formats the run produces. */
class GpuReportTest {
    @TempDir Path dir;

    static final String SKIP_REASON = "no usable GPU: device cuda:0 is not available: no NVIDIA driver (libcuda.so.1 not found)";

    /** A console-launcher XML report: display names in system-out, skips as conditions or assumptions. */
    static String xml(String... testcases) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"JUnit Jupiter\" tests=\"" + testcases.length + "\">\n"
                + String.join("\n", testcases) + "\n</testsuite>\n";
    }

    static String tc(String cls, String name, String display, String body) {
        return "<testcase name=\"" + name + "\" classname=\"org.jdiffusion.kernels.cuda." + cls + "\" time=\"0.01\">" + body
                + "<system-out><![CDATA[\nunique-id: [engine:junit-jupiter]/[class:x]\ndisplay-name: " + display + "\n]]></system-out></testcase>";
    }

    static String aborted() {
        return "<skipped><![CDATA[org.opentest4j.TestAbortedException: Assumption failed: skipped: " + SKIP_REASON
                + "\n\tat org.junit.jupiter.api.Assumptions.throwAssumptionFailed(Assumptions.java:316)]]></skipped>";
    }

    @Test void withoutAGpuEveryCudaTestIsSkippedAndTheReportSaysSo() throws Exception {
        Files.createDirectories(dir.resolve("junit"));
        Files.writeString(dir.resolve("junit/TEST-kernels-junit-jupiter.xml"), xml(
                tc("ReduceRandomOnDeviceTest", "reduce(Device, ReduceOp)[1]", "[1] cpu, SUM", ""),
                tc("ReduceRandomOnDeviceTest", "reduce(Device, ReduceOp)[6]", "[6] cuda:0, SUM", aborted()),
                tc("ReduceRandomOnDeviceTest", "reduce(Device, ReduceOp)[7]", "[7] cuda:0, MAX", aborted()),
                tc("CudaRuntimeTest", "streamsOrderWork()", "streamsOrderWork()", "<skipped><![CDATA[" + SKIP_REASON + "]]></skipped>"),
                tc("CudaRuntimeTest", "eventsTime()", "eventsTime()", "<skipped><![CDATA[parent was skipped: " + SKIP_REASON + "]]></skipped>"),
                tc("CachingAllocatorTest", "statsTrackPeaks()", "statsTrackPeaks()", "")));
        GpuBench.writeCases(GpuBenchCases.all(), dir.resolve("cases.tsv"));
        Files.writeString(dir.resolve("bench.tsv"), GpuBench.HEADER + "\n# no usable GPU: " + SKIP_REASON + "\n");
        Files.writeString(dir.resolve("torch.tsv"), "# no usable GPU: cannot import torch: No module named 'torch'\n"
                + "id\tstatus\tmedian_ms\tmin_ms\treps\tdetail\n");

        List<Result> all = JUnitXmlResults.read(dir.resolve("junit"));
        assertEquals(6, all.size());
        List<Result> gpu = all.stream().filter(Result::gpu).toList();
        assertEquals(4, gpu.size(), "the cuda:0 runs and the GPU-only class; the CPU run and the allocator check are host-side");
        assertTrue(gpu.stream().allMatch(r -> r.status() == Status.SKIPPED && r.message().equals(SKIP_REASON)), gpu.toString());

        String md = GpuReport.render(dir, ZonedDateTime.now());
        assertTrue(md.contains("**CUDA tests: no GPU: all CUDA tests skipped (4 skipped)**"), md);
        assertTrue(md.contains("- skipped 4: " + SKIP_REASON + "\n\n"), "one reason, however it was worded:\n" + md);
        assertTrue(md.contains("2 of 2 pass"), md);
        assertTrue(md.contains("ours not run (no usable GPU); PyTorch not run (no usable GPU)"), md);
        assertTrue(md.contains("Nothing measured on either side (" + GpuBenchCases.all().size() + " cases in cases.tsv)"), md);
        assertTrue(md.contains("- PyTorch: no usable GPU: cannot import torch"), md);
        assertTrue(md.contains("**verdict: no GPU: all CUDA tests skipped**"), md);
    }

    @Test void failuresAndOpsNotYetThereAreNamedWithTheirMessages() throws Exception {
        Files.createDirectories(dir.resolve("junit"));
        Files.writeString(dir.resolve("junit/TEST-a.xml"), xml(
                tc("ElementwiseOnDeviceTest", "binary(Device, BinaryOp)[14]", "[14] cuda:0, ADD", ""),
                tc("ElementwiseOnDeviceTest", "binary(Device, BinaryOp)[15]", "[15] cuda:0, SUB",
                        "<failure message=\"element 3: expected 1.5 but was NaN\" type=\"org.opentest4j.AssertionFailedError\">trace</failure>"),
                tc("BackendConformanceTest", "op(String)[40]", "cuda:0 matmul",
                        "<error message=\"cuda matmul: lands with the GEMM kernels\" type=\"java.lang.UnsupportedOperationException\">t</error>"),
                tc("CudaSourcesTest", "opIds()", "opIds()", "<error message=\"src/main/cuda\" type=\"java.nio.file.NoSuchFileException\">t</error>")));
        Map<String, Status> byLabel = byLabel(JUnitXmlResults.read(dir.resolve("junit")));
        assertEquals(Map.of("binary · cuda:0, ADD", Status.PASS, "binary · cuda:0, SUB", Status.FAIL, "op · cuda:0 matmul", Status.NOT_YET,
                "opIds", Status.FAIL), byLabel);

        String md = GpuReport.render(dir, ZonedDateTime.now());
        assertTrue(md.contains("**CUDA tests: 1 passed, 1 failed, 1 not implemented yet, 0 skipped**"), md);
        assertTrue(md.contains("| ElementwiseOnDeviceTest | binary · cuda:0, SUB | **FAIL** | AssertionFailedError: element 3: expected 1.5 but was NaN |"), md);
        assertTrue(md.contains("| BackendConformanceTest | op · cuda:0 matmul | not yet | cuda matmul: lands with the GEMM kernels |"), md);
        assertTrue(md.contains("0 of 1 pass; FAILED CudaSourcesTest.opIds: NoSuchFileException: src/main/cuda"), md);
        assertTrue(md.indexOf("**FAIL**") < md.indexOf("| pass |"), "failures come first");
        assertTrue(md.contains("**verdict: 1 GPU tests fail**"), md);
    }

    @Test void benchmarksJoinOursWithPyTorchsByCaseWithRatesFractionsAndRatios() throws Exception {
        Random rnd = new Random(5);
        double d2dOurs = 0.1 + rnd.nextDouble(), d2dTorch = 0.1 + rnd.nextDouble(), reluOurs = 0.1 + rnd.nextDouble(),
                reluTorch = 0.1 + rnd.nextDouble(), mmTorch = 1 + rnd.nextDouble();
        List<GpuBenchCase> cases = GpuBenchCases.all().stream()
                .filter(c -> List.of("d2d", "unary.relu", "matmul.4096", "conv.3x3.64to64.28.b64").contains(c.id())).toList();
        GpuBench.writeCases(cases, dir.resolve("cases.tsv"));
        Files.writeString(dir.resolve("bench.tsv"), GpuBench.HEADER + "\n"
                + okRow("d2d", d2dOurs) + okRow("unary.relu", reluOurs)
                + GpuBench.row("matmul.4096", "n/a", "not available: cuda matmul: lands with the GEMM kernels") + "\n"
                + GpuBench.row("conv.3x3.64to64.28.b64", "crashed", "the JVM died during this case (see bench.log)") + "\n");
        Files.writeString(dir.resolve("torch.tsv"), "# torch: 2.11.0+cu130\nid\tstatus\tmedian_ms\tmin_ms\treps\tdetail\n"
                + okRow("d2d", d2dTorch) + okRow("unary.relu", reluTorch) + okRow("matmul.4096", mmTorch)
                + "unet.train.b128\tok\t12.5\t12.1\t20\tforward + backward\n");
        // a part that never ran (parts.tsv, junit/, device files missing) is reported missing, not fatal
        String md = GpuReport.render(dir, ZonedDateTime.now());

        GpuBenchCase relu = cases.get(1), d2d = cases.get(0), mm = cases.get(2);
        String reluRow = String.format(java.util.Locale.ROOT, "| `unary.relu` | %s | %.4f | %.1f | %.2f | %.4f | %.1f | %.2f | %.2f |", relu.what(),
                reluOurs, relu.rate(reluOurs), relu.rate(reluOurs) / d2d.rate(d2dOurs), reluTorch, relu.rate(reluTorch),
                relu.rate(reluTorch) / d2d.rate(d2dTorch), reluTorch / reluOurs);
        assertTrue(md.contains(reluRow), "expected\n" + reluRow + "\nin\n" + md);
        String mmRow = String.format(java.util.Locale.ROOT, "| `matmul.4096` | %s | n/a (1) | — | %.4f | %.2f | — |", mm.what(), mmTorch, mm.rate(mmTorch));
        assertTrue(md.contains(mmRow), "expected\n" + mmRow + "\nin\n" + md);
        assertTrue(md.contains("1. ours: not available: cuda matmul: lands with the GEMM kernels"), md);
        assertTrue(md.contains("| crashed (2) | — | missing | — | — |"), md);
        assertTrue(md.contains("| `unet.train.b128` | eps-MSE forward + backward + fused AdamW step, float32 | — | — | 12.500 | 10240 | — |"), md);
        assertTrue(md.contains("- ours: not run (no unet.tsv"), md);
        assertTrue(md.contains("No part has finished yet."), md);
        assertTrue(md.contains("No test results"), md);
        assertTrue(md.contains("ours 2 measured, 1 not available, 0 errors, 1 crashed, 0 not run (time)"), md);
        assertFalse(md.contains("null"), md);
    }

    @Test void theUNetTableJoinsOurProbesRowsWithPyTorchsByIdWithImagesPerSecondAndRatios() throws Exception {
        Random rnd = new Random(11);
        double fwdOurs = 1 + rnd.nextDouble(), trainOurs = 5 + rnd.nextDouble(), fwdTorch = 1 + rnd.nextDouble(), trainTorch = 5 + rnd.nextDouble(),
                trainBf16Torch = 3 + rnd.nextDouble();
        GpuBench.writeCases(GpuBenchCases.all().stream().filter(c -> c.id().startsWith("matmul.4096")).toList(), dir.resolve("cases.tsv"));
        String header = "id\tstatus\tmedian_ms\tmin_ms\treps\tdetail\n";
        // unet.tsv as CudaUNetStepProbe writes it; torch.tsv as gpu_baseline.py --unet
        Files.writeString(dir.resolve("unet.tsv"), "# batch: 128\n# GEMM mode: FP32 (bf16 rows: Autocast)\n" + header
                + unetRow("unet.forward.b128", fwdOurs) + unetRow("unet.train.b128", trainOurs)
                + "unet.train.b128.bf16\terror\t\t\t\tjava.lang.IllegalStateException: out of memory\n"
                + "unet.train.b128.after60\tok\t" + trainOurs / 2 + "\t" + trainOurs / 3 + "\t9\tafter 60 untimed steps; 1635 kernel launches\n");
        Files.writeString(dir.resolve("torch.tsv"), "# torch: 2.11.0+cu130\n" + header + okRow("matmul.4096.tf32", 0.2)
                + unetRow("unet.forward.b128", fwdTorch) + unetRow("unet.train.b128", trainTorch) + unetRow("unet.train.b128.bf16", trainBf16Torch));
        String md = GpuReport.render(dir, ZonedDateTime.now());

        String train = String.format(java.util.Locale.ROOT, "| `unet.train.b128` | eps-MSE forward + backward + fused AdamW step, float32 | %.3f | %.0f | %.3f | %.0f | %.2f |",
                trainOurs, 128 / trainOurs * 1e3, trainTorch, 128 / trainTorch * 1e3, trainTorch / trainOurs);
        assertTrue(md.contains(train), "expected\n" + train + "\nin\n" + md);
        String fwd = String.format(java.util.Locale.ROOT, "| `unet.forward.b128` | forward, eval mode, no grad, float32 | %.3f | %.0f | %.3f | %.0f | %.2f |",
                fwdOurs, 128 / fwdOurs * 1e3, fwdTorch, 128 / fwdTorch * 1e3, fwdTorch / fwdOurs);
        assertTrue(md.contains(fwd), "expected\n" + fwd + "\nin\n" + md);
        String bf16 = String.format(java.util.Locale.ROOT, "| `unet.train.b128.bf16` | eps-MSE forward + backward + fused AdamW step, bf16 autocast | error (1) | — | %.3f | %.0f | — |",
                trainBf16Torch, 128 / trainBf16Torch * 1e3);
        assertTrue(md.contains(bf16), "expected\n" + bf16 + "\nin\n" + md);
        assertTrue(md.contains("1. ours: java.lang.IllegalStateException: out of memory"), md);
        String after = String.format(java.util.Locale.ROOT, "| `unet.train.b128.after60` | eps-MSE forward + backward + fused AdamW step, float32, after 60 untimed steps | %.3f | %.0f | — | — | — |",
                trainOurs / 2, 128 / (trainOurs / 2) * 1e3);
        assertTrue(md.contains(after), "expected\n" + after + "\nin\n" + md);
        // ours' own counts under the table, one line per measured row, none for the error row
        assertTrue(md.contains("Ours, as the probe counted each row:\n\n- `unet.forward.b128`: detail; 1624577 parameters\n"), md);
        assertTrue(md.contains("- `unet.train.b128.after60`: after 60 untimed steps; 1635 kernel launches"), md);
        assertFalse(md.contains("- `unet.train.b128.bf16`:"), md);
        assertTrue(md.contains("- ours: batch: 128"), md);
        assertTrue(md.indexOf("`unet.forward.b128`") < md.indexOf("`unet.train.b128`"), "ours' order first");
        // the tensor-core GEMM cases sit in the compute-bound table
        int compute = md.indexOf("### Compute-bound"), unet = md.indexOf("## The reference U-Net");
        assertTrue(compute >= 0 && compute < md.indexOf("| `matmul.4096.tf32` |") && md.indexOf("| `matmul.4096.bf16` |") < unet, md);
        assertFalse(md.contains("null"), md);
        assertEquals(128, GpuReportBench.batchOf("unet.train.b128.bf16"));
        assertEquals(2, GpuReportBench.batchOf("unet.forward.b2"));
        assertEquals(null, GpuReportBench.batchOf("unet.forward"));
    }

    private static String unetRow(String id, double ms) { return id + "\tok\t" + ms + "\t" + ms * 0.95 + "\t20\tdetail; 1624577 parameters\n"; }

    @Test void aPartThatTimedOutIsReadFromItsTestFeedAndNamesTheTestThatWasRunning() throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        Files.write(dir.resolve("logs/tests-kernels.log"), List.of(
                "INFO: opened cuda:0 (NVIDIA H200, sm_90)",
                "JUnit Jupiter > ElementwiseOnDeviceTest :: STARTED",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) :: STARTED",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) > [14] cuda:0, ADD :: STARTED",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) > [14] cuda:0, ADD :: SUCCESSFUL",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) > [15] cuda:0, SUB :: STARTED",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) > [15] cuda:0, SUB :: FAILED",
                "\tjava.lang.AssertionError: sub on cuda:0: element 3 is 1.5, expected 2.5",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) > [16] cuda:0, MUL :: STARTED",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) > [16] cuda:0, MUL :: ABORTED",
                "\torg.opentest4j.TestAbortedException: Assumption failed: no usable GPU",
                "JUnit Jupiter > ElementwiseOnDeviceTest > binary(Device, BinaryOp) > [17] cuda:0, DIV :: STARTED"));
        assertEquals(Map.of("binary · cuda:0, ADD", Status.PASS, "binary · cuda:0, SUB", Status.FAIL, "binary · cuda:0, MUL", Status.SKIPPED,
                "binary · cuda:0, DIV", Status.FAIL), byLabel(GpuReport.results(dir)));
        String md = GpuReport.render(dir, ZonedDateTime.now());
        assertTrue(md.contains("1 passed, 2 failed, 0 not implemented yet, 1 skipped"), md);
        assertTrue(md.contains("element 3 is 1.5, expected 2.5"), md);
        assertTrue(md.contains("started but never finished"), md);
    }

    static Map<String, Status> byLabel(List<Result> results) {
        return results.stream().collect(java.util.stream.Collectors.toMap(Result::label, Result::status));
    }

    @Test void anEmptyWorkDirectoryStillGivesAReport() throws Exception {
        String md = GpuReport.render(dir, ZonedDateTime.now());
        assertTrue(md.contains("**GPU: none found"), md);
        assertTrue(md.contains("**CUDA tests: not run (no test results)**"), md);
        assertTrue(md.contains("ours not run; PyTorch not run"), md);
        assertTrue(md.contains("No cases.tsv: the benchmark part did not start."), md);
        assertTrue(md.contains("**verdict: the CUDA tests did not run**"), md);
        GpuReport.main(new String[]{dir.toString(), dir.resolve("r/report.md").toString()});
        assertEquals(md.lines().skip(3).toList(), Files.readString(dir.resolve("r/report.md")).lines().skip(3).toList());
    }

    private static String okRow(String id, double ms) {
        return id + "\tok\t" + ms + "\t" + ms * 0.9 + "\t10\t\t\t\n";
    }
}
