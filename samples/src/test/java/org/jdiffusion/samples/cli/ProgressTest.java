package org.jdiffusion.samples.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress bar: plain lines off a terminal, one redrawn line on one. */
class ProgressTest {
    @Test void plainLinesAboutEveryTenthOfTheRun() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        Progress p = new Progress("train", 200, new PrintStream(bos, true, StandardCharsets.UTF_8), false);
        for (int s = 1; s <= 200; s++) p.update(s, "loss", 1.0 / s, "lr", 1e-4);
        String[] lines = bos.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines.length >= 10 && lines.length <= 12, lines.length + " lines");
        assertTrue(lines[0].startsWith("train   1/200  loss 1.0000  lr 1.000e-04") && lines[0].contains("steps/s  ETA "), lines[0]);
        assertTrue(lines[lines.length - 1].startsWith("train 200/200  loss 0.0050") && lines[lines.length - 1].contains("done in"), lines[lines.length - 1]);
        assertTrue(!bos.toString(StandardCharsets.UTF_8).contains("\r"));
    }

    @Test void terminalRedrawsOneLine() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        Progress p = new Progress("demo", 3, new PrintStream(bos, true, StandardCharsets.UTF_8), true);
        p.update(1, "loss", 0.5);
        p.update(2, "loss", 0.4);      // within 0.1 s of the last draw: skipped
        p.update(3, "loss", 0.3);      // the last step is always drawn and ends the line
        String s = bos.toString(StandardCharsets.UTF_8);
        assertEquals(2, s.chars().filter(c -> c == '\r').count(), s);
        assertTrue(s.contains("[########................] 1/3  loss 0.5000"), s);
        assertTrue(s.contains("[########################] 3/3  loss 0.3000") && s.endsWith("\n"), s);
    }

    @Test void durations() {
        assertEquals("42s", Progress.duration(42.2));
        assertEquals("3m07s", Progress.duration(187));
        assertEquals("1h02m", Progress.duration(3725));
    }
}
