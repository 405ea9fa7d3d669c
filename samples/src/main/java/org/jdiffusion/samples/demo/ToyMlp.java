package org.jdiffusion.samples.demo;

import org.jdiffusion.autograd.ShapeFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Activation;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.Sequential;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * The demo's network for 2-D points: an MLP with three hidden layers of 128 ReLU units (the size
 * Nakkiran et al. 2024 use for their 2-D experiments) on [x, φ(t)] with time features
 * φ(t) = [t, sin(kπt), cos(kπt) for k = 1 … 4].
 * <pre>  x [B, 2], t [B] → [B, 2];  11 → 128 → 128 → 128 → 2, 34,050 parameters</pre>
 */
public final class ToyMlp extends Module {
    static final int FREQS = 4, HIDDEN = 128;
    private final Sequential net;

    public ToyMlp(Generator g) {
        net = registerModule("net", new Sequential(
                new Linear(2 + 1 + 2 * FREQS, HIDDEN, g), Activation.relu(),
                new Linear(HIDDEN, HIDDEN, g), Activation.relu(),
                new Linear(HIDDEN, HIDDEN, g), Activation.relu(),
                new Linear(HIDDEN, 2, g)));
    }

    /** x [B, 2] and continuous times t [B] in (0, 1]. */
    public Variable forward(Variable x, Tensor t) {
        int b = t.size(0);
        float[] ts = t.toFloatArray(), feats = new float[b * (1 + 2 * FREQS)];
        for (int i = 0; i < b; i++) {
            int o = i * (1 + 2 * FREQS);
            feats[o] = ts[i];
            for (int k = 1; k <= FREQS; k++) {
                feats[o + 2 * k - 1] = (float) Math.sin(k * Math.PI * ts[i]);
                feats[o + 2 * k] = (float) Math.cos(k * Math.PI * ts[i]);
            }
        }
        Variable in = ShapeFunctions.cat(List.of(x, Variable.constant(Tensor.of(feats, b, 1 + 2 * FREQS).to(x.data().device()))), 1);
        return net.forward(in);
    }
}
