package org.jdiffusion.samples.demo;

import org.jdiffusion.diffusion.sampling.Trajectory;
import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.samples.plot.Chart;
import org.jdiffusion.samples.plot.Colors;
import org.jdiffusion.samples.plot.Figure;
import org.jdiffusion.samples.plot.HtmlReport;
import org.jdiffusion.tensor.Tensor;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The demo's pictures and its HTML page, from the runs' results. */
final class DemoFigures {
    /** One panel: its title, the training points (null when every step drew fresh data) and the DDIM run. */
    record Memorisation(String title, Tensor train, Trajectory ddim) {}

    record Samples(Toy2D kind, Tensor data, Tensor ddpm, Tensor ddim, double swDdpm, double swDdim) {}

    static final String MEMORISATION = "memorisation.png", SAMPLES = "samples.png", LOSS = "loss.png", PAGE = "index.html";
    private static final Color TRAIN = new Color(0xd62728), DATA = Colors.withAlpha(new Color(0x888888), 0.35);

    private final Path dir;
    private final double sigma;

    DemoFigures(Path dir, double sigma) {
        this.dir = dir;
        this.sigma = sigma;
    }

    /** DDIM trajectories from x_1 ~ N(0, σ_q²) coloured by t, the training points in red, the end points in black. */
    Path memorisation(List<Memorisation> runs) {
        Figure f = new Figure(runs.size(), 430, 420).title("Spiral: DDIM trajectories as the training set grows (memorisation → generalisation)");
        for (Memorisation m : runs) {
            List<Tensor> xs = m.ddim().xs();
            int paths = xs.getFirst().size(0), len = xs.size();
            double[][] px = new double[paths][len], py = new double[paths][len], pv = new double[paths][len];
            for (int k = 0; k < len; k++) {
                float[] p = xs.get(k).toFloatArray();
                for (int i = 0; i < paths; i++) {
                    px[i][k] = p[2 * i];
                    py[i][k] = p[2 * i + 1];
                    pv[i][k] = 1 - (double) k / (len - 1);     // state k is at t = 1 − k·Δt
                }
            }
            Chart c = new Chart().title(m.title()).xRange(-2.6, 2.6).yRange(-2.6, 2.6).equalAspect()
                    .paths(px, py, pv, 1f, 0.55)
                    .scatter("samples", m.ddim().sample().toFloatArray(), Color.BLACK, 2);
            if (m.train() != null) c.scatter("training points", m.train().toFloatArray(), TRAIN, 4.5);
            c.colorBar("t", 0, 1);
            f.add(c);
        }
        return save(f, MEMORISATION);
    }

    /** Per set: data (grey) against DDPM and DDIM samples, side by side, each with its SW₂. */
    Path samples(List<Samples> sets) {
        Figure f = new Figure(Math.min(4, 2 * sets.size()), 330, 320).title("Samples (colour) against the data (grey)");
        for (Samples s : sets) {
            for (boolean ddim : new boolean[]{false, true}) {
                Tensor x = ddim ? s.ddim() : s.ddpm();
                f.add(new Chart().title(s.kind().key() + " · " + (ddim ? "DDIM" : "DDPM")).xRange(-2.6, 2.6).yRange(-2.6, 2.6).equalAspect()
                        .scatter(null, s.data().toFloatArray(), DATA, 1.8)
                        .scatter(null, x.toFloatArray(), Colors.withAlpha(Colors.palette(ddim ? 1 : 0), 0.75), 1.8)
                        .note(String.format(Locale.ROOT, "SW₂ = %.3f", ddim ? s.swDdim() : s.swDdpm())));
            }
        }
        return save(f, SAMPLES);
    }

    /** Training loss of every run, smoothed (exponential moving average, 0.98), on a log scale. */
    Path losses(Map<String, double[]> curves, ToyRun.Objective objective) {
        String what = objective == ToyRun.Objective.X0 ? "‖D(x_t, t) − x_0‖² / c_out²" : "‖f_θ(x_{t+Δt}, t+Δt) − x_t‖²";
        Chart c = new Chart().title("Training loss " + what + " (smoothed)").xLabel("step").yLabel("loss").logY();
        int i = 0;
        for (var e : curves.entrySet()) {
            double[] l = e.getValue(), xs = new double[l.length], ys = new double[l.length];
            double ema = l[0];
            for (int s = 0; s < l.length; s++) {
                ema = s == 0 ? l[0] : 0.98 * ema + 0.02 * l[s];
                xs[s] = s + 1;
                ys[s] = ema;
            }
            c.line(e.getKey(), xs, ys, Colors.palette(i++), 1.8f);
        }
        return save(new Figure(1, 900, 440).add(c), LOSS);
    }

    Path page(List<Toy2D> kinds, Map<String, Double> swDdpm, Map<String, Double> swDdim, Map<String, Double> swRef, List<Integer> memorise,
              int steps, int memoriseSteps, int processSteps, boolean haveMem, boolean haveSamples, ToyRun.Objective objective) {
        HtmlReport r = new HtmlReport("jdiffusion demo: diffusion on 2-D data");
        r.paragraph(String.format(Locale.ROOT, "Small MLP denoisers (3 hidden layers × 128 ReLU) on the variance-exploding process of "
                + "Nakkiran et al. 2024 (\"Step-by-Step Diffusion\"): x_t = x_0 + N(0, σ_q²t), σ_q = %.2f, Δt = 1/%d; the sampler's network "
                + "gives E[x_{t−Δt} | x_t] = x_t + (Δt/t)·(D(x_t, t) − x_t), %s. DDPM (the paper's Pseudocode 2) adds fresh noise at every "
                + "step, DDIM (Pseudocode 3) takes deterministic steps.", sigma, processSteps,
                objective == ToyRun.Objective.X0 ? "with D trained as a denoiser of x_0" : "trained on the paper's pairs (Pseudocode 1)"));
        if (haveMem)
            r.figure(MEMORISATION, "DDIM trajectories coloured by t: trained " + memoriseSteps + " steps on " + String.join(", ",
                    memorise.stream().map(String::valueOf).toList()) + " points (red) the model returns its training points (memorisation); "
                    + "trained on fresh data it fills the spiral (generalisation).");
        if (haveSamples) {
            r.figure(SAMPLES, "DDPM and DDIM samples (colour) against fresh data (grey) after " + steps
                    + " training steps, with the sliced-Wasserstein distance SW₂ to the data.");
            List<List<String>> rows = new ArrayList<>();
            for (Toy2D k : kinds)
                rows.add(List.of(k.key(), String.format(Locale.ROOT, "%.4f", swDdpm.get(k.key())), String.format(Locale.ROOT, "%.4f", swDdim.get(k.key())),
                        String.format(Locale.ROOT, "%.4f", swRef.get(k.key()))));
            r.table(List.of("data set", "SW₂ DDPM", "SW₂ DDIM", "SW₂ data vs data"), rows);
        }
        r.figure(LOSS, "Training loss (moving average): the fewer the training points, the more the network memorises and the lower it goes.");
        r.paragraph("Files: metrics.csv (the distances above), samples-SET-ddpm.npy and samples-SET-ddim.npy (float32 [N, 2]).");
        Path p = dir.resolve(PAGE);
        r.save(p);
        return p;
    }

    private Path save(Figure f, String name) {
        Path p = dir.resolve(name);
        f.save(p);
        return p;
    }
}
