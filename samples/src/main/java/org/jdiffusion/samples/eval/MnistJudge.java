package org.jdiffusion.samples.eval;

import org.jdiffusion.autograd.ConvFunctions;
import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.ShapeFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Conv2d;
import org.jdiffusion.nn.Dropout;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

/**
 * The MNIST judge: a small CNN whose class predictions score class-conditional samples and whose
 * penultimate features play the role of Inception features in the Fréchet distance.
 * <pre>
 *   x [B, 1, 28, 28] → c1 conv3×3(1→32) → ReLU → avgpool 2 → [B, 32, 14, 14]
 *                    → c2 conv3×3(32→64) → ReLU → avgpool 2 → [B, 64, 7, 7] → flatten 3136
 *                    → fc1 linear(3136→128) → ReLU = features [B, 128] → dropout → fc2 linear(128→10) = logits
 * </pre>
 * 421,642 parameters. Inputs are pixels scaled to [−1, 1] like the diffusion models'.
 */
public final class MnistJudge extends Module {
    public static final int FEATURES = 128, CLASSES = 10;

    private final Conv2d c1, c2;
    private final Linear fc1, fc2;
    private final Dropout drop;

    public MnistJudge(Generator g) {
        c1 = registerModule("c1", Conv2d.same(1, 32, 3, g));
        c2 = registerModule("c2", Conv2d.same(32, 64, 3, g));
        fc1 = registerModule("fc1", new Linear(64 * 7 * 7, FEATURES, g));
        drop = registerModule("drop", new Dropout(0.3, g.fork(1)));
        fc2 = registerModule("fc2", new Linear(FEATURES, CLASSES, g));
    }

    /** Penultimate features [B, 128] (after ReLU). */
    public Variable features(Variable x) {
        if (x.dim() != 4 || x.size(1) != 1 || x.size(2) != 28 || x.size(3) != 28)
            throw new IllegalArgumentException("MnistJudge: expected images [B, 1, 28, 28], got " + x.data().describe());
        Variable h = ConvFunctions.avgPool2d(PointwiseFunctions.relu(c1.forward(x)), 2, 2);
        h = ConvFunctions.avgPool2d(PointwiseFunctions.relu(c2.forward(h)), 2, 2);
        return PointwiseFunctions.relu(fc1.forward(ShapeFunctions.flatten(h, 1, 3)));
    }

    /** Class logits [B, 10]. */
    public Variable logits(Variable x) { return fc2.forward(drop.forward(features(x))); }

    /** Features of a batch in eval mode without a graph. */
    public Tensor featuresOf(Tensor x) {
        try (var s = Grad.noGrad()) {
            return features(Variable.constant(x)).data();
        }
    }

    /** Predicted classes (int64 [B]) of a batch in eval mode without a graph. */
    public Tensor predict(Tensor x) {
        try (var s = Grad.noGrad()) {
            return logits(Variable.constant(x)).data().argmax(1, false);
        }
    }
}
