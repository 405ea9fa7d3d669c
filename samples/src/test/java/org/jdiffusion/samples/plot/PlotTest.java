package org.jdiffusion.samples.plot;

import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Figures, image grids, GIFs and the report page: files that decode, with the content drawn where expected. */
class PlotTest {
    @TempDir Path dir;

    /** Where to also leave the pictures for a person to look at (-Djdiffusion.plot.out=DIR). */
    private Path out(String name) throws Exception {
        String keep = System.getProperty("jdiffusion.plot.out");
        Path d = keep != null ? Files.createDirectories(Path.of(keep)) : dir;
        return d.resolve(name);
    }

    private static int count(BufferedImage img, Color c, int tol) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (Math.abs(((rgb >> 16) & 255) - c.getRed()) <= tol && Math.abs(((rgb >> 8) & 255) - c.getGreen()) <= tol
                        && Math.abs((rgb & 255) - c.getBlue()) <= tol) n++;
            }
        return n;
    }

    @Test void scatterLinesAndPathsRender() throws Exception {
        float[] data = Toy2D.SPIRAL.sample(new Generator(1), 600).toFloatArray();
        float[] gen = Toy2D.SPIRAL.sample(new Generator(2), 600, 0.1).toFloatArray();
        Chart sc = new Chart().title("spiral").xLabel("x₀").yLabel("x₁").xRange(-2.5, 2.5).yRange(-2.5, 2.5).equalAspect()
                .scatter("data", data, Colors.withAlpha(Colors.palette(7), 0.5), 2)
                .scatter("samples", gen, Colors.withAlpha(Colors.palette(0), 0.7), 2).note("SW = 0.031");
        double[] steps = new double[300], loss = new double[300], ema = new double[300];
        for (int i = 0; i < 300; i++) {
            steps[i] = i + 1;
            loss[i] = 0.9 * Math.exp(-i / 60.0) + 0.05 + 0.03 * Math.sin(i * 1.7);
            ema[i] = 0.9 * Math.exp(-i / 60.0) + 0.05;
        }
        Chart lc = new Chart().title("training loss").xLabel("step").yLabel("loss").logY()
                .line("loss", steps, loss, Colors.withAlpha(Colors.palette(0), 0.4), 1f).line("smoothed", steps, ema, Colors.palette(3), 2f);
        int paths = 12, len = 30;
        double[][] px = new double[paths][len], py = new double[paths][len], pv = new double[paths][len];
        for (int p = 0; p < paths; p++)
            for (int k = 0; k < len; k++) {
                double t = 1 - k / (len - 1.0);
                px[p][k] = (1 - t) * Math.cos(p) + t * 2 * Math.sin(3 * p);
                py[p][k] = (1 - t) * Math.sin(p) + t * 2 * Math.cos(5 * p);
                pv[p][k] = t;
            }
        Chart tc = new Chart().title("DDIM trajectories").xRange(-2.5, 2.5).yRange(-2.5, 2.5).equalAspect()
                .paths(px, py, pv, 1.2f, 0.8).colorBar("t", 0, 1);
        Path png = out("figure.png");
        new Figure(3, 420, 400).title("plot test").add(sc).add(lc).add(tc).save(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1260, img.getWidth());
        assertEquals(434, img.getHeight());
        assertTrue(count(img, Color.WHITE, 0) > img.getWidth() * img.getHeight() / 3, "mostly white background");
        assertTrue(count(img, Colors.palette(3), 30) > 200, "the smoothed loss line is drawn");
        assertTrue(count(img, Colors.viridis(1), 40) > 20, "the colour bar's top is drawn");
        assertTrue(count(img, Color.BLACK, 60) > 500, "text and axes are drawn");
    }

    @Test void logXSpacesDecadesEquallyAndTextsLabelPoints() throws Exception {
        Color dot = new Color(0x2ca02c), ink = new Color(0xd62728);
        double[] xs = {10, 100, 1000}, ys = {0.5, 0.5, 0.5};
        Chart c = new Chart().logX().xRange(1, 10000).yRange(0, 1).scatter(null, xs, ys, dot, 5)
                .texts(xs, new double[]{0.2, 0.2, 0.2}, new String[]{"w=0", "w=1", "w=3"}, ink);
        Path png = out("logx.png");
        new Figure(1, 600, 300).add(c).save(png);
        BufferedImage img = ImageIO.read(png.toFile());
        // centres of the three dots along x: one decade apart each, so equally spaced on the log axis
        double[] sum = new double[3];
        int[] n = new int[3];
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (Math.abs(((rgb >> 16) & 255) - dot.getRed()) + Math.abs(((rgb >> 8) & 255) - dot.getGreen()) + Math.abs((rgb & 255) - dot.getBlue()) > 12) continue;
                int k = x * 3 / img.getWidth();
                sum[k] += x;
                n[k]++;
            }
        for (int k = 0; k < 3; k++) assertTrue(n[k] > 40, "dot " + k + " drawn (" + n[k] + " pixels)");
        double a = sum[0] / n[0], b = sum[1] / n[1], d = sum[2] / n[2];
        assertEquals(b - a, d - b, 1.0, "decades 10→100 and 100→1000 take the same width");
        assertTrue(b - a > 100, "a decade spans a quarter of the plot width, got " + (b - a));
        assertTrue(count(img, ink, 40) > 30, "the labels are drawn");
        String m = assertThrows(IllegalArgumentException.class, () -> new Chart().texts(xs, ys, new String[]{"a"}, ink)).getMessage();
        assertTrue(m.contains("3 points but 1 texts"), m);
    }

    @Test void ticksAreNice() {
        assertArrayEquals(new double[]{-2, -1, 0, 1, 2}, Ticks.linear(-2.3, 2.3, 5));
        assertArrayEquals(new double[]{0, 0.25, 0.5, 0.75, 1}, Ticks.linear(0, 1, 4));
        assertArrayEquals(new double[]{0.01, 0.1, 1}, Ticks.log(0.005, 3), 1e-12);
        assertEquals("0.25", Ticks.label(0.25, 0.25));
        assertEquals("1000", Ticks.label(1000, 500));
        assertEquals("2e-4", Ticks.label(2e-4, 1e-4));
    }

    @Test void imageGridPlacesEachImage() throws Exception {
        int n = 7, h = 5, w = 4;
        byte[] px = new byte[n * h * w];
        for (int k = 0; k < n; k++) java.util.Arrays.fill(px, k * h * w, (k + 1) * h * w, (byte) (30 * k + 10));
        Path png = out("grid.png");
        ImageGrid.save(png, px, n, h, w, 3, 2, 1);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(3 * (w * 2 + 1) + 1, img.getWidth());
        assertEquals(3 * (h * 2 + 1) + 1, img.getHeight());
        assertEquals(ImageGrid.BORDER, img.getRaster().getSample(0, 0, 0));
        for (int k = 0; k < n; k++) {
            int x = 1 + (k % 3) * (w * 2 + 1) + 3, y = 1 + (k / 3) * (h * 2 + 1) + 4;
            assertEquals(30 * k + 10, img.getRaster().getSample(x, y, 0), "image " + k);
        }
        assertArrayEquals(new byte[]{0, (byte) 255, (byte) 128, 0, (byte) 255}, ImageGrid.toBytes(new float[]{-1, 1, 0.0039f, -3, Float.POSITIVE_INFINITY}));
        String m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(new byte[5], 2, 2, 2, 1, 1, 0)).getMessage();
        assertTrue(m.contains("5 pixels for 2 images of 2x2"), m);
    }

    @Test void gifLoopsWithItsFrames() throws Exception {
        List<BufferedImage> frames = new ArrayList<>();
        for (int f = 0; f < 5; f++) {
            byte[] px = new byte[4 * 8 * 8];
            java.util.Arrays.fill(px, (byte) (50 * f));
            frames.add(ImageGrid.render(px, 4, 8, 8, 2, 2, 1));
        }
        Path gif = out("anim.gif");
        Gif.save(gif, frames, 120);
        ImageReader r = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(Files.readAllBytes(gif)))) {
            r.setInput(in);
            assertEquals(5, r.getNumImages(true));
            assertEquals(50 * 3, r.read(3).getRaster().getSample(5, 5, 0) & 0xff, "frame 3's grey survives the palette");
            IIOMetadataNode root = (IIOMetadataNode) r.getImageMetadata(0).getAsTree("javax_imageio_gif_image_1.0");
            IIOMetadataNode gce = (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
            assertEquals("12", gce.getAttribute("delayTime"));
            IIOMetadataNode app = (IIOMetadataNode) root.getElementsByTagName("ApplicationExtension").item(0);
            assertEquals("NETSCAPE", app.getAttribute("applicationID"));
            assertArrayEquals(new byte[]{1, 0, 0}, (byte[]) app.getUserObject());
        } finally {
            r.dispose();
        }
        assertThrows(IllegalArgumentException.class, () -> Gif.encode(List.of(), 100));
    }

    @Test void reportEscapesItsText() throws Exception {
        Path html = out("report.html");
        new HtmlReport("demo <1>").paragraph("a & b").figure("figure.png", "a \"quoted\" caption")
                .table(List.of("set", "SW"), List.of(List.of("spiral", "0.031"))).save(html);
        String s = Files.readString(html);
        assertTrue(s.contains("<title>demo &lt;1&gt;</title>") && s.contains("<p>a &amp; b</p>"), s);
        assertTrue(s.contains("<img src=\"figure.png\"") && s.contains("<figcaption>a &quot;quoted&quot; caption</figcaption>"), s);
        assertTrue(s.contains("<td>spiral</td><td>0.031</td>"), s);
        assertThrows(IllegalArgumentException.class, () -> new HtmlReport("x").table(List.of("a"), List.of(List.of("1", "2"))));
    }
}
