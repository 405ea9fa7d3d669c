package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.metrics.FrechetDistance;
import org.jdiffusion.diffusion.metrics.GaussianStats;
import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sample quality of MNIST-like images as judged by a {@link MnistJudge}: (a) class accuracy of
 * class-conditional samples — is a requested "3" read as a 3 — and (b) the Fréchet distance between
 * the judge's penultimate features of the samples and of the test split (the FID recipe with an
 * MNIST feature network), always beside the real-vs-real floor: the same distance between an
 * equally large subset of the train split and the test split, since FD shrinks as n grows.
 */
public final class SampleQuality {
    private SampleQuality() {}

    /** Accuracy is NaN when no labels were given (unconditional samples). */
    public record Report(int count, double accuracy, double fd, double fdFloor) {
        public String line() {
            return String.format(java.util.Locale.ROOT, "n %d  accuracy %s  FD %.3f  (real-vs-real floor at this n: %.3f)",
                    count, Double.isNaN(accuracy) ? "-" : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * accuracy), fd, fdFloor);
        }
    }

    /**
     * @param images samples as float [N, 1, 28, 28] in [−1, 1]
     * @param labels the requested classes, int64 [N], or null for unconditional samples
     */
    public static Report evaluate(MnistJudge judge, Tensor images, Tensor labels, Mnist train, Mnist test) {
        return new Reference(judge, train, test).evaluate(images, labels);
    }

    /**
     * The real side of the comparison, computed once for many sample sets: the judge's statistics
     * of the whole test split and, per sample count n, the real-vs-real floor (the first n train
     * digits against the test split).
     */
    public static final class Reference {
        private final MnistJudge judge;
        private final Mnist train;
        private final GaussianStats testStats;
        private final Map<Integer, Double> floors = new HashMap<>();

        public Reference(MnistJudge judge, Mnist train, Mnist test) {
            this.judge = judge;
            this.train = train;
            this.testStats = GaussianStats.of(realFeatures(judge, test, test.count()));
        }

        public double floor(int n) {
            return floors.computeIfAbsent(n, k -> FrechetDistance.of(GaussianStats.of(realFeatures(judge, train, Math.min(k, train.count()))), testStats));
        }

        public Report evaluate(Tensor images, Tensor labels) {
            int n = images.size(0);
            if (labels != null && (labels.dim() != 1 || labels.size(0) != n))
                throw new IllegalArgumentException("SampleQuality: labels " + labels.describe() + " do not match " + n + " images");
            if (n < 2) throw new IllegalArgumentException("SampleQuality: needs at least 2 samples, got " + n);
            Tensor feats = features(judge, images);
            double acc = Double.NaN;
            if (labels != null) {
                long[] want = labels.toLongArray();
                int correct = 0;
                for (int from = 0; from < n; from += 500) {
                    long[] pred = judge.predict(images.narrow(0, from, Math.min(500, n - from))).toLongArray();
                    for (int i = 0; i < pred.length; i++) if (pred[i] == want[from + i]) correct++;
                }
                acc = (double) correct / n;
            }
            return new Report(n, acc, FrechetDistance.of(GaussianStats.of(feats), testStats), floor(n));
        }
    }

    /** Judge features [N, 128] of images [N, 1, 28, 28], in batches of 500. */
    public static Tensor features(MnistJudge judge, Tensor images) {
        judge.eval();
        List<Tensor> parts = new ArrayList<>();
        for (int from = 0; from < images.size(0); from += 500)
            parts.add(judge.featuresOf(images.narrow(0, from, Math.min(500, images.size(0) - from))));
        return org.jdiffusion.tensor.Join.cat(parts, 0);
    }

    /** Features of the first {@code count} digits of a split. */
    static Tensor realFeatures(MnistJudge judge, Mnist data, int count) {
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = i;
        return features(judge, data.batch(idx));
    }
}
