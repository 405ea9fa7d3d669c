package org.jdiffusion.diffusion.flow;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.sampling.Network;
import org.jdiffusion.diffusion.sampling.SamplerDef;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.diffusion.sampling.Solver;
import org.jdiffusion.diffusion.sampling.StepResult;
import org.jdiffusion.tensor.Tensor;

/**
 * The ODE samplers of a flow-matching model: dx/dt = v_θ(x, t) integrated from t = 1 (x ~ N(0, I)) to
 * t = 0 over n uniform steps t_k = 1 − k/n. Euler (Liu et al. 2023, §2.1: the rectified flow's
 * sampler; first order, n evaluations) or Heun (second order; the trapezoidal correction of Karras et
 * al. 2022, Algorithm 1 applied to v, Euler at the last step into t = 0 as theirs is: 2n − 1
 * evaluations). The network is called with float t [B] ∈ [0, 1]; its {@link #timesteps()} are
 * round(1000·t_k), for the record.
 */
public final class FlowSampler implements Solver {
    public static final SamplerDef EULER = new SamplerDef("flow-euler", "flow Euler", "Liu et al. 2023, first order", ProcessKind.FLOW, null, 1, false,
            java.util.List.of(), (t, n, ts, o) -> new FlowSampler(n, false));
    public static final SamplerDef HEUN = new SamplerDef("flow-heun", "flow Heun", "Karras et al. 2022 Alg. 1 on v; 2 evaluations a step",
            ProcessKind.FLOW, null, 1, false, java.util.List.of(), (t, n, ts, o) -> new FlowSampler(n, true));

    private final double[] times;                               // t_0 = 1 > … > t_{n−1} > t_n = 0
    private final boolean heun;

    public FlowSampler(int steps, boolean heun) {
        if (steps < 1) throw new IllegalArgumentException("FlowSampler: needs at least 1 step, got " + steps);
        this.times = new double[steps + 1];
        for (int k = 0; k <= steps; k++) times[k] = 1 - (double) k / steps;
        this.heun = heun;
    }

    /** Over given descending times from t_0 ≤ 1 down to the last; the data (0) is appended when it is not the last. */
    public FlowSampler(double[] descending, boolean heun) {
        int n = descending.length;
        if (n == 0) throw new IllegalArgumentException("FlowSampler: needs at least one time");
        boolean endsAtZero = descending[n - 1] == 0;
        this.times = java.util.Arrays.copyOf(descending, endsAtZero ? n : n + 1);
        for (int k = 0; k < times.length; k++)
            if (!(times[k] >= 0 && times[k] <= 1) || (k > 0 && !(times[k] < times[k - 1])))
                throw new IllegalArgumentException("FlowSampler: times " + java.util.Arrays.toString(descending) + " must decrease strictly inside [0, 1]");
        if (times.length < 2) throw new IllegalArgumentException("FlowSampler: needs a time above 0");
        this.heun = heun;
    }

    public double time(int k) { return times[k]; }

    @Override
    public long[] timesteps() {
        long[] ts = new long[times.length - 1];
        for (int k = 0; k < ts.length; k++) ts[k] = Math.round(FlowMatching.TIME_SCALE * times[k]);
        return ts;
    }

    @Override public int evaluations() { return heun ? 2 * (times.length - 1) - 1 : times.length - 1; }

    @Override
    public StepResult advance(Network net, int i, Tensor x, Noise noise) {
        if (i < 0 || i >= times.length - 1)
            throw new IllegalArgumentException("FlowSampler.advance: step index " + i + " is outside 0.." + (times.length - 2));
        double t = times[i], next = times[i + 1], dt = next - t;
        // (1) v_i = v_θ(x_i, t_i); x̂_0 = x_i − t_i·v_i
        Tensor v = net.at(x, FlowMatching.fill(t, x));
        Tensor x0 = FlowMatching.x0(x, v, t);
        // (2) Euler: x_{i+1} = x_i + (t_{i+1} − t_i)·v_i
        Tensor euler = x.add(v.mul(dt));
        if (!heun || i + 2 == times.length) return new StepResult(euler, x0);
        // (3) Heun: x_{i+1} = x_i + (t_{i+1} − t_i)·(v_i + v_θ(x̃_{i+1}, t_{i+1}))/2   (Karras et al. 2022, Alg. 1, lines 6–8)
        Tensor v1 = net.at(euler, FlowMatching.fill(next, x));
        return new StepResult(x.add(v.add(v1).mul(0.5 * dt)), x0);
    }
}
