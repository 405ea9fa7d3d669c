package org.jdiffusion.samples.io;

import org.jdiffusion.nn.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Every file the program writes goes through here: the bytes go to a temporary file beside the
 * target, are forced to disk and renamed over it atomically ({@link AtomicFiles}), so a reader or a
 * crash sees the old file or the new one, never half of one.
 */
public final class Outputs {
    private Outputs() {}

    public static void write(Path target, byte[] bytes) {
        AtomicFiles.write(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    public static void writeString(Path target, String text) { write(target, text.getBytes(StandardCharsets.UTF_8)); }

    /** A PNG of the image (ImageIO, headless). */
    public static void writePng(Path target, BufferedImage image) { write(target, png(image)); }

    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bos)) throw new IllegalStateException("no PNG writer in this JDK");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG: " + e.getMessage(), e);
        }
        return bos.toByteArray();
    }
}
