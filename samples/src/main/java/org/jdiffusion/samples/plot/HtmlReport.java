package org.jdiffusion.samples.plot;

import org.jdiffusion.samples.io.Outputs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A self-contained HTML page of sections: headings, paragraphs, figures (a relative image path
 * and a one-line caption) and small tables, with inline CSS and every text escaped.
 */
public final class HtmlReport {
    private final String title;
    private final List<String> body = new ArrayList<>();
    private String head = "";

    public HtmlReport(String title) { this.title = title; }

    /** Makes a browser reload the page every {@code seconds} (a live page of a running job). */
    public HtmlReport refreshEvery(int seconds) {
        head = "<meta http-equiv=\"refresh\" content=\"" + seconds + "\">";
        return this;
    }

    /** A block of HTML written by the caller, not escaped (for markup this class has no method for). */
    public HtmlReport raw(String html) { body.add(html); return this; }

    public HtmlReport heading(String text) { body.add("<h2>" + esc(text) + "</h2>"); return this; }

    public HtmlReport paragraph(String text) { body.add("<p>" + esc(text) + "</p>"); return this; }

    /** An image (path relative to the page) with its caption underneath. */
    public HtmlReport figure(String src, String caption) {
        body.add("<figure><img src=\"" + esc(src) + "\" alt=\"" + esc(caption) + "\"><figcaption>" + esc(caption) + "</figcaption></figure>");
        return this;
    }

    public HtmlReport table(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("<table><thead><tr>");
        for (String h : header) sb.append("<th>").append(esc(h)).append("</th>");
        sb.append("</tr></thead><tbody>");
        for (List<String> r : rows) {
            if (r.size() != header.size())
                throw new IllegalArgumentException("report table: row of " + r.size() + " cells under " + header.size() + " headers");
            sb.append("<tr>");
            for (String c : r) sb.append("<td>").append(esc(c)).append("</td>");
            sb.append("</tr>");
        }
        body.add(sb.append("</tbody></table>").toString());
        return this;
    }

    public String render() {
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">%s<title>%s</title>
                <style>
                body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }
                figure { margin: 1.2em 0; } img { max-width: 100%%; border: 1px solid #ddd; }
                figcaption { color: #555; font-size: 0.95em; margin-top: 0.3em; }
                table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 0.3em 0.8em; text-align: right; }
                th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
                </style></head><body>
                <h1>%s</h1>
                %s
                </body></html>
                """.formatted(head, esc(title), esc(title), String.join("\n", body));
    }

    public void save(Path html) { Outputs.writeString(html, render()); }

    public static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
