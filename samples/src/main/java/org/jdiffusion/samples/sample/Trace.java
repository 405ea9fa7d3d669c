package org.jdiffusion.samples.sample;

import org.jdiffusion.diffusion.sampling.Trajectory;
import org.jdiffusion.samples.io.Outputs;
import org.jdiffusion.samples.plot.Gif;
import org.jdiffusion.samples.plot.ImageGrid;
import org.jdiffusion.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The denoising strip of up to eight samples: for each, a row of x_t and beneath it a row of the
 * predicted x̂_0 at ten evenly spaced steps (trace.png), and every step as one frame of a looping
 * GIF showing x_t beside x̂_0 (trace.gif, at most 100 frames, the last held).
 */
final class Trace {
    private Trace() {}

    static final int ROWS = 8, COLUMNS = 10, MAX_FRAMES = 100;

    static void write(Path dir, Trajectory t, int h, int w) {
        int steps = t.predX0s().size(), n = Math.min(ROWS, t.sample().size(0)), px = h * w;
        List<Integer> cols = new ArrayList<>();
        for (int k = 0; k < COLUMNS; k++) cols.add((int) Math.round((double) k * (steps - 1) / (COLUMNS - 1)));
        byte[] strip = new byte[2 * n * COLUMNS * px];
        for (int k = 0; k < cols.size(); k++) {
            int step = cols.get(k);
            byte[] x = ImageGrid.toBytes(t.xs().get(step + 1).toFloatArray()), x0 = ImageGrid.toBytes(t.predX0s().get(step).toFloatArray());
            for (int i = 0; i < n; i++) {
                System.arraycopy(x, i * px, strip, ((2 * i) * COLUMNS + k) * px, px);
                System.arraycopy(x0, i * px, strip, ((2 * i + 1) * COLUMNS + k) * px, px);
            }
        }
        Outputs.writePng(dir.resolve("trace.png"), ImageGrid.render(strip, 2 * n * COLUMNS, h, w, COLUMNS, 2, 2));

        List<BufferedImage> frames = new ArrayList<>();
        int every = Math.max(1, (int) Math.ceil(steps / (double) MAX_FRAMES));
        for (int s = 0; s < steps; s += every) frames.add(frame(t.xs().get(s + 1), t.predX0s().get(s), n, px, h, w));
        if ((steps - 1) % every != 0) frames.add(frame(t.xs().get(steps), t.predX0s().get(steps - 1), n, px, h, w));
        for (int hold = 0; hold < 10; hold++) frames.add(frames.getLast());
        Gif.save(dir.resolve("trace.gif"), frames, 80);
    }

    /** Row i: x_t of sample i, then its x̂_0. */
    private static BufferedImage frame(Tensor xt, Tensor x0, int n, int px, int h, int w) {
        byte[] a = ImageGrid.toBytes(xt.toFloatArray()), b = ImageGrid.toBytes(x0.toFloatArray()), f = new byte[2 * n * px];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a, i * px, f, (2 * i) * px, px);
            System.arraycopy(b, i * px, f, (2 * i + 1) * px, px);
        }
        return ImageGrid.render(f, 2 * n, h, w, 2, 3, 2);
    }
}
