package org.jdiffusion.samples;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.LinalgFunctions;
import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * {@code ./jdiffusion mlp}: fits y = sin(2·x₀)·cos(2·x₁) on [−1, 1]² with a 2→64→64→1 tanh MLP
 * trained by full-batch Adam through autograd, printing the mean squared error as it falls.
 */
final class MlpExample {
    private MlpExample() {}

    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("--help")) {
            System.out.println("""
                    usage: ./jdiffusion mlp [--steps N] [--points N] [--lr X] [--seed S]
                      fits y = sin(2x0)·cos(2x1) with a 2-64-64-1 tanh MLP (Adam, full batch) and prints the loss
                      --steps   training steps (default 500)
                      --points  training points (default 512)
                      --lr      Adam learning rate (default 0.01)
                      --seed    random seed (default 0)""");
            return 0;
        }
        Flags f = Flags.parse("mlp", args, Set.of("--steps", "--points", "--lr", "--seed"), Set.of());
        int steps = f.getInt("--steps", 500), points = f.getInt("--points", 512);
        double lr = f.getDouble("--lr", 0.01);
        if (steps < 1 || points < 1 || !(lr > 0)) throw new Main.UsageException("--steps and --points must be >= 1 and --lr > 0");
        Generator g = new Generator(f.getInt("--seed", 0));

        Tensor x = Rand.uniform(g, -1, 1, DType.FLOAT32, Device.CPU, points, 2);
        Tensor y = x.select(1, 0).mul(2).sin().mul(x.select(1, 1).mul(2).cos()).unsqueeze(1);
        List<Variable> params = List.of(
                kaiming(g, 64, 2), Variable.param(Tensor.zeros(64)),
                kaiming(g, 64, 64), Variable.param(Tensor.zeros(64)),
                kaiming(g, 1, 64), Variable.param(Tensor.zeros(1)));
        Adam adam = new Adam(params, lr);
        Variable input = Variable.constant(x), target = Variable.constant(y);
        double first = Double.NaN, loss = Double.NaN;
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            Variable h = PointwiseFunctions.tanh(LinalgFunctions.linear(input, params.get(0), params.get(1)));
            h = PointwiseFunctions.tanh(LinalgFunctions.linear(h, params.get(2), params.get(3)));
            Variable out = LinalgFunctions.linear(h, params.get(4), params.get(5));
            Variable l = LossFunctions.mse(out, target);
            loss = l.item();
            if (step == 1) first = loss;
            params.forEach(Variable::zeroGrad);
            l.backward();
            adam.step();
            if (step == 1 || step % Math.max(1, steps / 10) == 0 || step == steps)
                System.out.printf("step %5d  loss %.6f%n", step, loss);
        }
        System.out.printf("loss %.6f -> %.6f (%.0fx lower) in %.1f s%n", first, loss, first / loss, (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** W [out, in] ~ U(−1/√in, 1/√in). */
    private static Variable kaiming(Generator g, int out, int in) {
        double bound = 1 / Math.sqrt(in);
        return Variable.param(Rand.uniform(g, -bound, bound, DType.FLOAT32, Device.CPU, out, in));
    }

    /** Adam (Kingma & Ba 2015, Algorithm 1), updating parameters in place. */
    private static final class Adam {
        private final List<Variable> params;
        private final Tensor[] m, v;
        private final double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        private int t;

        Adam(List<Variable> params, double lr) {
            this.params = params;
            this.lr = lr;
            m = new Tensor[params.size()];
            v = new Tensor[params.size()];
            for (int i = 0; i < m.length; i++) {
                m[i] = Tensor.zeros(params.get(i).shape());
                v[i] = Tensor.zeros(params.get(i).shape());
            }
        }

        void step() {
            t++;
            try (var scope = Grad.noGrad()) {
                for (int i = 0; i < m.length; i++) {
                    Tensor gr = params.get(i).grad();
                    if (gr == null) continue;
                    m[i].mulInPlace(beta1).addInPlace(gr.mul(1 - beta1));            // m ← β₁m + (1−β₁)g
                    v[i].mulInPlace(beta2).addInPlace(gr.square().mul(1 - beta2));   // v ← β₂v + (1−β₂)g²
                    double stepSize = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
                    params.get(i).data().subInPlace(m[i].div(v[i].sqrt().add(eps)).mul(stepSize));
                }
            }
        }
    }
}
