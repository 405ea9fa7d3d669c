package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.IndexFunctions;
import org.jdiffusion.autograd.NormFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.ForwardProcess;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NoisyClassifierTest {
    static final UNetConfig CFG = new UNetConfig(1, 8, 8, List.of(1, 2), 1, List.of(4), 2, 0.0, 2, 16, 4, false);

    /** Class 0: bright top half; class 1: bright bottom half; plus a little pixel noise. */
    static Tensor images(Tensor y, Generator g) {
        long[] ys = y.toLongArray();
        int n = ys.length;
        double[] noise = Rand.normal(g, 0, 0.1, DType.FLOAT64, Device.CPU, n, 64).toDoubleArray();
        HostStorage h = HostStorage.allocate(DType.FLOAT32, n * 64);
        for (int b = 0; b < n; b++)
            for (int p = 0; p < 64; p++) {
                boolean top = p < 32;
                h.set(b * 64 + p, ((top == (ys[b] == 0)) ? 0.8 : -0.8) + noise[b * 64 + p]);
            }
        return Tensor.fromHost(h, new int[]{n, 1, 8, 8}, Device.CPU);
    }

    @Test
    void trainingLowersTheLossAndTheClassifierSeparatesClasses() {
        NoisyClassifier clf = new NoisyClassifier(CFG, new Generator(1));
        ForwardProcess q = new ForwardProcess(NoiseSchedule.linear(1000));
        Adam opt = Adam.adam(clf.namedParameters(), 3e-3);
        Generator g = new Generator(2);
        double first = 0, last = 0;
        int steps = 60;
        for (int s = 0; s < steps; s++) {
            Tensor y = Rand.randint(g, 0, 2, Device.CPU, 16);
            double l = ClassifierTraining.step(clf, opt, q, images(y, g), y, g);
            if (s < 10) first += l / 10;
            if (s >= steps - 10) last += l / 10;
        }
        assertTrue(last < 0.7 * first, "loss " + first + " → " + last);
        // at low noise the classes are told apart
        Tensor y = Rand.randint(g, 0, 2, Device.CPU, 64);
        Tensor x = images(y, g), t = Tensor.full(50, DType.INT64, Device.CPU, 64);
        long[] pred;
        try (var ng = Grad.noGrad()) {
            pred = clf.forward(Variable.constant(q.qSample(x, t, Rand.normal(g, 64, 1, 8, 8))), t).data().argmax(1, false).toLongArray();
        }
        long[] ys = y.toLongArray();
        int right = 0;
        for (int i = 0; i < 64; i++) if (pred[i] == ys[i]) right++;
        assertTrue(right >= 58, right + " of 64 right");
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        NoisyClassifier clf = new NoisyClassifier(CFG, new Generator(3));
        clf.to(DType.FLOAT64);
        Generator g = new Generator(4);
        Tensor x = Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 2, 1, 8, 8);
        Tensor t = Tensor.ofLongs(new long[]{100, 700}, 2), y = Tensor.ofLongs(new long[]{1, 0}, 2);
        Tensor grad = ClassifierTraining.gradient(clf).gradLogProb(x, t, y);
        assertArrayEquals(x.shape(), grad.shape());
        for (Variable p : clf.parameters()) assertNull(p.grad(), "parameter gradients are cleared");
        double[] xv = x.toDoubleArray(), gv = grad.toDoubleArray();
        double h = 1e-5;
        for (int k : new int[]{0, 17, 63, 64, 100, 127}) {
            double[] up = xv.clone(), dn = xv.clone();
            up[k] += h; dn[k] -= h;
            double fd = (logProb(clf, up, t, y) - logProb(clf, dn, t, y)) / (2 * h);
            assertEquals(fd, gv[k], 1e-6 * (1 + Math.abs(fd)), "element " + k);
        }
    }

    private static double logProb(NoisyClassifier clf, double[] x, Tensor t, Tensor y) {
        try (var ng = Grad.noGrad()) {
            Variable lp = NormFunctions.logSoftmax(clf.forward(Variable.constant(Tensor.of(x, 2, 1, 8, 8)), t), 1);
            return IndexFunctions.gather(lp, 1, y.reshape(2, 1)).data().sum().item();
        }
    }

    @Test
    void badInputsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new NoisyClassifier(CFG.withNumClasses(0), new Generator(1)));
        assertTrue(e.getMessage().contains("numClasses"), e.getMessage());
        NoisyClassifier clf = new NoisyClassifier(CFG, new Generator(1));
        e = assertThrows(IllegalArgumentException.class, () -> clf.forward(Variable.constant(Tensor.zeros(2, 1, 6, 6)), Tensor.ofLongs(new long[]{1, 2}, 2)));
        assertTrue(e.getMessage().contains("[B, 1, 8, 8]"), e.getMessage());
    }
}
