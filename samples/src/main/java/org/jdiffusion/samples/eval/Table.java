package org.jdiffusion.samples.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A results table written two ways: Markdown for the report and the terminal (human columns,
 * rounded), and CSV for analysis (machine columns, full precision, one header line).
 */
public final class Table {
    private final List<String> header, csvHeader;
    private final int textColumns;
    private final List<List<String>> rows = new ArrayList<>(), csvRows = new ArrayList<>();

    /** The first {@code textColumns} Markdown columns are left-aligned text, the rest right-aligned numbers. */
    public Table(List<String> header, List<String> csvHeader, int textColumns) {
        this.header = List.copyOf(header);
        this.textColumns = textColumns;
        this.csvHeader = List.copyOf(csvHeader);
    }

    /** One row: the Markdown cells and the CSV cells, each as many as its header. */
    public Table row(List<String> cells, List<String> csvCells) {
        if (cells.size() != header.size() || csvCells.size() != csvHeader.size())
            throw new IllegalArgumentException("table: a row of " + cells.size() + " and " + csvCells.size() + " cells under headers of "
                    + header.size() + " and " + csvHeader.size());
        rows.add(List.copyOf(cells));
        csvRows.add(List.copyOf(csvCells));
        return this;
    }

    public int size() { return rows.size(); }

    public String markdown() {
        StringBuilder sb = new StringBuilder();
        line(sb, header);
        sb.append('|');
        for (int i = 0; i < header.size(); i++) sb.append(i < textColumns ? "---|" : "---:|");
        sb.append('\n');
        for (List<String> r : rows) line(sb, r);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        sb.append('|');
        for (String c : cells) sb.append(' ').append(c.replace("|", "\\|")).append(" |");
        sb.append('\n');
    }

    public String csv() {
        StringBuilder sb = new StringBuilder(String.join(",", csvHeader)).append('\n');
        for (List<String> r : csvRows) {
            List<String> q = new ArrayList<>();
            for (String c : r) q.add(c.contains(",") || c.contains("\"") || c.contains("\n") ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
            sb.append(String.join(",", q)).append('\n');
        }
        return sb.toString();
    }

    /** Numbers in tables: fixed decimals, "-" for NaN (e.g. the accuracy of unconditional samples). */
    public static String num(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    public static String pct(double v) { return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v); }

    /** Full precision for CSV; empty for NaN. */
    public static String raw(double v) { return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v); }
}
