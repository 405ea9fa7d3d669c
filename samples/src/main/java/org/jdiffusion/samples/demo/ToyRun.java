package org.jdiffusion.samples.demo;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.continuous.VeDenoiser;
import org.jdiffusion.diffusion.continuous.VeProcess;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.optim.LrSchedule;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Index;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.util.Locale;
import java.util.function.IntFunction;

/**
 * One training run of the demo on the variance-exploding process x_t = x_0 + N(0, σ_q²t) of
 * Nakkiran et al. 2024. The {@link ToyMlp} g is wrapped as a preconditioned x_0-estimate (Karras
 * et al. 2022, Table 1, with σ = σ_q√t and data scale σ_d = 1)
 * <pre>  D(x, t) = c_skip·x + c_out·g(c_in·x, t),  c_skip = 1/(σ²+1), c_out = σ/√(σ²+1), c_in = 1/√(σ²+1)</pre>
 * and turned into the process's denoiser exactly as the Gaussian step demands:
 * <pre>  f_θ(x_t, t) = E[x_{t−Δt} | x_t] = x_t + (Δt/t)·(D(x_t, t) − x_t)</pre>
 * {@link Objective#X0} trains D by denoising, ‖D(x_0 + σε, t) − x_0‖²/c_out² with log t uniform on [log 10⁻³, 0];
 * {@link Objective#PSEUDOCODE1} trains f_θ on the paper's own pairs, ‖f_θ(x_{t+Δt}, t+Δt) − x_t‖²
 * (Pseudocode 1). Both have the same minimiser; the first has far less variance per step (its
 * target carries no sampled noise), so it is the default. Adam with a cosine-decayed rate.
 */
public final class ToyRun {
    public enum Objective {
        X0, PSEUDOCODE1;

        public static Objective parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "x0" -> X0;
                case "pseudocode1", "ve" -> PSEUDOCODE1;
                default -> throw new IllegalArgumentException("unknown objective '" + s + "' (expected x0 or pseudocode1)");
            };
        }
    }

    public interface StepListener { void step(double loss); }

    private final ToyMlp model;
    private final VeProcess process;
    private final double[] losses;

    private ToyRun(ToyMlp model, VeProcess process, double[] losses) {
        this.model = model;
        this.process = process;
        this.losses = losses;
    }

    /** The batches are the x_0 of each step: fresh samples of a distribution, or draws from a small fixed set. */
    public static ToyRun train(VeProcess process, Objective objective, IntFunction<Tensor> batches, int steps, double lr, long seed,
                               StepListener listener) {
        Generator g = new Generator(seed);
        ToyMlp model = new ToyMlp(g.fork(1));
        Generator noise = g.fork(2);
        ToyRun run = new ToyRun(model, process, new double[steps]);
        Adam opt = Adam.adam(model.namedParameters(), lr);
        LrSchedule schedule = LrSchedule.cosine(lr, Math.min(100, steps / 10), steps, lr * 0.05);
        for (int s = 0; s < steps; s++) {
            opt.setLr(schedule.lr(s));
            Tensor x0 = batches.apply(s);
            Variable loss = objective == Objective.X0 ? run.denoisingLoss(x0, noise) : run.pseudocode1Loss(x0, noise);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            run.losses[s] = loss.item();
            if (listener != null) listener.step(run.losses[s]);
        }
        return run;
    }

    /** The smallest t the denoising objective trains at: σ = σ_q·√t_min (the fine trajectories reach t = 10⁻³). */
    static final double T_MIN = 1e-3;

    /** ‖D(x_0 + σ_q√t·ε, t) − x_0‖² / c_out², log t ~ U[log t_min, 0]: every scale of σ equally often. */
    private Variable denoisingLoss(Tensor x0, Generator g) {
        int b = x0.size(0);
        Tensor t = Rand.uniform(g, Math.log(T_MIN), 0, x0.dtype(), x0.device(), b).exp();
        Tensor sig = t.mul(process.sigmaQ() * process.sigmaQ()).sqrt().unsqueeze(1);
        Tensor xt = x0.add(Rand.normal(g, 0, 1, x0.dtype(), x0.device(), x0.shape()).mul(sig));
        Tensor cOut = sig.div(sig.square().add(1).sqrt());
        Variable d = denoise(Variable.constant(xt), t);
        return LossFunctions.mse(PointwiseFunctions.div(d, Variable.constant(cOut)), Variable.constant(x0.div(cOut)));
    }

    /** Pseudocode 1: ‖f_θ(x_{t+Δt}, t+Δt) − x_t‖². */
    private Variable pseudocode1Loss(Tensor x0, Generator g) {
        VeProcess.Example e = process.example(x0, g);
        return process.loss(step(Variable.constant(e.input()), e.time()), e);
    }

    /** D(x, t) = c_skip·x + c_out·g(c_in·x, t), σ = σ_q√t. */
    Variable denoise(Variable x, Tensor t) {
        Tensor sig = t.mul(process.sigmaQ() * process.sigmaQ()).sqrt().unsqueeze(1);
        Tensor norm = sig.square().add(1);
        Tensor cSkip = norm.pow(-1), cOut = sig.div(norm.sqrt()), cIn = norm.rsqrt();
        Variable inner = model.forward(PointwiseFunctions.mul(x, Variable.constant(cIn)), t);
        return PointwiseFunctions.add(PointwiseFunctions.mul(x, Variable.constant(cSkip)), PointwiseFunctions.mul(inner, Variable.constant(cOut)));
    }

    /** f_θ(x, t) = x + (Δt/t)·(D(x, t) − x). */
    Variable step(Variable x, Tensor t) {
        Tensor ratio = t.pow(-1).mul(process.dt()).unsqueeze(1);
        return PointwiseFunctions.add(x, PointwiseFunctions.mul(PointwiseFunctions.sub(denoise(x, t), x), Variable.constant(ratio)));
    }

    /** f(x, t) = x + (Δt/t)·(D(x, t) − x) for any x_0-estimate D: E[x_{t−Δt} | x_t] of the process. */
    public static VeDenoiser fromX0(VeProcess process, java.util.function.BinaryOperator<Tensor> d) {
        return (x, t) -> x.add(d.apply(x, t).sub(x).mul(t.pow(-1).mul(process.dt()).unsqueeze(1)));
    }

    /** Batches of {@code batch} rows drawn with replacement from a fixed set of points [n, 2]. */
    public static IntFunction<Tensor> resample(Tensor points, int batch, long seed) {
        Generator g = new Generator(seed);
        return s -> Index.indexSelect(points, 0, Rand.randint(g, 0, points.size(0), Device.CPU, batch));
    }

    public double[] losses() { return losses.clone(); }

    public VeProcess process() { return process; }

    /** f_θ without gradients, for the samplers. */
    public VeDenoiser denoiser() { return denoiser(process); }

    /** f_θ for another grid of the same process (same σ_q): D is shared, Δt is the grid's. */
    public VeDenoiser denoiser(VeProcess grid) {
        if (grid.sigmaQ() != process.sigmaQ())
            throw new IllegalArgumentException("ToyRun: a grid with σ_q = " + grid.sigmaQ() + " does not fit a model trained with σ_q = " + process.sigmaQ());
        return fromX0(grid, (x, t) -> {
            try (var ng = Grad.noGrad()) {
                return denoise(Variable.constant(x), t).data();
            }
        });
    }
}
