package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Acceptance: a 2→32→1 tanh MLP fits y = sin(x₀)·cos(x₁) through the public API with a hand-written Adam. */
class MlpTrainingTest {
    @Test void lossFallsTenfold() {
        Generator g = new Generator(2024);
        Tensor x = Rand.uniform(g, -2, 2, DType.FLOAT32, Device.CPU, 256, 2);
        Tensor y = x.select(1, 0).sin().mul(x.select(1, 1).cos()).unsqueeze(1);
        Variable w1 = Variable.param(Rand.uniform(g, -0.7, 0.7, DType.FLOAT32, Device.CPU, 32, 2));
        Variable b1 = Variable.param(Tensor.zeros(32));
        Variable w2 = Variable.param(Rand.uniform(g, -0.18, 0.18, DType.FLOAT32, Device.CPU, 1, 32));
        Variable b2 = Variable.param(Tensor.zeros(1));
        List<Variable> params = List.of(w1, b1, w2, b2);
        Tensor[] m = new Tensor[4], v = new Tensor[4];
        for (int i = 0; i < 4; i++) { m[i] = Tensor.zeros(params.get(i).shape()); v[i] = Tensor.zeros(params.get(i).shape()); }
        Variable input = Variable.constant(x);

        double first = 0, last = 0, lr = 0.02, b1c = 0.9, b2c = 0.999;
        for (int step = 1; step <= 400; step++) {
            Variable pred = LinalgFunctions.linear(LinalgFunctions.linear(input, w1, b1).tanh(), w2, b2);
            Variable loss = LossFunctions.mse(pred, y);
            last = loss.item();
            if (step == 1) first = last;
            params.forEach(Variable::zeroGrad);
            loss.backward();
            try (var scope = Grad.noGrad()) {   // Adam (Kingma & Ba 2015, Algorithm 1)
                double stepSize = lr * Math.sqrt(1 - Math.pow(b2c, step)) / (1 - Math.pow(b1c, step));
                for (int i = 0; i < 4; i++) {
                    Tensor gr = params.get(i).grad();
                    m[i].mulInPlace(b1c).addInPlace(gr.mul(1 - b1c));
                    v[i].mulInPlace(b2c).addInPlace(gr.square().mul(1 - b2c));
                    params.get(i).data().subInPlace(m[i].div(v[i].sqrt().add(1e-8)).mul(stepSize));
                }
            }
        }
        assertTrue(last * 10 <= first, "loss fell only from " + first + " to " + last);
    }
}
