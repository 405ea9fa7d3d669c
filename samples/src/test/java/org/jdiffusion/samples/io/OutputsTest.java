package org.jdiffusion.samples.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Atomic output: the target is replaced whole, parents are made, nothing temporary is left. */
class OutputsTest {
    @TempDir Path dir;

    @Test void replacesWholeAndLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("sub/dir/log.csv");
        Outputs.writeString(f, "step,loss\n1,0.5\n");
        Outputs.writeString(f, "step,loss\n1,0.5\n2,0.25\n");
        assertEquals("step,loss\n1,0.5\n2,0.25\n", Files.readString(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count());
        }
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(2, 1, 0x123456);
        Outputs.writePng(dir.resolve("a.png"), img);
        assertEquals(0x123456, ImageIO.read(dir.resolve("a.png").toFile()).getRGB(2, 1) & 0xffffff);
    }

    @Test void unwritableTargetIsNamed() throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        String m = assertThrows(UncheckedIOException.class, () -> Outputs.writeString(blocker.resolve("under-a-file.txt"), "y")).getMessage();
        assertTrue(m.contains("cannot write") && m.contains("under-a-file.txt"), m);
    }
}
