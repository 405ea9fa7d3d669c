package org.jdiffusion.kernels.cuda;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.jdiffusion.kernels.cuda.GpuReport.cells;
import static org.jdiffusion.kernels.cuda.GpuReport.esc;

/**
 * The benchmark part of the GPU report: ours (bench.tsv) and PyTorch's (torch.tsv) joined by case
 * id over cases.tsv. Rates are recomputed here from each case's work and each side's median time;
 * a memory-bound case's fraction is its GB/s over the same side's device-to-device copy ("d2d");
 * "ours/torch" is PyTorch's time over ours (above 1: ours is faster). The whole reference U-Net
 * joins our unet.tsv (samples' CudaUNetStepProbe) with torch.tsv's rows of the same ids.
 */
final class GpuReportBench {
    private final Tsv cases, ours, torch, oursUNet;

    GpuReportBench(Tsv cases, Tsv ours, Tsv torch, Tsv oursUNet) {
        this.cases = cases;
        this.ours = ours;
        this.torch = torch;
        this.oursUNet = oursUNet;
    }

    private static Double ms(Map<String, String> row) {
        if (row == null || !"ok".equals(row.get("status"))) return null;
        try {
            return Double.parseDouble(row.get("median_ms"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static long count(Tsv t, String status) { return t.rows().values().stream().filter(r -> status.equals(r.get("status"))).count(); }

    String summary() {
        String o = !ours.present() ? "ours not run" : ours.note("no usable GPU") != null ? "ours not run (no usable GPU)"
                : "ours " + count(ours, "ok") + " measured, " + count(ours, "n/a") + " not available, " + count(ours, "error") + " errors, "
                + count(ours, "crashed") + " crashed, " + count(ours, "not run") + " not run (time)";
        String t = !torch.present() ? "PyTorch not run" : torch.note("no usable GPU") != null ? "PyTorch not run (no usable GPU)"
                : "PyTorch " + count(torch, "ok") + " measured, " + (torch.rows().size() - count(torch, "ok")) + " not";
        return o + "; " + t;
    }

    void append(StringBuilder md) {
        md.append("\n## Benchmarks: ours against PyTorch\n\n");
        if (!cases.present()) {
            md.append("No cases.tsv: the benchmark part did not start.\n");
            appendUNet(md);
            return;
        }
        md.append("""
                Each case is timed with CUDA events around the op alone, after warm-ups, with a memset of 256 MiB \
                (over twice an H200's 60 MB L2) before every repetition and three input sets in rotation; median of \
                5 to 50 repetitions. float32 on both sides, except the cases marked tf32 or bf16 (tensor cores, \
                fp32 accumulate; see their "what"). GB/s count compulsory bytes (inputs read once, outputs \
                written once), TFLOP/s count 2 per multiply-add. "of d2d": GB/s over the same side's device-to-device \
                copy. "ours/torch": PyTorch's time over ours (> 1: ours faster).
                """).append('\n');
        for (String n : ours.notes()) md.append("- ours: ").append(esc(n)).append('\n');
        for (String n : torch.notes()) if (n.startsWith("no usable GPU")) md.append("- PyTorch: ").append(esc(n)).append('\n');
        if (!ours.present()) md.append("- ours: not run\n");
        if (!torch.present()) md.append("- PyTorch: not run\n");
        if (ours.rows().isEmpty() && torch.rows().isEmpty()) {
            md.append("\nNothing measured on either side (").append(cases.rows().size()).append(" cases in cases.tsv).\n");
            appendUNet(md);
            return;
        }
        Double oursD2d = rate("d2d", ours), torchD2d = rate("d2d", torch);
        md.append("- device-to-device copy: ours ").append(fmt(oursD2d, "%.0f GB/s")).append(", PyTorch ").append(fmt(torchD2d, "%.0f GB/s")).append("\n\n");

        List<String> notes = new ArrayList<>();
        md.append("### Memory-bound (GB/s)\n\n| case | what | ours ms | ours GB/s | of d2d | torch ms | torch GB/s | of d2d | ours/torch |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, String> c : cases.rows().values())
            if (GpuBenchCase.GBS.equals(c.get("unit"))) md.append(row(c, oursD2d, torchD2d, notes)).append('\n');
        md.append("\n### Compute-bound (TFLOP/s)\n\n| case | what | ours ms | ours TFLOP/s | torch ms | torch TFLOP/s | ours/torch |\n")
                .append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Map<String, String> c : cases.rows().values())
            if (GpuBenchCase.TFLOPS.equals(c.get("unit"))) md.append(row(c, null, null, notes)).append('\n');
        if (!notes.isEmpty()) {
            md.append("\nNotes:\n\n");
            for (int i = 0; i < notes.size(); i++) md.append(i + 1).append(". ").append(esc(notes.get(i))).append('\n');
        }
        appendUNet(md);
    }

    private Double rate(String id, Tsv side) {
        Map<String, String> c = cases.rows().get(id);
        Double ms = ms(side.rows().get(id));
        return c == null || ms == null ? null : GpuBenchCase.parse(String.join("\t", c.values())).rate(ms);
    }

    /** One table row; a side that did not measure shows its status and a numbered note with why. */
    private String row(Map<String, String> c, Double oursD2d, Double torchD2d, List<String> notes) {
        String id = c.get("id");
        boolean mem = oursD2d != null || torchD2d != null || GpuBenchCase.GBS.equals(c.get("unit"));
        Double om = ms(ours.rows().get(id)), tm = ms(torch.rows().get(id)), or = rate(id, ours), tr = rate(id, torch);
        String rf = mem ? "%.1f" : "%.2f";
        List<String> cols = new ArrayList<>(List.of("`" + id + "`", esc(c.get("what"))));
        cols.add(om != null ? fmt(om, "%.4f") : status(ours, id, "ours", notes));
        cols.add(fmt(or, rf));
        if (mem) cols.add(fraction(or, oursD2d));
        cols.add(tm != null ? fmt(tm, "%.4f") : status(torch, id, "PyTorch", notes));
        cols.add(fmt(tr, rf));
        if (mem) cols.add(fraction(tr, torchD2d));
        cols.add(om != null && tm != null ? String.format(Locale.ROOT, "%.2f", tm / om) : "—");
        return cells(cols.toArray(String[]::new));
    }

    private static String status(Tsv side, String id, String who, List<String> notes) {
        if (!side.present()) return "—";
        Map<String, String> r = side.rows().get(id);
        if (r == null) return "missing";
        String detail = r.getOrDefault("detail", "");
        if (detail.isBlank()) return r.get("status");
        int k = notes.indexOf(who + ": " + detail);
        if (k < 0) {
            notes.add(who + ": " + detail);
            k = notes.size() - 1;
        }
        return r.get("status") + " (" + (k + 1) + ")";
    }

    private static String fraction(Double rate, Double d2d) { return rate == null || d2d == null ? "—" : String.format(Locale.ROOT, "%.2f", rate / d2d); }

    private static String fmt(Double v, String f) { return v == null ? "—" : String.format(Locale.ROOT, f, v); }

    /**
     * The whole reference U-Net, outside the case list: our unet.tsv beside PyTorch's rows of the
     * same ids (gpu_baseline.py --unet), ours first, then ids only PyTorch has. images/s from each
     * side's median and the batch in the id ("unet.train.b128" is batch 128). PyTorch has no ".afterN"
     * rows (its memory is freed by reference counting, so it has no settling to wait for).
     */
    private void appendUNet(StringBuilder md) {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        for (Tsv side : List.of(oursUNet, torch))
            for (String id : side.rows().keySet()) if (id.startsWith("unet.")) ids.add(id);
        if (ids.isEmpty()) return;
        md.append("\n## The reference U-Net: ours against PyTorch eager\n\n");
        md.append("The whole network of spec/unet-mnist.md on cuda:0, timed on each side as the cases above (one call between CUDA events, ")
                .append("warm-ups, a 256 MiB memset before each repetition, the median): ours by samples' CudaUNetStepProbe, PyTorch's by ")
                .append("gpu_baseline.py --unet. \"ours/torch\": PyTorch's time over ours (> 1: ours faster).\n\n");
        for (String n : oursUNet.notes()) md.append("- ours: ").append(esc(n)).append('\n');
        if (!oursUNet.present()) md.append("- ours: not run (no unet.tsv: the probe runs among the CUDA tests of samples, on a usable GPU)\n");
        if (!torch.present()) md.append("- PyTorch: not run\n");
        List<String> notes = new ArrayList<>();
        md.append("\n| case | what | ours ms | ours images/s | torch ms | torch images/s | ours/torch |\n|---|---|---:|---:|---:|---:|---:|\n");
        for (String id : ids) {
            Double om = ms(oursUNet.rows().get(id)), tm = ms(torch.rows().get(id));
            Integer batch = batchOf(id);
            md.append(cells("`" + id + "`", unetWhat(id),
                    om != null ? fmt(om, "%.3f") : status(oursUNet, id, "ours", notes), images(batch, om),
                    tm != null ? fmt(tm, "%.3f") : id.matches(".*\\.after\\d+$") ? "—" : status(torch, id, "PyTorch", notes), images(batch, tm),
                    om != null && tm != null ? String.format(Locale.ROOT, "%.2f", tm / om) : "—")).append('\n');
        }
        if (!notes.isEmpty()) {
            md.append("\nNotes:\n\n");
            for (int i = 0; i < notes.size(); i++) md.append(i + 1).append(". ").append(esc(notes.get(i))).append('\n');
        }
        // what the probe counted beside each time: kernel launches, device allocations, collections
        List<String> details = new ArrayList<>();
        for (String id : ids) {
            Map<String, String> r = oursUNet.rows().get(id);
            String d = r == null ? null : r.get("detail");
            if (d != null && !d.isBlank() && "ok".equals(r.get("status"))) details.add("- `" + id + "`: " + esc(d));
        }
        if (!details.isEmpty()) md.append("\nOurs, as the probe counted each row:\n\n").append(String.join("\n", details)).append('\n');
    }

    /** What a U-Net row times, from its id: unet.(forward|train).bB[.bf16][.afterN] (N untimed steps first). */
    static String unetWhat(String id) {
        String what = id.startsWith("unet.forward.") ? "forward, eval mode, no grad"
                : id.startsWith("unet.train.") ? "eps-MSE forward + backward + fused AdamW step" : "?";
        Matcher after = Pattern.compile("\\.after(\\d+)$").matcher(id);
        String core = after.find() ? id.substring(0, after.start()) : id;
        what += core.endsWith(".bf16") ? ", bf16 autocast" : ", float32";
        return core.equals(id) ? what : what + ", after " + after.group(1) + " untimed steps";
    }

    /** The batch of a U-Net row id ("unet.train.b128" → 128), or null. */
    static Integer batchOf(String id) {
        Matcher m = Pattern.compile("\\.b(\\d+)(\\.|$)").matcher(id);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    private static String images(Integer batch, Double ms) { return batch == null || ms == null ? "—" : String.format(Locale.ROOT, "%.0f", batch / ms * 1e3); }
}
