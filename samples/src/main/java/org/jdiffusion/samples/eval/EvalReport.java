package org.jdiffusion.samples.eval;

import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.io.Outputs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report folder of {@code eval --report DIR}: {@code report.md} is rewritten (atomically, like
 * every file here) when a part starts and when it ends, so after a crash or a failed part it still
 * shows every finished part with its tables, figures and CSVs, which part failed and why, and which
 * never ran. Without a folder the same parts print their tables on the terminal only.
 */
public final class EvalReport {
    public enum Status { PENDING, RUNNING, DONE, FAILED, SKIPPED }

    private static final class Part {
        final String title;
        Status status = Status.PENDING;
        double seconds = Double.NaN;
        String body = "";

        Part(String title) { this.title = title; }
    }

    private final Path dir;
    private String header;
    private final Map<String, Part> parts = new LinkedHashMap<>();

    /** {@code dir} null: terminal only. {@code header}: the Markdown written above the parts (command, settings). */
    public EvalReport(Path dir, String header, List<String> partTitles) {
        this.dir = dir;
        this.header = header;
        for (String t : partTitles) parts.put(t, new Part(t));
        if (dir != null) {
            try {
                Files.createDirectories(dir.resolve("grids"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot create the report folder " + dir + ": " + e.getMessage(), e);
            }
            write();
        }
    }

    /** Replaces the Markdown above the parts (written once the judge and checkpoints are known). */
    public void header(String markdown) {
        header = markdown;
        write();
    }

    public boolean writesFiles() { return dir != null; }

    /** A file of the report folder (null when there is none). */
    public Path file(String name) { return dir == null ? null : dir.resolve(name); }

    public void start(String title) {
        part(title).status = Status.RUNNING;
        System.out.println("== " + title);
        write();
    }

    /** The part finished; its Markdown body (tables, figure links) goes into the report and its text onto the terminal. */
    public void done(String title, double seconds, String body) {
        Part p = part(title);
        p.status = Status.DONE;
        p.seconds = seconds;
        p.body = body;
        System.out.println(body);
        System.out.println("(" + title + ": " + Progress.duration(seconds) + ")");
        write();
    }

    /** A long part's results so far (a sweep after each entry): shown under its title while it runs. */
    public void partial(String title, String body) {
        Part p = part(title);
        p.body = body;
        write();
    }

    public void failed(String title, double seconds, String message) {
        Part p = part(title);
        p.status = Status.FAILED;
        p.seconds = seconds;
        p.body = "**Failed:** " + message + "\n" + (p.body.isEmpty() ? "" : "\nThe entries finished before the failure:\n\n" + p.body);
        write();
    }

    public void skipped(String title, String why) {
        Part p = part(title);
        p.status = Status.SKIPPED;
        p.body = "Skipped: " + why + "\n";
        write();
    }

    private Part part(String title) {
        Part p = parts.get(title);
        if (p == null) throw new IllegalArgumentException("report: no part '" + title + "' (parts: " + parts.keySet() + ")");
        return p;
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# Evaluation report\n\n").append(header).append('\n');
        sb.append("## Parts\n\n| part | status | wall time |\n|---|---|---:|\n");
        for (Part p : parts.values())
            sb.append("| ").append(p.title).append(" | ").append(p.status.name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(Double.isNaN(p.seconds) ? "" : String.format(Locale.ROOT, "%.1f s", p.seconds)).append(" |\n");
        for (Part p : parts.values()) {
            sb.append("\n## ").append(p.title).append("\n\n");
            switch (p.status) {
                case PENDING -> sb.append("Not run yet.\n");
                case RUNNING -> sb.append("Running (started, not finished)").append(p.body.isEmpty() ? ".\n" : "; the entries so far:\n\n" + p.body);
                default -> sb.append(p.body);
            }
        }
        return sb.toString();
    }

    private void write() {
        if (dir != null) Outputs.writeString(dir.resolve("report.md"), markdown());
    }

    /** Lines "- key: value" of the report's header. */
    public static String bullets(List<String[]> pairs) {
        List<String> l = new ArrayList<>();
        for (String[] kv : pairs) l.add("- " + kv[0] + ": " + kv[1]);
        return String.join("\n", l) + "\n";
    }
}
