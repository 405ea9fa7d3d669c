package org.jdiffusion.samples.plot;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pixel-font lettering that charts fall back to on machines without fonts. */
class TextTest {

    @Test void everyPrintableCharacterHasItsOwnGlyphAndSpaceIsBlank() {
        Set<Long> seen = new HashSet<>();
        for (char c = 33; c < 127; c++) {
            long g = Text.glyph(c);
            assertNotEquals(0L, g, "glyph of '" + c + "' is empty");
            assertTrue(seen.add(g), "glyph of '" + c + "' repeats another character's");
        }
        assertEquals(0L, Text.glyph(' '));
        assertEquals(0L, Text.glyph('σ'));
    }

    @Test void asciiSpellsWhatThePixelFontLacks() {
        assertEquals("s2 - eps.x0 e... -> d?", Text.ascii("σ² − ε·x₀ é… → Δ∫"));
        assertEquals("plain ASCII stays", Text.ascii("plain ASCII stays"));
    }

    @Test void pixelLetteringFillsExactlyItsGlyphsInsideTheMeasuredBox() {
        BufferedImage img = new BufferedImage(200, 50, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 200, 50);
        g.setColor(Color.BLACK);
        Text.Metrics m = Text.use(g, new Font(Font.SANS_SERIF, Font.PLAIN, 14), false);
        assertEquals(2, m.scale(), "14 pt: two pixels per font pixel");
        String s = "Hg0.5σ";                       // σ is drawn as 's'
        int x0 = 10, base = 30;
        Text.draw(g, m, s, x0, base);
        g.dispose();
        int set = 0, outside = 0;
        for (int y = 0; y < 50; y++)
            for (int x = 0; x < 200; x++)
                if ((img.getRGB(x, y) & 0xFFFFFF) == 0) {
                    set++;
                    if (x < x0 || x >= x0 + m.width(s) || y < base - m.ascent() || y >= base) outside++;
                }
        int bits = 0;
        for (char c : "Hg0.5s".toCharArray()) bits += Long.bitCount(Text.glyph(c));
        assertEquals(bits * 4, set, "each font pixel is a 2x2 square");
        assertEquals(0, outside, "pixels outside the box that width() and ascent() describe");
        assertEquals(6 * 6 * 2 - 2, m.width(s));
    }

    @Test void chartsKeepTheirLabelsWithThePixelFont() {
        System.setProperty(Text.PIXEL_FONT, "true");
        try {
            double[] xs = {1, 2, 3, 4}, ys = {0.9, 0.5, 0.3, 0.2};
            BufferedImage img = new Figure(1, 420, 360).title("training loss")
                    .add(new Chart().title("loss").xLabel("step").yLabel("ε MSE").line("loss", xs, ys, Colors.palette(0), 2f)
                            .note("final 0.2"))
                    .render();
            int titleInk = 0;
            for (int y = 0; y < 34; y++)
                for (int x = 0; x < img.getWidth(); x++)
                    if ((img.getRGB(x, y) & 0xFFFFFF) == 0) titleInk++;
            int titleBits = 0;
            for (char c : "trainingloss".toCharArray()) titleBits += Long.bitCount(Text.glyph(c));
            // the figure's title is 16 pt: 2x2 squares per font pixel, in black on white
            assertTrue(titleInk >= titleBits * 4, "the figure's title is lettered: " + titleInk + " black pixels");
        } finally {
            System.clearProperty(Text.PIXEL_FONT);
        }
    }
}
