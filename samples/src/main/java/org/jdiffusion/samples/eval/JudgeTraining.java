package org.jdiffusion.samples.eval;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.optim.LrSchedule;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * Trains the {@link MnistJudge} with AdamW and cross-entropy on randomly shifted digits (each image
 * moved by up to ±2 pixels, zero-filled, a fresh shift every epoch), and measures its accuracy.
 */
public final class JudgeTraining {
    private JudgeTraining() {}

    /** Trains for {@code epochs} passes of batches of {@code batch}; returns the trained judge in eval mode. */
    public static MnistJudge train(Mnist data, int epochs, int batch, double lr, long seed, Progress progress) {
        Generator g = new Generator(seed);
        MnistJudge judge = new MnistJudge(g);
        judge.setDropoutGenerator(g.fork(7));
        Adam opt = Adam.adamW(judge.namedParameters(), lr, 1e-4);
        int perEpoch = (data.count() + batch - 1) / batch;
        long total = (long) epochs * perEpoch;
        LrSchedule schedule = LrSchedule.cosine(lr, Math.min(100, total / 10), total, lr * 0.05);
        Generator shuffle = g.fork(2), shifts = g.fork(3);
        long step = 0;
        judge.train();
        for (int e = 0; e < epochs; e++) {
            long[] perm = Rand.randperm(shuffle, data.count(), Device.CPU).toLongArray();
            for (int b = 0; b < perEpoch; b++) {
                int from = b * batch, n = Math.min(batch, data.count() - from);
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) idx[i] = (int) perm[from + i];
                Tensor x = shifted(data, idx, shifts);
                Variable loss = LossFunctions.crossEntropy(judge.logits(Variable.constant(x)), data.batchLabels(idx));
                judge.zeroGrad();
                loss.backward();
                opt.setLr(schedule.lr(step));
                opt.step();
                step++;
                if (progress != null) progress.update(step, "epoch", e + 1, "loss", loss.item());
            }
        }
        judge.eval();
        return judge;
    }

    /** Images idx with each one moved by a random (dy, dx) ∈ [−2, 2]², pixels scaled to [−1, 1]. */
    static Tensor shifted(Mnist data, int[] idx, Generator g) {
        long[] d = Rand.randint(g, -2, 3, Device.CPU, idx.length, 2).toLongArray();
        int h = data.rows(), w = data.cols();
        float[] out = new float[idx.length * h * w];
        java.util.Arrays.fill(out, -1f);
        byte[] img = data.images();
        for (int b = 0; b < idx.length; b++) {
            int dy = (int) d[2 * b], dx = (int) d[2 * b + 1], src = idx[b] * h * w, dst = b * h * w;
            for (int y = Math.max(0, dy); y < Math.min(h, h + dy); y++)
                for (int x = Math.max(0, dx); x < Math.min(w, w + dx); x++)
                    out[dst + y * w + x] = (img[src + (y - dy) * w + (x - dx)] & 0xff) / 127.5f - 1f;
        }
        return Tensor.of(out, idx.length, 1, h, w);
    }

    /** Fraction of {@code data} the judge labels correctly. */
    public static double accuracy(MnistJudge judge, Mnist data) {
        judge.eval();
        int correct = 0;
        for (int from = 0; from < data.count(); from += 500) {
            int n = Math.min(500, data.count() - from);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) idx[i] = from + i;
            long[] pred = judge.predict(data.batch(idx)).toLongArray();
            for (int i = 0; i < n; i++) if (pred[i] == data.label(idx[i])) correct++;
        }
        return (double) correct / data.count();
    }
}
