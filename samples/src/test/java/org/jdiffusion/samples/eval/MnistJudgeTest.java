package org.jdiffusion.samples.eval;

import org.jdiffusion.samples.SharedData;
import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped MNIST judge reads real test digits correctly, and the sample-quality report is sound on real data. */
class MnistJudgeTest {
    private static MnistJudge judge;
    private static Mnist train, test;

    @BeforeAll
    static void load() {
        Path dir = SharedData.mnistDir();
        train = Mnist.load(dir, Mnist.Split.TRAIN);
        test = Mnist.load(dir, Mnist.Split.TEST);
        judge = Judges.shipped();
    }

    @Test
    void shippedJudgeReadsTheTestSplitAtLeast98PercentRight() {
        double acc = JudgeTraining.accuracy(judge, test);
        assertTrue(acc >= 0.98, "test accuracy " + acc);
        assertEquals(421_642, judge.parameterCount());
    }

    @Test
    void realDigitsScoreAsRealOnes() {
        int n = test.count();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        Tensor images = test.batch(idx), labels = test.batchLabels(idx);
        SampleQuality.Report r = SampleQuality.evaluate(judge, images, labels, train, test);
        assertTrue(r.accuracy() >= 0.98, r.line());
        // the test split against itself is far below the train-vs-test floor
        assertTrue(r.fd() < 1e-6 && r.fdFloor() > 0.1, r.line());
        assertArrayEquals(new int[]{n, MnistJudge.FEATURES}, SampleQuality.features(judge, images).shape());
    }

    @Test
    void noiseIsFarFromDigits() {
        Tensor noise = org.jdiffusion.tensor.Rand.uniform(new org.jdiffusion.tensor.Generator(4), -1, 1,
                org.jdiffusion.tensor.DType.FLOAT32, org.jdiffusion.tensor.Device.CPU, 500, 1, 28, 28);
        SampleQuality.Report r = SampleQuality.evaluate(judge, noise, null, train, test);
        assertTrue(Double.isNaN(r.accuracy()));
        assertTrue(r.fd() > 10 * r.fdFloor(), r.line());
    }

    @Test
    void trainingLowersTheLossOnASmallSubset() {
        // a few steps of the real recipe: the judge fits its first batches
        MnistJudge j = JudgeTraining.train(subset(train, 640), 2, 64, 2e-3, 1, null);
        assertTrue(JudgeTraining.accuracy(j, subset(test, 500)) > 0.5);
    }

    @Test
    void wrongImageShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> judge.featuresOf(Tensor.zeros(2, 1, 14, 14)));
        assertTrue(e.getMessage().contains("[2, 1, 14, 14]") && e.getMessage().contains("[B, 1, 28, 28]"), e.getMessage());
    }

    private static Mnist subset(Mnist m, int n) {
        int p = m.pixels();
        return new Mnist(java.util.Arrays.copyOf(m.images(), n * p), java.util.Arrays.copyOf(m.labels(), n), n, m.rows(), m.cols());
    }
}
