package org.jdiffusion.samples.train;

import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

/**
 * What {@code train} learns from: {@code count} examples of shape {@code sampleShape} scaled to
 * [−1, 1] (images) or about [−2, 2] (2-D points), with class labels when {@code classes} > 0.
 */
public interface TrainingData {
    int count();

    int[] sampleShape();

    int classes();

    Tensor batch(int[] idx);

    /** Labels int64 [B], or null for unlabelled data. */
    Tensor labels(int[] idx);

    String describe();

    static TrainingData mnist(Mnist m, String source) {
        return new TrainingData() {
            @Override public int count() { return m.count(); }

            @Override public int[] sampleShape() { return new int[]{1, m.rows(), m.cols()}; }

            @Override public int classes() { return Mnist.CLASSES; }

            @Override public Tensor batch(int[] idx) { return m.batch(idx); }

            @Override public Tensor labels(int[] idx) { return m.batchLabels(idx); }

            @Override public String describe() { return "MNIST " + m.count() + " images " + m.rows() + "x" + m.cols() + " from " + source; }
        };
    }

    /** A fixed draw of n points of a toy distribution (seeded). */
    static TrainingData toy(Toy2D kind, int n, long seed) {
        Tensor pts = kind.sample(new Generator(seed).fork(0x70), n);
        return new TrainingData() {
            @Override public int count() { return n; }

            @Override public int[] sampleShape() { return new int[]{2}; }

            @Override public int classes() { return 0; }

            @Override public Tensor batch(int[] idx) { return org.jdiffusion.tensor.Index.indexSelect(pts, 0, ids(idx)); }

            @Override public Tensor labels(int[] idx) { return null; }

            @Override public String describe() { return kind.key() + ", " + n + " points"; }
        };
    }

    private static Tensor ids(int[] idx) {
        long[] l = new long[idx.length];
        for (int i = 0; i < idx.length; i++) l[i] = idx[i];
        return Tensor.ofLongs(l, idx.length);
    }
}
