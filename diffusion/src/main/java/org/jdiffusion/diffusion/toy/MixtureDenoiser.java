package org.jdiffusion.diffusion.toy;

import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact denoiser of Gaussian-mixture data: the output a perfectly trained network would give,
 * from E[x_0 | x_t] in closed form (see {@link GaussianMixture}), as ε, x_0 or v. Optionally class
 * conditional: each component belongs to a class, label y selects the mixture of its components
 * (weights renormalised), and the null label (or y = null) the whole mixture — so
 * p(x | y) and p(x) are both exact, which makes guidance checkable.
 */
public final class MixtureDenoiser implements Denoiser {
    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final GaussianMixture data;
    private final int[] componentClass;
    private final long nullClass;
    private final Map<Long, GaussianMixture> perClass = new LinkedHashMap<>();

    /** Unconditional: y is ignored. */
    public MixtureDenoiser(NoiseSchedule schedule, Prediction prediction, GaussianMixture data) {
        this(schedule, prediction, data, null, -1);
    }

    /** Component k belongs to class componentClass[k]; label nullClass means "no class". */
    public MixtureDenoiser(NoiseSchedule schedule, Prediction prediction, GaussianMixture data, int[] componentClass, long nullClass) {
        if (componentClass != null && componentClass.length != data.components())
            throw new IllegalArgumentException("MixtureDenoiser: " + componentClass.length + " class labels for " + data.components() + " components");
        this.schedule = schedule;
        this.prediction = prediction;
        this.data = data;
        this.componentClass = componentClass == null ? null : componentClass.clone();
        this.nullClass = nullClass;
        if (componentClass != null) {
            for (int k = 0; k < componentClass.length; k++) {
                long c = componentClass[k];
                if (c == nullClass) throw new IllegalArgumentException("MixtureDenoiser: component " + k + " carries the null class " + nullClass);
                if (!perClass.containsKey(c)) {
                    List<Integer> ks = new ArrayList<>();
                    for (int j = 0; j < componentClass.length; j++) if (componentClass[j] == c) ks.add(j);
                    perClass.put(c, data.subset(ks.stream().mapToInt(Integer::intValue).toArray()));
                }
            }
        }
    }

    public GaussianMixture data() { return data; }

    /** The mixture that label y denotes (the whole one for the null label). */
    public GaussianMixture mixtureOf(long y) {
        if (componentClass == null || y == nullClass) return data;
        GaussianMixture m = perClass.get(y);
        if (m == null) throw new IllegalArgumentException("MixtureDenoiser: unknown class " + y + " (have " + perClass.keySet() + " and null " + nullClass + ")");
        return m;
    }

    @Override
    public Tensor predict(Tensor xt, Tensor t, Tensor y) {
        double[] out = byGroup("MixtureDenoiser", xt, t, y, (m, a, s, x) -> {
            double[] x0 = m.posteriorMean(x, a, s), r = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double eps = (x[i] - a * x0[i]) / s;
                r[i] = switch (prediction) {
                    case EPS -> eps;
                    case X0 -> x0[i];
                    case V -> a * eps - s * x0[i];
                };
            }
            return r;
        });
        return toTensor(out, xt);
    }

    /** ∇_x log p(y | x_t) = ∇ log p_t(x_t | y) − ∇ log p_t(x_t), exactly (for classifier guidance). */
    public Tensor classifierGradient(Tensor xt, Tensor t, Tensor y) {
        if (y == null) throw new IllegalArgumentException("classifierGradient: needs labels y");
        double[] out = byGroup("classifierGradient", xt, t, y, (m, a, s, x) -> {
            double[] sc = m.score(x, a, s), su = data.score(x, a, s);
            for (int i = 0; i < sc.length; i++) sc[i] -= su[i];
            return sc;
        });
        return toTensor(out, xt);
    }

    private interface GroupFn { double[] apply(GaussianMixture m, double a, double s, double[] rows); }

    /** Applies f to the rows of x_t grouped by (t, y): each group shares one noisy mixture. */
    private double[] byGroup(String op, Tensor xt, Tensor t, Tensor y, GroupFn f) {
        if (xt.dim() != 2 || xt.size(1) != data.dim())
            throw new IllegalArgumentException(op + ": x_t " + xt.describe() + " must be [B, " + data.dim() + "]");
        long[] ts = Coefficients.timesteps(op, t, xt);
        long[] ys = y == null ? null : y.toLongArray();
        int b = ts.length, d = data.dim();
        double[] x = xt.toDoubleArray(), out = new double[x.length];
        Map<List<Long>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < b; i++)
            groups.computeIfAbsent(List.of(ts[i], ys == null ? nullClass : ys[i]), k -> new ArrayList<>()).add(i);
        for (var e : groups.entrySet()) {
            int tt = e.getKey().get(0).intValue();
            List<Integer> rows = e.getValue();
            double[] sub = new double[rows.size() * d];
            for (int r = 0; r < rows.size(); r++) System.arraycopy(x, rows.get(r) * d, sub, r * d, d);
            double[] res = f.apply(mixtureOf(e.getKey().get(1)), schedule.sqrtAlphaBar(tt), schedule.sqrtOneMinusAlphaBar(tt), sub);
            for (int r = 0; r < rows.size(); r++) System.arraycopy(res, r * d, out, rows.get(r) * d, d);
        }
        return out;
    }

    private static Tensor toTensor(double[] v, Tensor like) {
        HostStorage h = HostStorage.allocate(like.dtype(), v.length);
        for (int i = 0; i < v.length; i++) h.set(i, v[i]);
        return Tensor.fromHost(h, like.shape(), like.device());
    }
}
