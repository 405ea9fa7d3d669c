package org.jdiffusion.samples.demo;

import org.jdiffusion.diffusion.continuous.VeProcess;
import org.jdiffusion.diffusion.metrics.SlicedWasserstein;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.diffusion.sampling.Trajectory;
import org.jdiffusion.samples.cli.Cli;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.samples.io.Npy;
import org.jdiffusion.samples.io.NpyArray;
import org.jdiffusion.samples.io.Outputs;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./jdiffusion demo}: small MLP denoisers trained on 2-D data with the variance-exploding
 * process of Nakkiran et al. 2024, and everything they show written to one folder — the spiral
 * memorisation experiment (DDIM trajectories for 10, 20 and 40 training points), DDPM and DDIM
 * samples against the data for four toy sets with their sliced-Wasserstein distances, the loss
 * curves, the samples as .npy, a metrics CSV and an HTML page that shows it all.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train small MLP denoisers on 2-D data (about two minutes on a laptop CPU) and write pictures, metrics and an HTML page.",
                "Open OUTPUT/index.html afterwards."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "output folder (default: ${DEFAULT-VALUE})")
    Path output = Path.of("demo-out");
    @Option(names = "--steps", paramLabel = "N", description = "training steps per toy data set (default: ${DEFAULT-VALUE})")
    int steps = 3000;
    @Option(names = "--memorise-steps", paramLabel = "N", description = "training steps per spiral memorisation model (default: ${DEFAULT-VALUE})")
    int memoriseSteps = 3000;
    @Option(names = "--batch", paramLabel = "N", description = "training batch (default: ${DEFAULT-VALUE})")
    int batch = 128;
    @Option(names = "--points", paramLabel = "N", description = "samples drawn per data set and sampler (default: ${DEFAULT-VALUE})")
    int points = 1000;
    @Option(names = "--trajectories", paramLabel = "N", description = "DDIM trajectories per memorisation panel (default: ${DEFAULT-VALUE})")
    int trajectories = 150;
    @Option(names = "--sampling-steps", paramLabel = "N", description = "discretisation steps N of the process, Δt = 1/N (default: ${DEFAULT-VALUE})")
    int processSteps = 200;
    @Option(names = "--trajectory-steps", paramLabel = "N", description = "DDIM steps of the memorisation trajectories (default: ${DEFAULT-VALUE})")
    int trajectorySteps = 1000;
    @Option(names = "--sigma", paramLabel = "X", description = "noise scale σ_q of the process, x_1 ~ N(0, σ_q²) (default: ${DEFAULT-VALUE})")
    double sigma = 2.0;
    @Option(names = "--lr", paramLabel = "X", description = "peak Adam learning rate (default: ${DEFAULT-VALUE})")
    double lr = 2e-3;
    @Option(names = "--sets", paramLabel = "LIST", split = ",", description = "toy sets (default: spiral,moons,8gaussians,checkerboard)")
    List<String> sets = List.of(Toy2D.keys());
    @Option(names = "--memorise", paramLabel = "LIST", split = ",", description = "spiral training-set sizes of the memorisation figure (default: 10,20,40)")
    List<Integer> memorise = List.of(10, 20, 40);
    @Option(names = "--objective", paramLabel = "KIND", converter = ObjectiveConverter.class,
            description = "x0 (denoising, default) or pseudocode1 (the paper's pairs ‖f(x_{t+Δt}) − x_t‖², same minimiser, noisier)")
    ToyRun.Objective objective = ToyRun.Objective.X0;
    @Option(names = "--threads", paramLabel = "N", description = "runs trained at once (default: the number of cores)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 0;

    static final class ObjectiveConverter implements picocli.CommandLine.ITypeConverter<ToyRun.Objective> {
        @Override public ToyRun.Objective convert(String s) {
            try {
                return ToyRun.Objective.parse(s);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** What the demo measured: sliced-Wasserstein distance per set and sampler, and the output files. */
    public record Result(Map<String, Double> swDdpm, Map<String, Double> swDdim, Map<String, Double> swReference, List<Path> files) {}

    @Override public Integer call() {
        Cli.require(steps >= 1 && memoriseSteps >= 1 && batch >= 1 && points >= 2 && trajectories >= 1 && processSteps >= 2 && trajectorySteps >= 2,
                "--steps, --memorise-steps, --batch, --trajectories must be >= 1, --points, --sampling-steps and --trajectory-steps >= 2");
        Cli.require(threads >= 1, "--threads must be >= 1");
        Cli.require(sigma > 0 && lr > 0, "--sigma and --lr must be > 0");
        List<Toy2D> kinds = new ArrayList<>();
        for (String s : sets) {
            try {
                kinds.add(Toy2D.parse(s));
            } catch (IllegalArgumentException e) {
                throw new org.jdiffusion.samples.Main.UsageException("--sets: " + e.getMessage());
            }
        }
        for (int n : memorise) Cli.require(n >= 1, "--memorise: training-set sizes must be >= 1, got " + n);
        Result r = run(kinds);
        System.out.println();
        System.out.println("sliced-Wasserstein distance to fresh data (lower is better; data vs data for scale):");
        for (Toy2D k : kinds)
            System.out.printf(Locale.ROOT, "  %-13s DDPM %.4f   DDIM %.4f   data %.4f%n", k.key(),
                    r.swDdpm().get(k.key()), r.swDdim().get(k.key()), r.swReference().get(k.key()));
        System.out.println("wrote " + r.files().size() + " files to " + output.toAbsolutePath() + "; open " + output.resolve("index.html"));
        return 0;
    }

    Result run(List<Toy2D> kinds) {
        VeProcess process = new VeProcess(sigma, processSteps);
        long total = (long) steps * kinds.size() + (long) memoriseSteps * memorise.size();
        Progress bar = Progress.onStdout("demo", total);
        AtomicLong done = new AtomicLong();
        List<Path> files = new ArrayList<>();

        // every model trains on its own seeded streams, so running them at once changes no number
        Map<String, Callable<ToyRun>> jobs = new LinkedHashMap<>();
        Map<Integer, Tensor> memTrain = new LinkedHashMap<>();
        for (int n : memorise) {
            Tensor train = Toy2D.SPIRAL.sample(new Generator(seed).fork(100 + n), n);
            memTrain.put(n, train);
            jobs.put("spiral, " + n + " points", () -> ToyRun.train(process, objective, ToyRun.resample(train, batch, seed + 7L * n),
                    memoriseSteps, lr, seed + 1000 + n, loss -> report(bar, done, loss)));
        }
        for (Toy2D kind : kinds) {
            Generator data = new Generator(seed).fork(200 + kind.ordinal());
            jobs.put(kind.key(), () -> ToyRun.train(process, objective, s -> kind.sample(data, batch), steps, lr,
                    seed + 2000 + kind.ordinal(), loss -> report(bar, done, loss)));
        }
        Map<String, ToyRun> runs = runAll(jobs);
        bar.finish();
        Map<String, double[]> lossCurves = new LinkedHashMap<>();
        runs.forEach((k, r) -> lossCurves.put(k, r.losses()));

        // 1. memorisation → generalisation on the spiral (Nakkiran et al. 2024, Fig. 6)
        List<DemoFigures.Memorisation> mem = new ArrayList<>();
        for (int n : memorise) {
            Tensor x1 = process.prior(new int[]{trajectories, 2}, Noise.perSample(seed + 5, 0), DType.FLOAT32, Device.CPU);
            // the x_0 objective learns D for every t, so its trajectories may take a finer grid than training's Δt
            VeProcess fine = objective == ToyRun.Objective.X0 ? new VeProcess(sigma, trajectorySteps) : process;
            mem.add(new DemoFigures.Memorisation(n + " training points", memTrain.get(n),
                    fine.sampleDdim(runs.get("spiral, " + n + " points").denoiser(fine), x1, true)));
        }
        if (!mem.isEmpty() && runs.containsKey(Toy2D.SPIRAL.key())) {
            Tensor x1 = process.prior(new int[]{trajectories, 2}, Noise.perSample(seed + 5, 0), DType.FLOAT32, Device.CPU);
            VeProcess fine = objective == ToyRun.Objective.X0 ? new VeProcess(sigma, trajectorySteps) : process;
            mem.add(new DemoFigures.Memorisation("fresh data every step", null, fine.sampleDdim(runs.get(Toy2D.SPIRAL.key()).denoiser(fine), x1, true)));
        }

        // 2. four toy sets: DDPM and DDIM samples against the data
        Map<String, Double> swDdpm = new LinkedHashMap<>(), swDdim = new LinkedHashMap<>(), swRef = new LinkedHashMap<>();
        List<DemoFigures.Samples> samples = new ArrayList<>();
        for (Toy2D kind : kinds) {
            ToyRun run = runs.get(kind.key());
            Tensor reference = kind.sample(new Generator(seed).fork(300 + kind.ordinal()), points);
            Tensor reference2 = kind.sample(new Generator(seed).fork(400 + kind.ordinal()), points);
            Tensor x1 = process.prior(new int[]{points, 2}, Noise.perSample(seed + 11, 0), DType.FLOAT32, Device.CPU);
            Tensor ddpm = process.sampleDdpm(run.denoiser(), x1, Noise.perSample(seed + 12, 0), false).sample();
            Tensor ddim = process.sampleDdim(run.denoiser(), x1, false).sample();
            swDdpm.put(kind.key(), SlicedWasserstein.of(ddpm, reference));
            swDdim.put(kind.key(), SlicedWasserstein.of(ddim, reference));
            swRef.put(kind.key(), SlicedWasserstein.of(reference2, reference));
            samples.add(new DemoFigures.Samples(kind, reference, ddpm, ddim, swDdpm.get(kind.key()), swDdim.get(kind.key())));
            for (String sampler : new String[]{"ddpm", "ddim"}) {
                Path npy = output.resolve("samples-" + kind.key() + "-" + sampler + ".npy");
                Npy.write(npy, NpyArray.of(sampler.equals("ddpm") ? ddpm : ddim));
                files.add(npy);
            }
        }

        // 3. pictures, metrics, page
        DemoFigures figs = new DemoFigures(output, sigma);
        if (!mem.isEmpty()) files.add(figs.memorisation(mem));
        if (!samples.isEmpty()) files.add(figs.samples(samples));
        files.add(figs.losses(lossCurves, objective));
        StringBuilder csv = new StringBuilder("set,sampler,sliced_wasserstein,data_vs_data\n");
        for (Toy2D k : kinds) {
            csv.append(String.format(Locale.ROOT, "%s,ddpm,%.6f,%.6f%n", k.key(), swDdpm.get(k.key()), swRef.get(k.key())));
            csv.append(String.format(Locale.ROOT, "%s,ddim,%.6f,%.6f%n", k.key(), swDdim.get(k.key()), swRef.get(k.key())));
        }
        Path metrics = output.resolve("metrics.csv");
        Outputs.writeString(metrics, csv.toString());
        files.add(metrics);
        files.add(figs.page(kinds, swDdpm, swDdim, swRef, memorise, steps, memoriseSteps, processSteps, !mem.isEmpty(), !samples.isEmpty(), objective));
        return new Result(swDdpm, swDdim, swRef, files);
    }

    private static void report(Progress bar, AtomicLong done, double loss) {
        long d = done.incrementAndGet();
        synchronized (bar) {
            bar.update(d, "loss", loss);
        }
    }

    private Map<String, ToyRun> runAll(Map<String, Callable<ToyRun>> jobs) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, jobs.size())));
        try {
            Map<String, Future<ToyRun>> futures = new LinkedHashMap<>();
            jobs.forEach((k, j) -> futures.put(k, pool.submit(j)));
            Map<String, ToyRun> out = new LinkedHashMap<>();
            for (var e : futures.entrySet()) {
                try {
                    out.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException ex) {
                    throw ex.getCause() instanceof RuntimeException r ? r : new IllegalStateException("training " + e.getKey() + " failed", ex.getCause());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while training " + e.getKey());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
