package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Finite-difference check of backward rules in float64 (PyTorch's gradcheck). The function's
 * output is reduced with a fixed random weighting R, L = Σ out ⊙ R, so every output element takes
 * part; the analytic gradient (backward with upstream R) of every differentiable input is compared
 * element by element with the central difference (L(x + ε) − L(x − ε)) / 2ε, and the worst
 * element out of tolerance |analytic − numeric| ≤ atol + rtol·|numeric| fails the check.
 *
 * <p>Floating inputs are cast to float64; float64 inputs are used as given, so a non-contiguous
 * view is checked as such. Int64 inputs, and inputs marked with {@link Config#constant}, enter as
 * constants and are not checked. Inputs are perturbed in place and restored, so they must not be
 * broadcast (expanded) views nor share storage with each other.
 */
public final class Gradcheck {
    private Gradcheck() {}

    /** Step and tolerances of a check, which inputs stay constant, and the name used in failures. */
    public record Config(double eps, double atol, double rtol, int[] constants, String name) {
        public Config tolerance(double atol, double rtol) { return new Config(eps, atol, rtol, constants, name); }

        public Config eps(double eps) { return new Config(eps, atol, rtol, constants, name); }

        /** Marks inputs (by position) as non-differentiable: passed as constants and not checked. */
        public Config constant(int... indices) { return new Config(eps, atol, rtol, indices.clone(), name); }

        /** The op name for failure messages (defaults to the output's op). */
        public Config named(String name) { return new Config(eps, atol, rtol, constants, name); }

        public void check(Function<Variable[], Variable> f, Tensor... inputs) { Gradcheck.run(this, f, inputs); }
    }

    public static final Config DEFAULT = new Config(1e-6, 1e-5, 1e-4, new int[0], null);

    /** Checks every differentiable input of {@code f} at {@code inputs} with the default step and tolerances. */
    public static void check(Function<Variable[], Variable> f, Tensor... inputs) { DEFAULT.check(f, inputs); }

    public static void check(String name, Function<Variable[], Variable> f, Tensor... inputs) { DEFAULT.named(name).check(f, inputs); }

    /** A check whose inputs at {@code indices} are constants. */
    public static Config constant(int... indices) { return DEFAULT.constant(indices); }

    @SuppressWarnings("try")   // the scopes only switch grad mode
    private static void run(Config c, Function<Variable[], Variable> f, Tensor[] inputs) {
        int n = inputs.length;
        Tensor[] xs = new Tensor[n];
        boolean[] diff = new boolean[n];
        for (int i = 0; i < n; i++) {
            Tensor t = inputs[i];
            boolean floating = t.dtype().isFloating();
            xs[i] = floating ? t.to(DType.FLOAT64) : t;
            int idx = i;
            diff[i] = floating && Arrays.stream(c.constants()).noneMatch(k -> k == idx);
        }
        Variable[] vars = new Variable[n];
        for (int i = 0; i < n; i++) vars[i] = diff[i] ? Variable.param(xs[i]) : Variable.constant(xs[i]);

        Variable out;
        try (var scope = Grad.enableGrad()) {
            out = f.apply(vars);
        }
        String name = c.name() != null ? c.name() : out.op() != null ? out.op() : "function";
        if (out.dtype() != DType.FLOAT64)
            throw new AssertionError("gradcheck(" + name + "): output " + out.data().describe() + " is not float64 for float64 inputs");
        Tensor r = Rand.uniform(new Generator(0x6AD_C4EC), -1, 1, DType.FLOAT64, out.device(), out.shape());
        if (out.requiresGrad()) out.backward(r);

        Variable[] consts = new Variable[n];
        for (int i = 0; i < n; i++) consts[i] = Variable.constant(xs[i]);
        for (int i = 0; i < n; i++) {
            if (!diff[i]) continue;
            Tensor x = xs[i];
            double[] analytic = vars[i].grad() == null ? new double[x.numel()] : vars[i].grad().toDoubleArray();
            int[] shape = x.shape();
            int worst = -1, bad = 0;
            double worstExcess = 0, worstA = 0, worstN = 0;
            for (int e = 0; e < x.numel(); e++) {
                Tensor cell = element(x, shape, e);
                double orig = cell.item();
                cell.fillInPlace(orig + c.eps());
                double lp = loss(f, consts, r);
                cell.fillInPlace(orig - c.eps());
                double lm = loss(f, consts, r);
                cell.fillInPlace(orig);
                double numeric = (lp - lm) / (2 * c.eps()), a = analytic[e];
                double excess = Math.abs(a - numeric) - (c.atol() + c.rtol() * Math.abs(numeric));
                if (excess > 0 || Double.isNaN(excess)) {
                    bad++;
                    if (worst < 0 || excess > worstExcess || Double.isNaN(excess)) {
                        worst = e; worstExcess = excess; worstA = a; worstN = numeric;
                    }
                }
            }
            if (bad > 0)
                throw new AssertionError("gradcheck(" + name + "): input " + i + " " + Shapes.str(shape) + ", worst element "
                        + Arrays.toString(unravel(worst, shape)) + ": analytic " + worstA + " vs numeric " + worstN
                        + " (|diff| " + Math.abs(worstA - worstN) + ", atol " + c.atol() + ", rtol " + c.rtol() + "); "
                        + bad + " of " + x.numel() + " elements out of tolerance");
        }
    }

    @SuppressWarnings("try")
    private static double loss(Function<Variable[], Variable> f, Variable[] consts, Tensor r) {
        try (var scope = Grad.noGrad()) {
            return f.apply(consts).data().mul(r).sum().item();
        }
    }

    /** A one-element view of element e (row-major) of x. */
    private static Tensor element(Tensor x, int[] shape, int e) {
        int[] idx = unravel(e, shape);
        Tensor t = x;
        for (int d = 0; d < idx.length; d++) t = t.narrow(d, idx[d], 1);
        return t;
    }

    private static int[] unravel(int e, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = e % shape[d];
            e /= shape[d];
        }
        return idx;
    }
}
