package org.jdiffusion.diffusion.flow;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * How flow matching draws its training times t ∈ (0, 1): uniform (Lipman et al. 2023; Liu et al.
 * 2023) or logit-normal, t = sigmoid(m + s·n) with n ~ N(0, 1) (Esser et al. 2024, §3.1, eq. 19:
 * more weight on the middle times, where the velocity is hardest to predict; m = 0, s = 1 is their
 * recommended "lognorm(0.00, 1.00)"). Written {@code uniform} or {@code logit-normal[:M:S]}.
 */
public record FlowTimes(boolean logitNormal, double m, double s) {
    public FlowTimes {
        if (logitNormal && (!Double.isFinite(m) || !(s > 0) || !Double.isFinite(s)))
            throw new IllegalArgumentException("flow times: logit-normal needs a finite location and a scale > 0, got " + m + ", " + s);
    }

    public static final FlowTimes UNIFORM = new FlowTimes(false, 0, 1);
    public static final FlowTimes LOGIT_NORMAL = new FlowTimes(true, 0, 1);

    /** t [B] of the given dtype (float32 or float64). */
    public Tensor sample(int batch, Generator g, DType dtype, Device device) {
        DType d = dtype == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
        if (!logitNormal) return Rand.uniform(g, 0, 1, d, device, batch);
        return Rand.normal(g, m, s, d, device, batch).sigmoid();
    }

    public String key() {
        return !logitNormal ? "uniform" : m == 0 && s == 1 ? "logit-normal" : "logit-normal:" + m + ":" + s;
    }

    public static FlowTimes parse(String text) {
        String[] p = text.trim().toLowerCase(java.util.Locale.ROOT).split(":", -1);
        String form = " (expected uniform or logit-normal[:M:S], e.g. logit-normal:0:1)";
        if (p[0].equals("uniform") && p.length == 1) return UNIFORM;
        if (!p[0].equals("logit-normal") || (p.length != 1 && p.length != 3))
            throw new IllegalArgumentException("unknown flow time sampling '" + text + "'" + form);
        if (p.length == 1) return LOGIT_NORMAL;
        try {
            return new FlowTimes(true, Double.parseDouble(p[1]), Double.parseDouble(p[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("flow time sampling '" + text + "': M and S must be numbers" + form);
        }
    }
}
