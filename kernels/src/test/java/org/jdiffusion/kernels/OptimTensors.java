package org.jdiffusion.kernels;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Inputs and oracles of the fused optimizer tests: lists of random tensors (never zero; second
 * moments positive) of odd sizes, placed at a storage offset of 1 where asked so 16-byte vector
 * paths meet misaligned runs, and the composite definitions of the Adam step and the EMA update in
 * float64 tensor ops (what nn's optimizers computed before the fused ops).
 */
public final class OptimTensors {
    private OptimTensors() {}

    /** Odd sizes: below one vector, a prime, past a parallel grain, and a position with no elements. */
    public static final int[][] SHAPES = {{37}, {5, 13}, {40001}, {1}, {3, 3, 3, 3}, {0}, {1027}, {64, 9}, {3}};

    /** One list per operand, all on one device. */
    public record Lists(List<Tensor> p, List<Tensor> g, List<Tensor> m, List<Tensor> v) {
        /** Independent copies on device d, each at the given storage offset. */
        public Lists on(Device d, int offset) { return new Lists(copies(p, d, offset), copies(g, d, offset), copies(m, d, offset), copies(v, d, offset)); }
    }

    /** Random Adam state for the shapes on the CPU: p, g, m normal, v = (normal)² + 0.01. */
    public static Lists adamState(Generator gen, DType dt, int[][] shapes) {
        List<Tensor> p = new ArrayList<>(), g = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
        for (int[] s : shapes) {
            p.add(TestTensors.randn(gen, dt, s));
            g.add(TestTensors.randn(gen, dt, s));
            m.add(TestTensors.randn(gen, dt, s).mul(0.1));
            v.add(TestTensors.randn(gen, dt, s).square().add(0.01));
        }
        return new Lists(p, g, m, v);
    }

    /** A contiguous copy of t on d whose first element sits at storage offset {@code offset}. */
    public static Tensor placed(Tensor t, Device d, int offset) {
        int n = t.numel();
        Tensor flat = Tensor.zeros(t.dtype(), d, n + offset).narrow(0, offset, n);
        flat.copyFrom(t.reshape(n).to(d));
        return flat.view(t.shape());
    }

    public static List<Tensor> copies(List<Tensor> ts, Device d, int offset) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : ts) out.add(placed(t, d, offset));
        return out;
    }

    /** The shapes repeated to {@code count} positions (for tables spanning several launches). */
    public static int[][] many(int count) {
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) out[i] = SHAPES[i % SHAPES.length];
        return out;
    }

    /** The new (p, m, v) of one Adam step, composed from float64 tensor ops on the CPU. */
    public static Tensor[] adamComposite(Tensor p, Tensor g, Tensor m, Tensor v, AdamHyper h) {
        p = f64(p);
        g = f64(g);
        m = f64(m);
        v = f64(v);
        if (h.weightDecay() != 0) {
            if (h.decoupled()) p = p.mul(1 - h.lr() * h.weightDecay());
            else g = g.add(p.mul(h.weightDecay()));
        }
        m = m.mul(h.beta1()).add(g.mul(1 - h.beta1()));
        v = v.mul(h.beta2()).add(g.square().mul(1 - h.beta2()));
        double bc1 = 1 - Math.pow(h.beta1(), h.step()), bc2 = 1 - Math.pow(h.beta2(), h.step());
        Tensor denom = v.sqrt().div(Math.sqrt(bc2)).add(h.eps());
        return new Tensor[]{p.sub(m.div(denom).mul(h.lr() / bc1)), m, v};
    }

    /** decay·s + (1 − decay)·p in float64 tensor ops on the CPU. */
    public static Tensor emaComposite(Tensor s, Tensor p, double decay) { return f64(s).mul(decay).add(f64(p).mul(1 - decay)); }

    private static Tensor f64(Tensor t) { return t.to(Device.CPU).to(DType.FLOAT64); }

    public static long numel(int[][] shapes) {
        long n = 0;
        for (int[] s : shapes) n += Shapes.numel(s);
        return n;
    }
}
