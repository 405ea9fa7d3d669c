package org.jdiffusion.samples.data;

import org.jdiffusion.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One split of an MNIST-format data set: {@code count} images of rows × cols unsigned bytes
 * (0 = background, 255 = ink) and their labels 0–9, read from the standard IDX files of a folder
 * ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]}, and for the test
 * split {@code t10k-…} as the official distribution names it, or {@code test-…}).
 */
public record Mnist(byte[] images, byte[] labels, int count, int rows, int cols) {

    public enum Split {
        TRAIN("train"), TEST("t10k", "test");

        private final String[] prefixes;

        Split(String... prefixes) { this.prefixes = prefixes; }
    }

    public static final int CLASSES = 10;

    public static Mnist load(Path dir, Split split) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("MNIST folder " + dir + " does not exist");
        Path imgPath = find(dir, split, "images-idx3-ubyte"), lblPath = find(dir, split, "labels-idx1-ubyte");
        Idx.Array img = Idx.read(imgPath), lbl = Idx.read(lblPath);
        if (img.dims().length != 3)
            throw new IdxException(imgPath + ": MNIST images must have 3 dimensions [count, rows, cols], got " + Arrays.toString(img.dims()));
        if (lbl.dims().length != 1)
            throw new IdxException(lblPath + ": MNIST labels must have 1 dimension [count], got " + Arrays.toString(lbl.dims()));
        int n = img.dims()[0];
        if (lbl.dims()[0] != n)
            throw new IdxException(lblPath + " holds " + lbl.dims()[0] + " labels but " + imgPath + " holds " + n + " images");
        if (n == 0) throw new IdxException(imgPath + ": no images");
        byte[] labels = lbl.data();
        for (int i = 0; i < n; i++)
            if ((labels[i] & 0xff) >= CLASSES)
                throw new IdxException(lblPath + ": label " + (labels[i] & 0xff) + " at index " + i + " is not a digit 0-9");
        return new Mnist(img.data(), labels, n, img.dims()[1], img.dims()[2]);
    }

    private static Path find(Path dir, Split split, String suffix) {
        StringBuilder tried = new StringBuilder();
        for (String prefix : split.prefixes) {
            for (String ext : new String[]{".gz", ""}) {
                Path p = dir.resolve(prefix + "-" + suffix + ext);
                if (Files.isRegularFile(p)) return p;
            }
            tried.append(tried.isEmpty() ? "" : " or ").append(prefix).append('-').append(suffix).append("[.gz]");
        }
        throw new IllegalArgumentException("no MNIST " + split.name().toLowerCase() + " " + suffix.substring(0, suffix.indexOf('-'))
                + " in " + dir + ": expected " + tried + " (--download fetches the official files)");
    }

    public int pixels() { return rows * cols; }

    public int label(int i) { return labels[i] & 0xff; }

    /** Images {@code idx} as float32 [B, 1, rows, cols] scaled to [−1, 1] (x = v / 127.5 − 1). */
    public Tensor batch(int[] idx) {
        int p = pixels();
        float[] out = new float[idx.length * p];
        for (int b = 0; b < idx.length; b++) {
            int base = checkIndex(idx[b]) * p;
            for (int k = 0; k < p; k++) out[b * p + k] = (images[base + k] & 0xff) / 127.5f - 1f;
        }
        return Tensor.of(out, idx.length, 1, rows, cols);
    }

    /** Labels {@code idx} as int64 [B]. */
    public Tensor batchLabels(int[] idx) {
        long[] out = new long[idx.length];
        for (int b = 0; b < idx.length; b++) out[b] = label(checkIndex(idx[b]));
        return Tensor.ofLongs(out, idx.length);
    }

    /** The first n images as raw bytes [n·rows·cols]. */
    public byte[] firstImages(int n) { return Arrays.copyOf(images, Math.min(n, count) * pixels()); }

    private int checkIndex(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("MNIST index " + i + " out of [0, " + count + ")");
        return i;
    }
}
