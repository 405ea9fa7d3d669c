package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.samples.io.Npy;
import org.jdiffusion.samples.io.NpyArray;
import org.jdiffusion.samples.io.Outputs;
import org.jdiffusion.samples.plot.ImageGrid;
import org.jdiffusion.samples.sample.LoadedModel;
import org.jdiffusion.samples.sample.Sampling;
import org.jdiffusion.tensor.Device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The parts of {@code ./jdiffusion eval}, each returning its Markdown: the likelihood of every
 * checkpoint, the sample quality of one setting, the guidance sweep and the sampler sweep. A
 * sweep rewrites its CSV, plot and the report after every entry, so a long run keeps what it has
 * measured. The judge's statistics of the real data are computed once and shared.
 */
final class EvalParts {
    /** The run's shared settings (flags of the command). */
    record Settings(Path dataDir, int count, int stride, int batch, long seed, Device device, int sweepSamples,
                    int sampleSteps, double guidance, Path judgeFile) {}

    private final Settings s;
    private final EvalReport report;
    private Mnist test, train;
    private Judges.Described judge;
    private SampleQuality.Reference reference;

    EvalParts(Settings s, EvalReport report) {
        this.s = s;
        this.report = report;
    }

    Mnist test() { return test != null ? test : (test = Mnist.load(s.dataDir(), Mnist.Split.TEST)); }

    Judges.Described judge() { return judge != null ? judge : (judge = Judges.describe(s.judgeFile())); }

    private SampleQuality.Reference reference() {
        if (reference == null) {
            train = Mnist.load(s.dataDir(), Mnist.Split.TRAIN);
            reference = new SampleQuality.Reference(judge().judge(), train, test());
        }
        return reference;
    }

    /** Bits/dim of every checkpoint in one table (the L_simple vs hybrid comparison), its CSVs and the per-timestep plot. */
    String likelihood(List<String> names, List<LoadedModel> models, Path termsCsv) {
        List<Likelihood> results = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            Likelihood r = Likelihood.evaluate(names.get(i), models.get(i), test(), s.count(), s.batch(), s.stride(), s.seed(), s.device());
            results.add(r);
            System.out.print((models.size() > 1 ? names.get(i) + ": " : "") + r.summary());
            if (report.writesFiles()) Outputs.writeString(report.file("likelihood-terms-" + (i + 1) + ".csv"), r.termsCsv());
        }
        if (termsCsv != null) Outputs.writeString(termsCsv, results.getFirst().termsCsv());
        Table t = new Table(List.of("#", "checkpoint", "objective", "variance", "step", "L_T prior", "Σ L_t", "L_0 decoder", "total bits/dim"),
                List.of("index", "checkpoint", "objective", "learned_variance", "step", "images", "stride", "timesteps", "prior_bpd", "kl_bpd", "decoder_bpd", "total_bpd"), 4);
        for (int i = 0; i < results.size(); i++) {
            Likelihood r = results.get(i);
            t.row(List.of(Integer.toString(i + 1), "`" + r.checkpoint() + "`", r.objective(), r.learnedVariance() ? "learned Σ_θ" : "fixed β̃_t", Long.toString(r.step()),
                            Table.num(r.terms().prior(), 4), Table.num(r.kl(), 4), Table.num(r.terms().decoder(), 4), "**" + Table.num(r.terms().total(), 4) + "**"),
                    List.of(Integer.toString(i + 1), r.checkpoint(), r.objective(), Boolean.toString(r.learnedVariance()), Long.toString(r.step()), Integer.toString(r.images()),
                            Integer.toString(r.stride()), Integer.toString(r.timesteps()), Table.raw(r.terms().prior()), Table.raw(r.kl()),
                            Table.raw(r.terms().decoder()), Table.raw(r.terms().total())));
        }
        Likelihood first = results.getFirst();
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "The variational bound (Ho et al. 2020, eq. 5) in bits/dim on the first %d MNIST test digits; every %d-th of the T = %d timesteps "
                        + "is evaluated and stands for its block (stride 1 is exact). Conditional models are evaluated with the null class. "
                        + "A hybrid objective (Nichol and Dhariwal 2021: learned Σ_θ, L_simple + 0.001·L_vlb) should lower the bound below L_simple's fixed β̃_t.%n%n",
                first.images(), first.stride(), first.timesteps()));
        md.append(t.markdown());
        if (report.writesFiles()) {
            Outputs.writeString(report.file("likelihood.csv"), t.csv());
            EvalPlots.likelihoodTerms(report.file("likelihood-terms.png"), results);
            md.append("\nCSV: [likelihood.csv](likelihood.csv); per-timestep terms:");
            for (int i = 0; i < results.size(); i++) md.append(" [").append(i + 1).append("](likelihood-terms-").append(i + 1).append(".csv)");
            md.append("\n\n![VLB terms per timestep](likelihood-terms.png)\n");
        }
        return md.toString();
    }

    /** The sampler of the quality check and the guidance sweep: DDIM (η = 0) for a diffusion model, flow Euler for a flow model, --sample-steps. */
    private SamplerChoice checkSampler(LoadedModel m) {
        int steps = m.process() == ProcessKind.FLOW ? s.sampleSteps() : Math.min(s.sampleSteps(), m.spec().timesteps());
        return Sampling.defaultChoice(m.process(), steps);
    }

    /** One sample set judged: the single-setting check (DDIM or flow Euler, --sample-steps, --guidance). */
    String quality(LoadedModel m, int samples) {
        SamplerChoice ddim = checkSampler(m);
        String what = ddim.def().title() + ", " + ddim.steps() + " steps" + (ddim.def().option("eta") != null ? ", η = 0" : "");
        SampleDraw.Drawn d = SampleDraw.draw(m, ddim, s.guidance(), samples, s.batch(), s.seed(), s.device(), "samples");
        SampleQuality.Report r = reference().evaluate(d.images(), d.labelTensor());
        boolean cond = m.spec().numClasses() > 0;
        System.out.println("sample quality (" + samples + " samples, " + what + (cond ? ", guidance " + s.guidance() : "")
                + "; judged by the MNIST classifier): " + r.line());
        Table t = qualityTable(List.of("sampler", "guidance w"), List.of("sampler", "guidance"));
        addQualityRow(t, List.of(ddim.label(), cond ? SweepList.fmt(s.guidance()) : "-"),
                List.of(ddim.label(), cond ? Double.toString(s.guidance()) : ""), r, d.seconds());
        String md = samples + " samples (" + what + (cond ? ", classes cycling, w = " + SweepList.fmt(s.guidance()) : "")
                + "), judged by " + judge().description() + ".\n\n" + t.markdown();
        if (report.writesFiles()) {
            Outputs.writeString(report.file("quality.csv"), t.csv());
            saveSamples("quality", d, m.spec().numClasses());
            md += "\nCSV: [quality.csv](quality.csv)\n\n![samples](grids/quality.png)\n";
        }
        return md;
    }

    /** FD and accuracy of DDIM samples for each guidance weight: table, CSV, trade-off plot and a grid per w. */
    String guidanceSweep(String title, LoadedModel m, List<Double> weights) {
        SamplerChoice ddim = checkSampler(m);
        String intro = String.format(Locale.ROOT,
                "%d samples per guidance weight (" + ddim.def().title() + ", %d steps" + (ddim.def().option("eta") != null ? ", η = 0" : "") + "; classes 0–9 cycling; seed %d, the same x_T per sample for every w), "
                        + "judged by %s. Our w: 0 unconditional, 1 conditional, > 1 guided (Ho and Salimans' w is ours − 1). "
                        + "FD is beside the real-vs-real floor at the same n.%n%n", s.sweepSamples(), ddim.steps(), s.seed(), judge().description());
        Table t = qualityTable(List.of("w"), List.of("w"));
        List<EvalPlots.Point> pts = new ArrayList<>();
        StringBuilder grids = new StringBuilder();
        double floor = Double.NaN;
        for (int i = 0; i < weights.size(); i++) {
            double w = weights.get(i);
            String name = "guidance-w" + SweepList.fmt(w);
            SampleDraw.Drawn d = SampleDraw.draw(m, ddim, w, s.sweepSamples(), s.batch(), s.seed(), s.device(),
                    String.format(Locale.ROOT, "w=%s (%d/%d)", SweepList.fmt(w), i + 1, weights.size()));
            SampleQuality.Report r = reference().evaluate(d.images(), d.labelTensor());
            floor = r.fdFloor();
            addQualityRow(t, List.of(SweepList.fmt(w)), List.of(Double.toString(w)), r, d.seconds());
            pts.add(new EvalPlots.Point(w, r.fd(), r.accuracy(), "w=" + SweepList.fmt(w)));
            String md = intro + t.markdown();
            if (report.writesFiles()) {
                saveSamples(name, d, m.spec().numClasses());
                grids.append("\nw = ").append(SweepList.fmt(w)).append(" (rows: classes 0–9)\n\n![w = ").append(SweepList.fmt(w))
                        .append("](grids/").append(name).append(".png)\n");
                Outputs.writeString(report.file("guidance.csv"), t.csv());
                EvalPlots.guidanceTradeoff(report.file("guidance.png"), pts, floor, s.sweepSamples());
                md += "\nCSV: [guidance.csv](guidance.csv)\n\n![FD against class accuracy, one point per w](guidance.png)\n" + grids;
            }
            if (i + 1 < weights.size()) report.partial(title, md);
            else return md;
        }
        throw new IllegalStateException("guidance sweep: no weights");
    }

    /**
     * FD, accuracy and wall time of each sampler against its network evaluations (NFE): table, CSV,
     * FD-against-NFE plot, the best sampler at each NFE, and a grid per sampler.
     */
    String samplerSweep(String title, LoadedModel m, List<SamplerChoice> settings) {
        boolean cond = m.spec().numClasses() > 0;
        String intro = String.format(Locale.ROOT,
                "%d samples per sampler (%sseed %d, the same x_T per sample for every sampler), judged by %s. "
                        + "NFE is the number of network evaluations of one run (a Heun or DPM-Solver++(2S) step costs two). "
                        + "Wall time is the sampling alone, on %s with batches of %d, after two untimed warm-up evaluations. "
                        + "FD is beside the real-vs-real floor at the same n.%n%n",
                s.sweepSamples(), cond ? "classes 0–9 cycling, w = " + SweepList.fmt(s.guidance()) + "; " : "", s.seed(), judge().description(),
                s.device(), s.batch());
        SampleDraw.warmUp(m, Math.min(s.batch(), s.sweepSamples()), s.device());
        Table t = qualityTable(List.of("sampler", "steps", "NFE", "options"), List.of("sampler", "steps", "nfe", "options"));
        List<EvalPlots.Point> pts = new ArrayList<>();
        List<String> families = new ArrayList<>();
        StringBuilder grids = new StringBuilder();
        for (int i = 0; i < settings.size(); i++) {
            SamplerChoice st = settings.get(i);
            var solver = st.build(m.target());
            int steps = solver.timesteps().length, nfe = solver.evaluations();
            SampleDraw.Drawn d = SampleDraw.draw(m, st, s.guidance(), s.sweepSamples(), s.batch(), s.seed(), s.device(),
                    String.format(Locale.ROOT, "%s (%d/%d)", st.label(), i + 1, settings.size()));
            SampleQuality.Report r = reference().evaluate(d.images(), d.labelTensor());
            String opts = options(st, m);
            addQualityRow(t, List.of(st.name(), Integer.toString(steps), Integer.toString(nfe), opts.isEmpty() ? "-" : opts),
                    List.of(st.name(), Integer.toString(steps), Integer.toString(nfe), opts), r, d.seconds());
            pts.add(new EvalPlots.Point(nfe, r.fd(), r.accuracy(), st.label()));
            families.add(st.family());
            String md = intro + t.markdown() + "\n" + best(settings.subList(0, i + 1), pts, m);
            if (report.writesFiles()) {
                String name = "sampler-" + st.label().replace(':', '-').replace('=', '-');
                saveSamples(name, d, m.spec().numClasses());
                grids.append("\n").append(st.label()).append("\n\n![").append(st.label()).append("](grids/").append(name).append(".png)\n");
                Outputs.writeString(report.file("samplers.csv"), t.csv());
                EvalPlots.samplerCurves(report.file("samplers.png"), EvalPlots.byFamily(families, pts), r.fdFloor(), s.sweepSamples(), cond);
                md += "\nCSV: [samplers.csv](samplers.csv)\n\n![FD against network evaluations per sampler](samplers.png)\n" + grids;
            }
            if (i + 1 < settings.size()) report.partial(title, md);
            else return md;
        }
        throw new IllegalStateException("sampler sweep: no samplers");
    }

    /** The entry's options as key=value;… (all of them, defaults included, and the spacing of a diffusion sampler). */
    private static String options(SamplerChoice c, LoadedModel m) {
        List<String> o = new ArrayList<>();
        c.options().forEach((k, v) -> o.add(k + "=" + SweepList.fmt(v)));
        if (m.process() == ProcessKind.DIFFUSION) o.add("spacing=" + c.spacingFor(m.target()).key());
        return String.join(";", o);
    }

    /** For each NFE measured, the entry with the lowest FD, and its ratio to DDPM's with all T steps when the sweep has it. */
    private static String best(List<SamplerChoice> settings, List<EvalPlots.Point> pts, LoadedModel m) {
        double ref = Double.NaN;
        for (int i = 0; i < settings.size(); i++)
            if (settings.get(i).name().equals("ddpm") && (int) pts.get(i).x() == m.spec().timesteps()) ref = pts.get(i).fd();
        java.util.TreeMap<Integer, Integer> bestAt = new java.util.TreeMap<>();
        for (int i = 0; i < pts.size(); i++) {
            int nfe = (int) pts.get(i).x();
            Integer b = bestAt.get(nfe);
            if (Double.isFinite(pts.get(i).fd()) && (b == null || pts.get(i).fd() < pts.get(b).fd())) bestAt.put(nfe, i);
        }
        StringBuilder sb = new StringBuilder("Best FD at each NFE" + (Double.isNaN(ref) ? "" : " (× DDPM's with all T = " + m.spec().timesteps() + " steps)") + ": ");
        List<String> parts = new ArrayList<>();
        for (var e : bestAt.entrySet()) {
            EvalPlots.Point p = pts.get(e.getValue());
            parts.add(String.format(Locale.ROOT, "%d: `%s` %s%s", e.getKey(), p.label(), Table.num(p.fd(), 3),
                    Double.isNaN(ref) ? "" : String.format(Locale.ROOT, " (%.2f×)", p.fd() / ref)));
        }
        return sb.append(String.join("; ", parts)).append(".\n").toString();
    }

    private static Table qualityTable(List<String> keys, List<String> csvKeys) {
        List<String> h = new ArrayList<>(keys), c = new ArrayList<>(csvKeys);
        h.addAll(List.of("n", "FD", "FD floor (real, same n)", "class accuracy", "sampling time", "s/sample"));
        c.addAll(List.of("samples", "fd", "fd_floor", "accuracy", "seconds", "seconds_per_sample"));
        return new Table(h, c, keys.size());
    }

    private static void addQualityRow(Table t, List<String> keys, List<String> csvKeys, SampleQuality.Report r, double secs) {
        List<String> a = new ArrayList<>(keys), b = new ArrayList<>(csvKeys);
        a.addAll(List.of(Integer.toString(r.count()), Table.num(r.fd(), 3), Table.num(r.fdFloor(), 3), Table.pct(r.accuracy()),
                String.format(Locale.ROOT, "%.1f s", secs), String.format(Locale.ROOT, "%.3f", secs / r.count())));
        b.addAll(List.of(Integer.toString(r.count()), Table.raw(r.fd()), Table.raw(r.fdFloor()), Table.raw(r.accuracy()),
                String.format(Locale.ROOT, "%.3f", secs), String.format(Locale.ROOT, "%.5f", secs / r.count())));
        t.row(a, b);
    }

    /** samples/NAME.npy (uint8 [N, 28, 28]), samples/NAME-labels.npy (int64 [N]) and grids/NAME.png, rows = classes. */
    private void saveSamples(String name, SampleDraw.Drawn d, int classes) {
        int n = d.images().size(0), h = d.images().size(2), w = d.images().size(3);
        Npy.write(report.file("samples/" + name + ".npy"), NpyArray.ofBytes(ImageGrid.toBytes(d.images().toFloatArray()), n, h, w));
        if (d.labels() != null) Npy.write(report.file("samples/" + name + "-labels.npy"), NpyArray.ofLongs(d.labels(), n));
        int cols = classes > 0 ? Math.max(1, Math.min(10, (n + classes - 1) / classes)) : 10;
        EvalPlots.classGrid(report.file("grids/" + name + ".png"), d.images(), d.labels(), classes, cols);
    }
}
