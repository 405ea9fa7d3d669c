package org.jdiffusion.samples.plot;

import org.jdiffusion.samples.io.Outputs;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

/**
 * Greyscale images [n, h, w] (unsigned bytes, 0 = black) tiled row-major into a grid of
 * {@code cols} columns, each image enlarged {@code scale}× (nearest neighbour) and separated by a
 * {@code pad}-pixel grey border.
 */
public final class ImageGrid {
    private ImageGrid() {}

    public static final int BORDER = 0x60;

    public static BufferedImage render(byte[] pixels, int n, int h, int w, int cols, int scale, int pad) {
        if (n < 1 || h < 1 || w < 1 || cols < 1 || scale < 1 || pad < 0)
            throw new IllegalArgumentException("image grid: need n, h, w, cols, scale >= 1 and pad >= 0, got n=" + n + " h=" + h + " w=" + w
                    + " cols=" + cols + " scale=" + scale + " pad=" + pad);
        if (pixels.length != (long) n * h * w)
            throw new IllegalArgumentException("image grid: " + pixels.length + " pixels for " + n + " images of " + h + "x" + w);
        int c = Math.min(cols, n), rows = (n + cols - 1) / cols;
        int cw = w * scale + pad, ch = h * scale + pad;
        BufferedImage img = new BufferedImage(c * cw + pad, rows * ch + pad, BufferedImage.TYPE_BYTE_GRAY);
        byte[] out = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        java.util.Arrays.fill(out, (byte) BORDER);
        int stride = img.getWidth();
        for (int k = 0; k < n; k++) {
            int ox = pad + (k % cols) * cw, oy = pad + (k / cols) * ch;
            for (int y = 0; y < h * scale; y++)
                for (int x = 0; x < w * scale; x++)
                    out[(oy + y) * stride + ox + x] = pixels[k * h * w + (y / scale) * w + x / scale];
        }
        return img;
    }

    /** Float images in [−1, 1] (the model's range) to unsigned bytes: round((x + 1)·127.5), clamped. */
    public static byte[] toBytes(float[] x) {
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = Math.rint((x[i] + 1) * 127.5);
            b[i] = (byte) (int) Math.max(0, Math.min(255, Double.isNaN(v) ? 0 : v));
        }
        return b;
    }

    public static void save(Path png, byte[] pixels, int n, int h, int w, int cols, int scale, int pad) {
        Outputs.writePng(png, render(pixels, n, h, w, cols, scale, pad));
    }
}
