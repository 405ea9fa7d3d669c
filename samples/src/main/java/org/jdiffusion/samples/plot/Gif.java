package org.jdiffusion.samples.plot;

import org.jdiffusion.samples.io.Outputs;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An animated GIF from frames of equal size, through the JDK's GIF writer: each frame carries a
 * graphic-control extension (delay in hundredths of a second) and the first the NETSCAPE2.0
 * application extension that makes viewers loop it forever.
 */
public final class Gif {
    private Gif() {}

    public static void save(Path gif, List<BufferedImage> frames, int delayMs) { Outputs.write(gif, encode(frames, delayMs)); }

    public static byte[] encode(List<BufferedImage> frames, int delayMs) {
        if (frames.isEmpty()) throw new IllegalArgumentException("gif: no frames");
        int w = frames.getFirst().getWidth(), h = frames.getFirst().getHeight();
        for (BufferedImage f : frames)
            if (f.getWidth() != w || f.getHeight() != h)
                throw new IllegalArgumentException("gif: frames differ in size: " + w + "x" + h + " and " + f.getWidth() + "x" + f.getHeight());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bos)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (int i = 0; i < frames.size(); i++) {
                BufferedImage f = frames.get(i);
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(f), null);
                configure(meta, Math.max(1, delayMs / 10), i == 0);
                writer.writeToSequence(new IIOImage(f, null, meta), null);
            }
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode GIF: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
        return bos.toByteArray();
    }

    private static void configure(IIOMetadata meta, int delayCs, boolean first) throws IIOInvalidTreeException {
        String fmt = meta.getNativeMetadataFormatName();        // javax_imageio_gif_image_1.0
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(fmt);
        IIOMetadataNode gce = child(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("transparentColorFlag", "FALSE");
        gce.setAttribute("delayTime", Integer.toString(delayCs));
        gce.setAttribute("transparentColorIndex", "0");
        if (first) {
            IIOMetadataNode apps = child(root, "ApplicationExtensions");
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[]{1, 0, 0});           // sub-block 1: loop count 0 = forever
            apps.appendChild(app);
        }
        meta.setFromTree(fmt, root);
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++)
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) return (IIOMetadataNode) root.item(i);
        IIOMetadataNode n = new IIOMetadataNode(name);
        root.appendChild(n);
        return n;
    }
}
