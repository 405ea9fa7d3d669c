package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * What a sampler does to its predicted x_0 before using it: nothing, clip to a range (Ho et al.
 * 2020's samplers clip to [−1, 1]), or dynamic thresholding (Saharia et al. 2022, §2.3: per sample,
 * s = max(1, the p-th percentile of |x̂_0|), at most {@code maxValue}; x̂_0 ← clamp(x̂_0, −s, s)/s).
 */
public sealed interface X0Transform extends UnaryOperator<Tensor> {

    X0Transform NONE = new None();

    static X0Transform clip(double lo, double hi) { return new Clip(lo, hi); }

    static X0Transform dynamicThreshold(double percentile, double maxValue) { return new DynamicThreshold(percentile, maxValue); }

    record None() implements X0Transform {
        @Override public Tensor apply(Tensor x0) { return x0; }
    }

    record Clip(double lo, double hi) implements X0Transform {
        public Clip {
            if (!(lo < hi)) throw new IllegalArgumentException("X0Transform.clip: needs lo < hi, got [" + lo + ", " + hi + "]");
        }

        @Override public Tensor apply(Tensor x0) { return x0.clamp(lo, hi); }
    }

    record DynamicThreshold(double percentile, double maxValue) implements X0Transform {
        public DynamicThreshold {
            if (!(percentile > 0 && percentile <= 1) || !(maxValue >= 1))
                throw new IllegalArgumentException("X0Transform.dynamicThreshold: needs percentile in (0, 1] and maxValue >= 1, got "
                        + percentile + ", " + maxValue);
        }

        @Override
        public Tensor apply(Tensor x0) {
            int batch = x0.size(0), per = x0.numel() / batch;
            double[] v = x0.toDoubleArray();
            HostStorage s = HostStorage.allocate(x0.dtype(), batch);
            for (int b = 0; b < batch; b++) {
                double[] a = new double[per];
                for (int i = 0; i < per; i++) a[i] = Math.abs(v[b * per + i]);
                Arrays.sort(a);
                // the p-quantile with linear interpolation between order statistics
                double pos = percentile * (per - 1);
                int lo = (int) Math.floor(pos);
                double q = lo + 1 < per ? a[lo] + (pos - lo) * (a[lo + 1] - a[lo]) : a[lo];
                s.set(b, Math.min(Math.max(q, 1), maxValue));
            }
            int[] shape = new int[x0.dim()];
            Arrays.fill(shape, 1);
            shape[0] = batch;
            Tensor st = Tensor.fromHost(s, shape, x0.device());
            return x0.maximum(st.neg()).minimum(st).div(st);
        }
    }
}
