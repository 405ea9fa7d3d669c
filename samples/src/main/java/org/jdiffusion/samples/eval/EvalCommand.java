package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.samples.Main;
import org.jdiffusion.samples.cli.CheckpointOptions;
import org.jdiffusion.samples.cli.Cli;
import org.jdiffusion.samples.data.BundledMnist;
import org.jdiffusion.samples.sample.LoadedModel;
import org.jdiffusion.tensor.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code ./jdiffusion eval}: what a researcher reads off a checkpoint, in parts run cheapest first.
 * (1) The variational bound in bits/dim on the test split for every {@code --checkpoint} (one
 * table with each training objective: L_simple against hybrid). (2) The quality of one sample set
 * (DDIM, {@code --guidance}): class accuracy and Fréchet distance of the MNIST judge's features,
 * beside the real-vs-real floor. (3) The guidance sweep: that quality for each w. (4) The sampler
 * sweep: quality and wall time for DDPM, DDIM (η = 0, 1) and DPM-Solver++(2M) at several step
 * counts. Sweeps run on the first checkpoint. With {@code --report DIR} every part writes its
 * tables, CSVs, plots and sample grids into DIR as it finishes, and report.md is kept current; a
 * failing part is recorded and the others still run (exit status 1 at the end).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Likelihood in bits/dim on the MNIST test split (per term and total, for one or more checkpoints), sample quality "
                + "(judge accuracy, Fréchet distance beside the real-vs-real floor), guidance and sampler sweeps, and a report folder.",
                "On two CPU cores (fast kernels) the reference U-Net costs about 5 ms per sample per step in batches of 64: --report with the default lists (5 x 50 guided DDIM-25 samples, 11 x 50 samples of the sampler sweep at 1,390 steps each, DDPM 1000 the longest, after the bound on 256 images x 100 timesteps) takes about 15 minutes; with --sweep-samples 256 and --count 128, about 40 minutes."},
        footer = {"", "Example: ./jdiffusion eval --checkpoint runs/eps/checkpoint.safetensors --checkpoint runs/hybrid/checkpoint.safetensors "
                + "--report reports/eps --sweep-samples 100"})
public final class EvalCommand extends CheckpointOptions implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "CK", description = "a checkpoint of train (or a state dict with diffusion metadata); "
            + "repeat it to compare the bits/dim of several (the sample parts use the first)")
    List<Path> checkpoints;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "folder of the MNIST IDX files (default: the MNIST subset that ships "
            + "with the program)")
    Path dataDir;
    @Option(names = "--count", paramLabel = "N", description = "test images for bits/dim (0 = skip the likelihood; default: ${DEFAULT-VALUE})")
    int count = 256;
    @Option(names = "--stride", paramLabel = "K", description = "evaluate every K-th timestep, each standing for K (default: ${DEFAULT-VALUE}; 1 = exact)")
    int stride = 10;
    @Option(names = "--batch", paramLabel = "N", description = "images per batch, for the bound and for every sampler (default: ${DEFAULT-VALUE})")
    int batch = 64;
    @Option(names = "--seed", paramLabel = "S", description = "seed of the noise: x_t of the bound, and sample i's noise stream in every sampling part (default: ${DEFAULT-VALUE})")
    long seed = 0;
    @Option(names = "--samples", paramLabel = "N", description = "samples of the single quality check, DDIM at --guidance (0 = skip; default: ${DEFAULT-VALUE})")
    int samples = 200;
    @Option(names = "--sample-steps", paramLabel = "N", description = "DDIM steps of the quality check and the guidance sweep (default: ${DEFAULT-VALUE})")
    int sampleSteps = 25;
    @Option(names = "--guidance", paramLabel = "W", description = "classifier-free guidance of the quality check and the sampler sweep (default: ${DEFAULT-VALUE})")
    double guidance = 1;
    @Option(names = "--guidance-sweep", arity = "0..1", fallbackValue = GuidanceList.DEFAULT_LIST, paramLabel = "LIST",
            description = "guidance sweep over these w (alone: " + GuidanceList.DEFAULT_LIST + "; 'none' turns off the one --report runs)")
    String guidanceSweep;
    @Option(names = "--sampler-sweep", arity = "0..1", fallbackValue = SweepList.DEFAULT, paramLabel = "LIST",
            description = "sampler sweep: FD, accuracy and wall time against network evaluations (NFE), over entries of the sampler registry "
                    + "NAME[:STEPS][:VALUE][:KEY=VALUE] (samplers listed below), or all[:NFE/NFE/…] (every sampler of the checkpoint's kind at "
                    + "10/20/50 NFE, after ddpm with all T steps); alone: " + SweepList.DIFFUSION_DEFAULT + " (a flow model: " + SweepList.FLOW_DEFAULT
                    + "); 'none' turns off the one --report runs")
    String samplerSweep;
    @Option(names = "--sweep-samples", paramLabel = "N", description = "samples per sweep entry (default: ${DEFAULT-VALUE})")
    int sweepSamples = 50;
    @Option(names = "--report", paramLabel = "DIR", description = "write report.md, CSVs, plots and sample grids into DIR, each part as it finishes; "
            + "runs both sweeps with their default lists unless set")
    Path reportDir;
    @Option(names = "--judge", paramLabel = "FILE", description = "a judge from train-judge (default: the one shipped with the program)")
    Path judge;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "also write the per-timestep terms as CSV (t, weight, bits_per_dim; one checkpoint)")
    Path output;

    static final String LIKELIHOOD = "Likelihood (bits/dim)", QUALITY = "Sample quality", GUIDANCE = "Guidance sweep", SAMPLERS = "Sampler sweep";

    @Override public Integer call() {
        for (Path ck : checkpoints) Cli.existingFile("--checkpoint", ck);
        if (dataDir == null) dataDir = BundledMnist.dir();
        Cli.existingDir("--data-dir", dataDir);
        Cli.require(count >= 0, "--count must be >= 0 (0 skips the likelihood), got " + count);
        Cli.require(batch >= 1 && stride >= 1 && sampleSteps >= 1, "--batch, --stride and --sample-steps must be >= 1");
        Cli.require(samples == 0 || samples >= 2, "--samples must be 0 (skip) or >= 2, got " + samples);
        Cli.require(sweepSamples >= 2, "--sweep-samples must be >= 2 (the Fréchet distance needs two samples), got " + sweepSamples);
        Cli.require(Double.isFinite(guidance) && guidance >= 0, "--guidance must be a finite number >= 0, got " + guidance);
        if (judge != null) Cli.existingFile("--judge", judge);
        if (output != null) {
            Cli.outputFile("--output", output);
            Cli.require(checkpoints.size() == 1, "--output writes one checkpoint's terms; with several --checkpoint use --report DIR (likelihood-terms-K.csv)");
            Cli.require(count > 0, "--output writes the likelihood's terms, but --count 0 skips the likelihood");
        }
        if (reportDir != null) {
            Cli.outputFile("--report", reportDir);
            Cli.require(!Files.exists(reportDir) || Files.isDirectory(reportDir), "--report: " + reportDir + " is a file, expected a folder");
        }
        List<Double> weights = list("--guidance-sweep", guidanceSweep, GuidanceList.DEFAULT_LIST, GuidanceList::parse);
        List<SamplerChoice> samplers = list("--sampler-sweep", samplerSweep, SweepList.DEFAULT, SweepList::parse);
        String sweepValue = samplerSweep != null ? samplerSweep : reportDir != null ? SweepList.DEFAULT : null;
        boolean sweeping = sweepValue != null && !sweepValue.trim().equalsIgnoreCase("none");

        List<LoadedModel> models = new ArrayList<>();
        for (Path ck : checkpoints) {
            LoadedModel m = LoadedModel.load(ck, !noEma, device);
            Cli.require(m.isImage(), "eval: the checkpoint's model is for 2-D points (" + ck + "); the likelihood and the judge need 8-bit 28x28 images");
            Cli.require(count == 0 || m.process() == ProcessKind.FLOW || stride < m.spec().timesteps(), "--stride must be below the T = " + m.spec().timesteps() + " of " + ck);
            models.add(m);
        }
        LoadedModel first = models.getFirst();
        boolean conditional = first.spec().numClasses() > 0;
        String guidanceSkip = null;
        if (!conditional) {
            Cli.require(guidance == 1, "--guidance: the model of " + checkpoints.getFirst() + " is unconditional (num_classes 0)");
            Cli.require(guidanceSweep == null || weights.isEmpty(), "--guidance-sweep: the model of " + checkpoints.getFirst() + " is unconditional (num_classes 0)");
            if (!weights.isEmpty()) guidanceSkip = "the model is unconditional (num_classes 0)";
            weights = List.of();
        }
        try {
            if (sweeping) samplers = SweepList.resolve(sweepValue, first.target());
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--sampler-sweep: " + e.getMessage());
        }
        boolean defaultList = sweeping && sweepValue.trim().equalsIgnoreCase(SweepList.DEFAULT);
        for (SamplerChoice st : samplers) {
            try {
                st.check(first.target());
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--sampler-sweep: " + e.getMessage() + (defaultList ? " (the default list; give --sampler-sweep=LIST, or none)" : ""));
            }
        }
        List<LoadedModel> bounded = models.stream().filter(m -> m.process() == ProcessKind.DIFFUSION).toList();
        Cli.require(output == null || !bounded.isEmpty(), "--output writes the likelihood's terms, but a flow-matching model has no variational bound");
        String likelihoodSkip = count > 0 && bounded.isEmpty() ? "a flow-matching model has no variational bound (it is no diffusion)" : null;

        List<String> titles = new ArrayList<>();
        if (count > 0) titles.add(LIKELIHOOD);
        if (samples > 0) titles.add(QUALITY);
        if (!weights.isEmpty() || guidanceSkip != null) titles.add(GUIDANCE);
        if (!samplers.isEmpty()) titles.add(SAMPLERS);
        Cli.require(!titles.isEmpty(), "eval: nothing to do (--count 0, --samples 0 and no sweep)");
        EvalParts.Settings settings = new EvalParts.Settings(dataDir, count, stride, batch, seed, device, sweepSamples, sampleSteps, guidance, judge);
        EvalReport report = new EvalReport(reportDir, "", titles);
        EvalParts parts = new EvalParts(settings, report);
        report.header(header(models, parts.judge().description(), weights, samplers));
        if (guidanceSkip != null) report.skipped(GUIDANCE, guidanceSkip);
        if (likelihoodSkip != null) report.skipped(LIKELIHOOD, likelihoodSkip);

        List<String> failures = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) if (models.get(i).process() == ProcessKind.DIFFUSION) names.add(checkpoints.get(i).toString());
        final List<Double> ws = weights;
        if (count > 0 && likelihoodSkip == null) run(report, failures, LIKELIHOOD, () -> parts.likelihood(names, bounded, output));
        if (samples > 0) run(report, failures, QUALITY, () -> parts.quality(first, samples));
        if (!ws.isEmpty()) run(report, failures, GUIDANCE, () -> parts.guidanceSweep(GUIDANCE, first, ws));
        final List<SamplerChoice> sweep = samplers;
        if (!sweep.isEmpty()) run(report, failures, SAMPLERS, () -> parts.samplerSweep(SAMPLERS, first, sweep));
        if (reportDir != null) System.out.println("report -> " + reportDir.resolve("report.md"));
        if (!failures.isEmpty()) throw new IllegalStateException(String.join("; ", failures));
        return 0;
    }

    /** Runs one part; a failure is recorded in the report and the run goes on to the next part. */
    private static void run(EvalReport report, List<String> failures, String title, Supplier<String> part) {
        report.start(title);
        long t0 = System.nanoTime();
        try {
            String body = part.get();
            report.done(title, (System.nanoTime() - t0) / 1e9, body);
        } catch (RuntimeException e) {
            String msg = e.getMessage() != null ? e.getMessage() : e.toString();
            report.failed(title, (System.nanoTime() - t0) / 1e9, msg);
            System.err.println("eval: " + title + " failed: " + msg);
            failures.add(title + " failed: " + msg);
        }
    }

    /** A sweep's list: the flag's value, the default under --report, none otherwise; a parse error names the flag. */
    private <T> List<T> list(String flag, String value, String deflt, java.util.function.Function<String, List<T>> parse) {
        String v = value != null ? value : reportDir != null ? deflt : null;
        if (v == null || v.trim().equalsIgnoreCase("none")) return List.of();
        try {
            return parse.apply(v);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(flag + ": " + e.getMessage());
        }
    }

    /** The report's header: the exact command, the program, the checkpoints, seeds, counts and the judge. */
    private String header(List<LoadedModel> models, String judgeDescription, List<Double> weights, List<SamplerChoice> samplers) {
        List<String[]> kv = new ArrayList<>();
        kv.add(new String[]{"command", "`" + commandLine() + "`"});
        kv.add(new String[]{"started", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)});
        kv.add(new String[]{"program", "jdiffusion " + Cli.version() + ", java " + Runtime.version() + ", device " + device + ", "
                + Runtime.getRuntime().availableProcessors() + " CPU cores, threads "
                + System.getProperty("jdiffusion.threads", System.getenv().getOrDefault("JDIFFUSION_THREADS", "all"))
                + ", cpu kernels " + (org.jdiffusion.tensor.Backends.of(Device.CPU).getClass().getSimpleName().contains("Reference") ? "reference (scalar)" : "fast (Vector API)")});
        for (int i = 0; i < models.size(); i++) {
            LoadedModel m = models.get(i);
            kv.add(new String[]{"checkpoint " + (i + 1), m.process() == ProcessKind.FLOW
                    ? String.format(Locale.ROOT, "`%s` (%s weights, step %d, model %s, objective %s: a flow-matching model, velocity over t ∈ [0, 1], %d classes)",
                    checkpoints.get(i), noEma ? "model" : "EMA", m.step(), m.metadata().getOrDefault("model", "unet"), m.objective(), m.spec().numClasses())
                    : String.format(Locale.ROOT, "`%s` (%s weights, step %d, model %s, objective %s, prediction %s, %s schedule, T = %d, %d classes)",
                    checkpoints.get(i), noEma ? "model" : "EMA", m.step(), m.metadata().getOrDefault("model", "unet"), m.objective(),
                    m.spec().prediction().key(), m.metadata().getOrDefault("schedule", "?"), m.spec().timesteps(), m.spec().numClasses())});
        }
        kv.add(new String[]{"data", "`" + dataDir + "` (MNIST IDX; bits/dim and FD against the test split, the FD floor from the train split)"});
        kv.add(new String[]{"judge", judgeDescription});
        kv.add(new String[]{"seed", seed + " (x_t noise of the bound; sample i uses noise stream i of this seed in every sampling part)"});
        kv.add(new String[]{"counts", String.format(Locale.ROOT, "likelihood %d test images (stride %d); quality check %d samples (%s %d steps, w = %s); "
                        + "sweeps %d samples per entry (%d guidance weights, %d samplers); batch %d",
                count, stride, samples, models.getFirst().process() == ProcessKind.FLOW ? "flow Euler" : "DDIM", sampleSteps, SweepList.fmt(guidance), sweepSamples, weights.size(), samplers.size(), batch)});
        return EvalReport.bullets(kv);
    }

    /** The command line as typed, shell-quoted where needed. */
    private String commandLine() {
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (args.isEmpty() || !args.getFirst().equals("eval")) args.addFirst("eval");
        StringBuilder sb = new StringBuilder("./jdiffusion");
        for (String a : args) sb.append(' ').append(a.matches("[A-Za-z0-9_./:=,+@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        return sb.toString();
    }
}
