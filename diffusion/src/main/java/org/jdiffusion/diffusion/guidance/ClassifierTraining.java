package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.IndexFunctions;
import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.NormFunctions;
import org.jdiffusion.autograd.ReduceFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.ForwardProcess;
import org.jdiffusion.nn.optim.Optimizer;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * Training a {@link NoisyClassifier} on noised data (Dhariwal &amp; Nichol 2021, §4.1): t uniform,
 * x_t ~ q(x_t | x_0), cross-entropy of the true label; and its input gradient for guidance.
 */
public final class ClassifierTraining {
    private ClassifierTraining() {}

    /** The cross-entropy of labels y on x_t ~ q(x_t | x_0) at uniform t; g draws t and ε. */
    public static Variable loss(NoisyClassifier classifier, ForwardProcess q, Tensor x0, Tensor y, Generator g) {
        Tensor t = q.uniformTimesteps(g, x0.size(0), x0.device());
        Tensor eps = Rand.normal(g, 0, 1, x0.dtype(), x0.device(), x0.shape());
        Tensor xt = q.qSample(x0, t, eps);
        return LossFunctions.crossEntropy(classifier.forward(Variable.constant(xt), t), y);
    }

    /** One optimizer step on a batch; returns the loss before the step. */
    public static double step(NoisyClassifier classifier, Optimizer optimizer, ForwardProcess q, Tensor x0, Tensor y, Generator g) {
        classifier.train();
        optimizer.zeroGrad();
        Variable loss = loss(classifier, q, x0, y, g);
        loss.backward();
        optimizer.step();
        return loss.item();
    }

    /**
     * ∇_{x_t} log p_φ(y | x_t, t) by backpropagation through the classifier in evaluation mode; the
     * classifier's parameter gradients are cleared afterwards.
     */
    public static ClassifierGradient gradient(NoisyClassifier classifier) {
        return (xt, t, y) -> {
            classifier.eval();
            try (var on = Grad.enableGrad()) {
                Variable x = Variable.param(xt);
                Variable logp = NormFunctions.logSoftmax(classifier.forward(x, t), 1);
                Variable picked = IndexFunctions.gather(logp, 1, y.reshape(y.size(0), 1));
                ReduceFunctions.sum(picked).backward();   // Σ_b log p(y_b | x_b): each sample's gradient is its own
                classifier.zeroGrad();
                return x.grad();
            }
        };
    }
}
