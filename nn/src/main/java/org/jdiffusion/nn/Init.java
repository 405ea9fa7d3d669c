package org.jdiffusion.nn;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * Parameter initialisation as PyTorch's defaults, drawn from a seeded {@link Generator}.
 * Conv and linear weights use kaiming_uniform with a = √5: gain = √(2/(1+a²)) = √(1/3),
 * bound = gain·√(3/fan_in) = 1/√fan_in, fan_in = in_channels/groups · kH · kW; biases are
 * U(−1/√fan_in, 1/√fan_in); embeddings N(0, 1); norm scales 1 and shifts 0.
 */
public final class Init {
    private Init() {}

    /** U(−bound, bound) with bound = 1/√fanIn (both the a = √5 Kaiming weight bound and the bias bound). */
    public static Tensor fanInUniform(Generator g, int fanIn, int... shape) {
        double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0;
        return uniform(g, bound, shape);
    }

    /** kaiming_uniform(a): bound = √(6 / ((1 + a²)·fan_in)). */
    public static Tensor kaimingUniform(Generator g, double a, int fanIn, int... shape) {
        return uniform(g, Math.sqrt(6.0 / ((1 + a * a) * fanIn)), shape);
    }

    public static Tensor uniform(Generator g, double bound, int... shape) {
        return Rand.uniform(g, -bound, bound, DType.FLOAT32, Device.CPU, shape);
    }

    public static Tensor normal(Generator g, int... shape) { return Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, shape); }
}
