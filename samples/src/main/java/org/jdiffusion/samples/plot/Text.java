package org.jdiffusion.samples.plot;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Map;

/**
 * Lettering for charts: the JDK's fonts where it has any, else a built-in 5×7 pixel font.
 *
 * <p>Headless servers often have no fonts at all (no fontconfig configuration, no /usr/share/fonts),
 * and there every AWT text call throws ("Fontconfig head is null"), even with a font loaded from a
 * file. Charts must still come out with their labels, so the first call probes the font system once;
 * when it fails, text is drawn as filled pixels of {@code pixel-font-5x7.txt}, scaled to the font's
 * size (one pixel per 7 points), and characters outside printable ASCII are spelled in ASCII
 * (σ → s, − → -, ² → 2) or as '?'. The system property {@code jdiffusion.plot.pixelFont=true} selects
 * the pixel font everywhere (pictures that look the same on every machine).
 */
final class Text {
    private Text() {}

    /** Metrics of one font, from the JDK or from the pixel font. */
    record Metrics(Font font, FontMetrics fm, int scale) {
        int width(String s) { return fm != null ? fm.stringWidth(s) : ascii(s).length() * 6 * scale - scale; }

        int ascent() { return fm != null ? fm.getAscent() : 7 * scale; }

        int descent() { return fm != null ? fm.getDescent() : 2 * scale; }

        int height() { return fm != null ? fm.getHeight() : 10 * scale; }
    }

    private static volatile Boolean systemFonts;

    /** Whether the JDK can measure and draw text here (probed once). */
    static boolean systemFonts() {
        Boolean ok = systemFonts;
        if (ok == null) {
            Graphics2D g = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB).createGraphics();
            try {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                g.drawString("0", 0, 7);
                ok = g.getFontMetrics().stringWidth("00") > 0;
            } catch (RuntimeException | Error e) {   // InternalError, RuntimeException("Fontconfig head is null")
                ok = false;
            } finally {
                g.dispose();
            }
            systemFonts = ok;
        }
        return ok;
    }

    /** Selects {@code f} for the next draws and returns its metrics. */
    static Metrics use(Graphics2D g, Font f) {
        return use(g, f, !Boolean.getBoolean(PIXEL_FONT) && systemFonts());
    }

    static final String PIXEL_FONT = "jdiffusion.plot.pixelFont";

    static Metrics use(Graphics2D g, Font f, boolean systemFonts) {
        if (systemFonts) {
            g.setFont(f);
            return new Metrics(f, g.getFontMetrics(), 0);
        }
        return new Metrics(f, null, Math.max(1, Math.round(f.getSize2D() / 7f)));
    }

    /** Draws s with its baseline's left end at (x, y), in the current colour and transform. */
    static void draw(Graphics2D g, Metrics m, String s, float x, float y) {
        if (m.fm != null) { g.drawString(s, x, y); return; }
        String a = ascii(s);
        int k = m.scale;
        int x0 = Math.round(x), top = Math.round(y) - 7 * k;
        for (int i = 0; i < a.length(); i++) {
            long rows = glyph(a.charAt(i));
            for (int r = 0; r < 7; r++)
                for (int c = 0; c < 5; c++)
                    if ((rows >>> (r * 5 + c) & 1) != 0) g.fillRect(x0 + (6 * i + c) * k, top + r * k, k, k);
        }
    }

    private static final Map<Character, String> SPELLED = Map.ofEntries(
        Map.entry('−', "-"), Map.entry('–', "-"), Map.entry('—', "-"), Map.entry('·', "."), Map.entry('×', "x"),
        Map.entry('…', "..."), Map.entry('→', "->"), Map.entry('‖', "|"), Map.entry('σ', "s"), Map.entry('η', "eta"),
        Map.entry('Δ', "d"), Map.entry('β', "b"), Map.entry('θ', "th"), Map.entry('Σ', "sum"), Map.entry('ε', "eps"),
        Map.entry('μ', "mu"), Map.entry('α', "a"), Map.entry('λ', "l"));

    /** s in printable ASCII: accents and super/subscripts decomposed (é → e, ² → 2), then the table, else '?'. */
    static String ascii(String s) {
        String d = Normalizer.normalize(s, Normalizer.Form.NFKD);
        StringBuilder b = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            if (c >= 32 && c < 127) b.append(c);
            else if (Character.getType(c) == Character.NON_SPACING_MARK) continue;
            else b.append(SPELLED.getOrDefault(c, "?"));
        }
        return b.toString();
    }

    /** 35 bits, row-major from the top-left pixel, of printable ASCII c (space: none). */
    static long glyph(char c) { return c > 32 && c < 127 ? GLYPHS[c - 33] : 0; }

    private static final long[] GLYPHS = load();

    private static long[] load() {
        long[] g = new long[94];
        boolean[] seen = new boolean[94];
        String name = "pixel-font-5x7.txt";
        try (InputStream in = Text.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("plot: resource " + name + " is missing from the jar");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.startsWith("#") || line.isBlank()) continue;
                if (!line.startsWith(": ") || line.length() != 3 || line.charAt(2) <= 32 || line.charAt(2) >= 127)
                    throw new IllegalStateException(name + ":" + n + ": expected ': C' naming a printable ASCII character, got '" + line + "'");
                int k = line.charAt(2) - 33;
                long bits = 0;
                for (int row = 0; row < 7; row++) {
                    String p = r.readLine();
                    n++;
                    if (p == null || !p.matches("[#.]{5}"))
                        throw new IllegalStateException(name + ":" + n + ": expected 5 of '#' or '.' (row " + (row + 1) + " of '" + line.charAt(2) + "'), got " + (p == null ? "the end" : "'" + p + "'"));
                    for (int col = 0; col < 5; col++) if (p.charAt(col) == '#') bits |= 1L << (row * 5 + col);
                }
                g[k] = bits;
                seen[k] = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int k = 0; k < 94; k++)
            if (!seen[k]) throw new IllegalStateException(name + ": no glyph for '" + (char) (k + 33) + "'");
        return g;
    }
}
