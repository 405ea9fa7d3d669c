package org.jdiffusion.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * bench/baselines/&lt;cpu&gt;.tsv: the rates bench/guard measured on one CPU model, one row per benchmark and
 * thread count ({@code id, threads, rate, unit}), under '#' lines naming the machine, date, commit, JDK,
 * command and the probe's ceilings of that run. Saving replaces the rows of this run's thread count.
 */
final class Baselines {
    private final Path file;
    private final CpuId cpu;
    private final int threads;

    Baselines(Path file, CpuId cpu, int threads) {
        this.file = file;
        this.cpu = cpu;
        this.threads = threads;
    }

    /** Rows of the file, keyed "id threads", with the unit: {rate, unit}. */
    private Map<String, String[]> rows() throws IOException {
        Map<String, String[]> m = new LinkedHashMap<>();
        if (!Files.exists(file)) return m;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            if (f.length != 4) throw new IOException(file + ": expected 'id<TAB>threads<TAB>rate<TAB>unit', got '" + line + "'");
            m.put(f[0] + " " + f[1], new String[]{f[2], f[3]});
        }
        return m;
    }

    void save(List<Guard.Measured> measured, Peak peak, String command) throws IOException {
        Map<String, String[]> rows = rows();
        rows.keySet().removeIf(k -> k.endsWith(" " + threads));
        for (Guard.Measured m : measured) {
            rows.put(m.spec().id() + " " + threads, new String[]{String.format("%.3f", m.rate()), m.unit()});
        }
        List<String> out = new ArrayList<>();
        out.add("# bench/guard baseline for " + cpu.describe());
        out.add("# saved " + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm'Z'")) + " · commit " + commit()
                + " · JDK " + System.getProperty("java.runtime.version") + " · command: bench/guard " + command.replaceAll("--peak \\S+ ?", ""));
        out.add(String.format("# ceilings of that run (bench/peak/peak.c, %s): FMA %.1f GFLOP/s, copy %.1f GB/s on %d thread(s)",
                peak.isa(), peak.fma(threads), peak.copy(threads), threads));
        out.add("# rates of Guard.SELECTION (each in a forked JVM, best of 4 iterations of 400 ms) on the thread count of their row");
        out.add("# id\tthreads\trate\tunit");
        rows.forEach((k, v) -> out.add(k.replace(' ', '\t') + "\t" + v[0] + "\t" + v[1]));
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.write(tmp, out);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println();
        System.out.println("baseline saved: " + file + " (" + measured.size() + " rows for " + threads + " thread(s)); commit it");
    }

    /** Prints the comparison table; 0 all within the tolerance, 1 a rate below it, 2 no baseline file for this CPU. */
    int compare(List<Guard.Measured> measured, Peak peak, double tolerance) throws IOException {
        Map<String, String[]> rows = rows();
        System.out.println();
        if (rows.isEmpty()) System.out.printf("Baseline: none (%s does not exist)%n%n", file);
        else System.out.printf("Baseline: %s, tolerance %.0f%% (a rate below baseline × %.2f fails)%n%n", file, 100 * tolerance, 1 - tolerance);
        System.out.println("| benchmark | threads | now | baseline | now/baseline | now / ceiling | |");
        System.out.println("|---|---:|---:|---:|---:|---:|---|");
        boolean ok = true;
        int missing = 0;
        for (Guard.Measured m : measured) {
            int t = threads;
            String[] b = rows.get(m.spec().id() + " " + t);
            double ceiling = m.unit().equals("GFLOP/s") ? peak.fma(t) : m.unit().equals("GB/s") ? peak.copy(t) : Double.NaN;
            String frac = Double.isNaN(ceiling) ? "—" : String.format("%.1f%% of %s", 100 * m.rate() / ceiling, m.unit().equals("GFLOP/s") ? "FMA" : "copy");
            if (b == null || !b[1].equals(m.unit())) {
                missing++;
                System.out.printf("| %s | %d | %.2f %s | — | — | %s | no baseline row |%n", m.spec().id(), t, m.rate(), m.unit(), frac);
                continue;
            }
            double base = Double.parseDouble(b[0]), ratio = m.rate() / base;
            String verdict = ratio < 1 - tolerance ? "**SLOWER**" : ratio > 1 + tolerance ? "faster (refresh the baseline)" : "ok";
            ok &= ratio >= 1 - tolerance;
            System.out.printf("| %s | %d | %.2f %s | %.2f | %.2f | %s | %s |%n", m.spec().id(), t, m.rate(), m.unit(), base, ratio, frac, verdict);
        }
        System.out.println();
        if (rows.isEmpty()) {
            System.out.println("baseline: NOT COMPARED — no " + file + " for this CPU (" + cpu.describe() + ").");
            System.out.println("Run bench/guard --save-baseline on a quiet machine and commit the file.");
            return 2;
        }
        System.out.println(ok ? "baseline: every kernel within " + Math.round(100 * tolerance) + "% of its baseline or faster" + (missing > 0 ? " (" + missing + " without a baseline row)" : "")
                : "baseline: FAILED — a kernel is slower than its baseline beyond the tolerance");
        return ok ? 0 : 1;
    }

    private static String commit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? s : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
