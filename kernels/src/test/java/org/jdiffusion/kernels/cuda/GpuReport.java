package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.cuda.JUnitXmlResults.Result;
import org.jdiffusion.kernels.cuda.JUnitXmlResults.Status;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes the GPU report, {@code report.md}, from whatever parts of a GPU run exist in its work
 * directory; a part that is missing (not run yet, timed out, crashed) is said to be missing and the
 * rest is reported. Run after every part by the kit's run.sh, so the report is current whenever
 * the run stops. Reads, all optional:
 * <pre>
 *   parts.tsv        part, status, seconds, note (written by run.sh)
 *   kit.txt          what the kit was built from
 *   nvidia-smi.txt   nvidia-smi --query-gpu=... --format=csv
 *   device.txt       the CUDA context's view of the device (GpuBench, CudaBandwidthProbe)
 *   junit/TEST-*.xml the CUDA tests (JUnit console launcher or Surefire)
 *   logs/tests-*.log the launcher's test feed: the results of classes without an XML report
 *   bandwidth.tsv    CudaBandwidthProbe
 *   cases.tsv, bench.tsv, torch.tsv   the benchmark cases, ours (GpuBench), PyTorch's (gpu_baseline.py)
 *   unet.tsv         our reference U-Net forward and training step (samples' CudaUNetStepProbe)
 * </pre>
 * Usage: {@code GpuReport WORK_DIR REPORT_FILE}.
 */
public final class GpuReport {
    private GpuReport() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: GpuReport WORK_DIR REPORT_FILE");
            System.exit(2);
        }
        AtomicText.write(Path.of(args[1]), render(Path.of(args[0]), ZonedDateTime.now()));
    }

    static String render(Path dir, ZonedDateTime now) throws Exception {
        List<Result> all = results(dir);
        List<Result> gpu = all.stream().filter(Result::gpu).toList(), host = all.stream().filter(r -> !r.gpu()).toList();
        Tsv parts = Tsv.read(dir.resolve("parts.tsv")), cases = Tsv.read(dir.resolve("cases.tsv")), bench = Tsv.read(dir.resolve("bench.tsv")),
                torch = Tsv.read(dir.resolve("torch.tsv")), unet = Tsv.read(dir.resolve("unet.tsv"));
        Map<String, String> device = keyValues(dir.resolve("device.txt"));
        GpuReportBench benchmarks = new GpuReportBench(cases, bench, torch, unet);

        StringBuilder md = new StringBuilder("# jdiffusion GPU report\n\n");
        md.append("Generated ").append(now.format(DateTimeFormatter.RFC_1123_DATE_TIME));
        Path kit = dir.resolve("kit.txt");
        if (Files.exists(kit)) md.append(" · kit: ").append(esc(Files.readString(kit).strip().replace('\n', ' ')));
        md.append(".\n\n");
        md.append("- **GPU: ").append(gpuLine(dir, device)).append("**\n");
        md.append("- **CUDA tests: ").append(testSummary(gpu)).append("**\n");
        md.append("- **benchmarks: ").append(benchmarks.summary()).append("**\n\n");

        md.append("## Run\n\n");
        if (parts.rows().isEmpty()) md.append("No part has finished yet.\n");
        else {
            md.append("| part | result | seconds | note |\n|---|---|---:|---|\n");
            for (Map<String, String> p : parts.rows().values())
                md.append(cells(p.get("part"), p.get("status"), p.get("seconds"), esc(p.getOrDefault("note", "")))).append('\n');
        }

        md.append("\n## Device\n\n| property | value |\n|---|---|\n");
        List<String> smi = lines(dir.resolve("nvidia-smi.txt"));
        if (smi.size() >= 2) md.append(cells("nvidia-smi (" + esc(smi.get(0)) + ")", esc(smi.get(1)))).append('\n');
        else md.append("| nvidia-smi | ").append(smi.isEmpty() ? "not found or no output" : esc(smi.getFirst())).append(" |\n");
        device.forEach((k, v) -> md.append(cells(esc(k), esc(v))).append('\n'));
        if (device.isEmpty()) md.append("| CUDA context | not created (no usable GPU, or the run stopped before it) |\n");
        for (String n : torch.notes()) md.append(cells("PyTorch side", esc(n))).append('\n');

        md.append("\n## CUDA tests on cuda:0\n\n");
        appendTests(md, all, gpu, host);

        md.append("\n## Bandwidth probe (CudaBandwidthProbe)\n\n");
        List<String> bw = lines(dir.resolve("bandwidth.tsv"));
        if (bw.isEmpty()) md.append("Not measured (the probe runs only on a usable GPU).\n");
        else {
            md.append("Compulsory bytes over the best of 10 runs (no L2 flush), against the driver's device-to-device copy.\n\n");
            for (int i = 0; i < bw.size(); i++) {
                md.append("| ").append(String.join(" | ", bw.get(i).split("\t"))).append(" |\n");
                if (i == 0) md.append("|---|---:|---:|---:|---:|\n");
            }
        }
        benchmarks.append(md);

        long fail = gpu.stream().filter(r -> r.status() == Status.FAIL).count(), pass = gpu.stream().filter(r -> r.status() == Status.PASS).count();
        md.append("\n**verdict: ").append(all.isEmpty() ? "the CUDA tests did not run" : fail > 0 ? fail + " GPU tests fail"
                : pass > 0 ? "all GPU tests that ran pass" : "no GPU: all CUDA tests skipped").append("**\n");
        return md.toString();
    }

    private static String gpuLine(Path dir, Map<String, String> device) throws Exception {
        List<String> smi = lines(dir.resolve("nvidia-smi.txt"));
        if (smi.size() >= 2) return esc(smi.get(1));
        if (device.containsKey("gpu")) return esc(device.get("gpu") + ", driver CUDA " + device.getOrDefault("driver CUDA version", "?"));
        return "none found (no nvidia-smi output, no CUDA context)";
    }

    /**
     * The XML reports' results, plus those of logs/tests-*.log (the launcher's test feed) for every
     * class no XML report covers: a part that timed out or crashed writes no XML.
     */
    static List<Result> results(Path dir) throws Exception {
        List<Result> xml = JUnitXmlResults.read(dir.resolve("junit"));
        Set<String> covered = xml.stream().map(Result::cls).collect(Collectors.toSet());
        List<Result> all = new ArrayList<>(xml);
        for (Result r : JUnitFeedResults.read(dir.resolve("logs"))) if (!covered.contains(r.cls())) all.add(r);
        all.sort(Comparator.comparing(Result::cls).thenComparing(Result::label));
        return all;
    }

    static String testSummary(List<Result> gpu) {
        if (gpu.isEmpty()) return "not run (no test results)";
        Map<Status, Long> n = gpu.stream().collect(Collectors.groupingBy(Result::status, Collectors.counting()));
        long pass = n.getOrDefault(Status.PASS, 0L), fail = n.getOrDefault(Status.FAIL, 0L), notYet = n.getOrDefault(Status.NOT_YET, 0L),
                skip = n.getOrDefault(Status.SKIPPED, 0L);
        if (skip == gpu.size()) return "no GPU: all CUDA tests skipped (" + skip + " skipped)";
        return pass + " passed, " + fail + " failed, " + notYet + " not implemented yet, " + skip + " skipped";
    }

    private static void appendTests(StringBuilder md, List<Result> all, List<Result> gpu, List<Result> host) {
        if (all.isEmpty()) {
            md.append("No test results (the test part did not run, or wrote neither an XML report nor a test feed in ")
                    .append("logs/tests-*.log of results.tar.gz).\n");
            return;
        }
        md.append("**").append(testSummary(gpu)).append("**\n\n");
        Map<String, Long> reasons = gpu.stream().filter(r -> r.status() == Status.SKIPPED)
                .collect(Collectors.groupingBy(Result::message, LinkedHashMap::new, Collectors.counting()));
        reasons.forEach((why, k) -> md.append("- skipped ").append(k).append(": ").append(esc(why)).append('\n'));
        if (!reasons.isEmpty()) md.append('\n');
        List<Result> shown = gpu.stream().filter(r -> r.status() != Status.SKIPPED)
                .sorted((a, b) -> Integer.compare(order(a.status()), order(b.status()))).toList();
        if (!shown.isEmpty()) {
            md.append("| class | test | result | message |\n|---|---|---|---|\n");
            for (Result r : shown)
                md.append(cells(r.cls(), esc(r.label()), label(r.status()), esc(r.message()))).append('\n');
            md.append('\n');
        }
        long hostFail = host.stream().filter(r -> r.status() == Status.FAIL).count();
        md.append("Host-side checks (the CPU runs of the op suite, allocator, geometry, launch sizes, kernel sources, provider): ")
                .append(host.stream().filter(r -> r.status() == Status.PASS).count()).append(" of ").append(host.size()).append(" pass");
        for (Result r : host)
            if (r.status() == Status.FAIL) md.append("; FAILED ").append(r.cls()).append('.').append(esc(r.label())).append(": ").append(esc(r.message()));
        md.append(".\n");
    }

    private static int order(Status s) { return switch (s) { case FAIL -> 0; case NOT_YET -> 1; case PASS -> 2; case SKIPPED -> 3; }; }

    private static String label(Status s) {
        return switch (s) { case FAIL -> "**FAIL**"; case NOT_YET -> "not yet"; case PASS -> "pass"; case SKIPPED -> "skipped"; };
    }

    private static Map<String, String> keyValues(Path file) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : lines(file)) {
            String[] kv = line.split("\t", 2);
            if (kv.length == 2) m.put(kv[0], kv[1]);
        }
        return m;
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.isRegularFile(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }

    static String cells(String... c) { return "| " + String.join(" | ", c) + " |"; }

    static String esc(String s) { return s == null ? "" : s.replace("|", "\\|").replace("\n", " "); }
}
