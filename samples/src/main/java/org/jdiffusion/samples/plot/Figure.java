package org.jdiffusion.samples.plot;

import org.jdiffusion.samples.io.Outputs;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Panels ({@link Chart}) laid out in a grid of {@code cols} columns, each panelW × panelH pixels,
 * under an optional title, rendered anti-aliased (Java2D, headless) into an RGB image or a PNG.
 */
public final class Figure {
    static { System.setProperty("java.awt.headless", "true"); }

    private final int cols, panelW, panelH;
    private final List<Chart> charts = new ArrayList<>();
    private String title = "";

    public Figure(int cols, int panelW, int panelH) {
        if (cols < 1 || panelW < 160 || panelH < 120)
            throw new IllegalArgumentException("figure: need cols >= 1 and panels of at least 160x120 pixels, got " + cols + " cols of " + panelW + "x" + panelH);
        this.cols = cols;
        this.panelW = panelW;
        this.panelH = panelH;
    }

    public Figure title(String t) { title = t; return this; }

    public Figure add(Chart c) { charts.add(c); return this; }

    public BufferedImage render() {
        if (charts.isEmpty()) throw new IllegalStateException("figure: no panels to render");
        int rows = (charts.size() + cols - 1) / cols, c = Math.min(cols, charts.size());
        int top = title.isEmpty() ? 0 : 34;
        BufferedImage img = new BufferedImage(c * panelW, rows * panelH + top, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            hints(g);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            if (!title.isEmpty()) {
                g.setColor(Color.BLACK);
                Text.Metrics fm = Text.use(g, Chart.TITLE.deriveFont(16f));
                Text.draw(g, fm, title, (img.getWidth() - fm.width(title)) / 2, 24);
            }
            for (int i = 0; i < charts.size(); i++)
                charts.get(i).draw(g, (i % cols) * panelW, top + (i / cols) * panelH, panelW, panelH);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders and writes a PNG atomically. */
    public void save(Path png) { Outputs.writePng(png, render()); }

    static void hints(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    }
}
