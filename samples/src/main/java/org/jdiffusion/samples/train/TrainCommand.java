package org.jdiffusion.samples.train;

import org.jdiffusion.diffusion.ScheduleKind;
import org.jdiffusion.dist.Communicator;
import org.jdiffusion.dist.Communicators;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.samples.Main;
import org.jdiffusion.samples.cli.Cli;
import org.jdiffusion.samples.cli.Precision;
import org.jdiffusion.samples.data.BundledMnist;
import org.jdiffusion.samples.data.FashionMnist;
import org.jdiffusion.samples.data.Mnist;
import org.jdiffusion.samples.data.MnistDownload;
import org.jdiffusion.samples.data.Toy2D;
import org.jdiffusion.tensor.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code ./jdiffusion train}: trains a diffusion model on MNIST (IDX files, gzip or not) or a 2-D
 * toy set, writing log.csv, loss.png, sample grids and a checkpoint into the output folder.
 * Ctrl-C finishes the current step and leaves a valid checkpoint; {@code --resume} continues it.
 * Under {@code mpirun -np N} it trains data-parallel (MPI on CPUs, NCCL on GPUs): rank 0 prints
 * and writes, the other ranks are silent.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a diffusion model on MNIST or a 2-D toy set; writes log.csv, loss.png, samples/ and checkpoint.safetensors.",
                "Ctrl-C stops after the current step with a valid checkpoint; --resume continues from it."})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "SET", description = "mnist (default), fashion (Fashion-MNIST from Debian's dataset-fashion-mnist "
            + "package) or a 2-D set: spiral, moons, 8gaussians, checkerboard")
    String data = "mnist";
    @Option(names = "--data-dir", paramLabel = "DIR", description = "folder of MNIST-format IDX files (default: the 10,000-digit MNIST subset "
            + "that ships with the program; with --download, the download cache $XDG_CACHE_HOME/jdiffusion/mnist or ~/.cache/jdiffusion/mnist)")
    Path dataDir;
    @Option(names = "--download", description = "fetch the official MNIST files into --data-dir (or the cache) first, verifying their SHA-256")
    boolean download;
    @Option(names = "--mirror", paramLabel = "URL", description = "MNIST mirror to download from (repeatable; default: two public mirrors)")
    List<URI> mirrors;
    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "run folder (default: ${DEFAULT-VALUE})")
    Path output = Path.of("runs/mnist");
    @Option(names = "--model", paramLabel = "KIND", description = "unet (the reference U-Net, default), tiny (a small U-Net) or mlp (2-D data)")
    String model;
    @Option(names = "--objective", paramLabel = "KIND", description = "eps (default), x0, v, hybrid (learned variance, L_simple + 0.001·L_vlb) "
            + "or flow[:uniform|:logit-normal[:M:S]] (flow matching: the velocity ε − x_0 of x_t = (1−t)·x_0 + t·ε, t uniform by default)")
    String objective = "eps";
    @Option(names = "--schedule", paramLabel = "KIND", description = "linear (default), cosine, scaled_linear or sigmoid")
    String schedule = "linear";
    @Option(names = "--timesteps", paramLabel = "T", description = "diffusion steps T (default: ${DEFAULT-VALUE})")
    int timesteps = 1000;
    @Option(names = "--beta-start", paramLabel = "X", description = "first β of linear/scaled_linear/sigmoid (default: 1e-4, scaled_linear 0.00085)")
    Double betaStart;
    @Option(names = "--beta-end", paramLabel = "X", description = "last β (default: 0.02, scaled_linear 0.012)")
    Double betaEnd;
    @Option(names = "--batch", paramLabel = "N", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch = 64;
    @Option(names = "--steps", paramLabel = "N", description = "total training steps (default: 10000; with --resume: the run's own, or more)")
    Long steps;
    @Option(names = "--lr", paramLabel = "X", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double lr = 2e-4;
    @Option(names = "--warmup", paramLabel = "N", description = "linear learning-rate warm-up steps (default: ${DEFAULT-VALUE})")
    int warmup = 200;
    @Option(names = "--ema-decay", paramLabel = "X", description = "EMA decay of the weights used for sampling (default: ${DEFAULT-VALUE})")
    double emaDecay = 0.999;
    @Option(names = "--p-uncond", paramLabel = "P", description = "probability of dropping the label (classifier-free guidance; default: ${DEFAULT-VALUE})")
    double pUncond = 0.1;
    @Option(names = "--unconditional", description = "ignore the labels (no class conditioning)")
    boolean unconditional;
    @Option(names = "--grad-clip", paramLabel = "X", description = "clip the global gradient norm (0 = off; default: ${DEFAULT-VALUE})")
    double gradClip = 1.0;
    @Option(names = "--device", paramLabel = "D", converter = Cli.DeviceConverter.class, description = "cpu (default) or cuda[:N]")
    Device device = Device.CPU;
    @Option(names = "--precision", paramLabel = "P", description = "fp32 (default) or bf16: matmul, conv and attention multiply bfloat16-rounded "
            + "inputs with float32 accumulation and float32 weights (on CUDA the bf16 tensor-core kernels)")
    String precision = "fp32";

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 0;
    @Option(names = "--checkpoint-every", paramLabel = "N", description = "write the checkpoint every N steps (0 = only at the end; default: ${DEFAULT-VALUE})")
    long checkpointEvery = 1000;
    @Option(names = "--sample-every", paramLabel = "N", description = "write a sample grid every N steps (0 = only at the end; default: ${DEFAULT-VALUE})")
    long sampleEvery = 2000;
    @Option(names = "--preview", paramLabel = "N", description = "samples in each grid of samples/ (0 = none; default: ${DEFAULT-VALUE})")
    int preview = 20;
    @Option(names = "--log-every", paramLabel = "N", description = "a row of log.csv every N steps (default: ${DEFAULT-VALUE})")
    long logEvery = 10;
    @Option(names = "--points", paramLabel = "N", description = "size of a 2-D training set (default: ${DEFAULT-VALUE})")
    int toyPoints = 10000;
    @Option(names = "--comm", paramLabel = "KIND", description = "data-parallel communicator: auto (default: under mpirun with N > 1 ranks, "
            + "mpi on the CPU and nccl on CUDA; otherwise one process), local, mpi or nccl")
    String comm = "auto";
    @Option(names = "--bucket-mb", paramLabel = "MB", description = "gradient all-reduce bucket size in MiB (default: ${DEFAULT-VALUE})")
    double bucketMb = 1;
    @Option(names = "--resume", description = "continue the run in --output from its checkpoint (its settings; --steps may raise the total)")
    boolean resume;
    @Option(names = "--detect-anomaly", description = "check every op's output and gradient for NaN/Inf and name the first op, its shapes "
            + "and the module that called it (several times slower; without it a non-finite loss stops the run with its step)")
    boolean detectAnomaly;

    @Override public Integer call() throws Exception {
        Communicator c = openCommunicator();
        try {
            return locked(c);
        } catch (RuntimeException e) {
            // one rank's failure (bad data folder, NaN loss) ends the whole job instead of leaving the others waiting
            if (c.size() > 1) c.abort("train: " + e.getMessage(), e instanceof Main.UsageException ? 2 : 1);
            throw e;
        } finally {
            c.close();
        }
    }

    private Communicator openCommunicator() {
        Communicators.Kind kind;
        try {
            kind = Communicators.Kind.parse(comm);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--comm: " + e.getMessage());
        }
        Cli.require(bucketMb > 0, "--bucket-mb must be > 0, got " + bucketMb);
        java.util.Map<String, String> env = System.getenv();
        Communicators.Kind resolved;
        try {
            resolved = Communicators.resolve(kind, device, env);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        // one GPU per rank: the launcher's local rank picks it
        if (resolved == Communicators.Kind.NCCL) device = Device.cuda(device.index() + Communicators.launcherLocalRank(env));
        Communicator c = Communicators.open(kind, device, env, Communicators.timeoutSeconds(env));
        if (c.rank() != 0) System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));   // per-rank progress is rank 0's
        return c;
    }

    /** Rank 0 owns the run folder: one run per folder, the lock held until the last file is written. */
    private Integer locked(Communicator c) throws Exception {
        if (c.rank() != 0) return call(c);
        if (resume) Cli.existingFile("--resume: checkpoint", output.resolve(Trainer.CHECKPOINT));
        RunOutputs.ensureDir(output);
        try (RunLock lock = RunLock.acquire(output)) {
            String note = lock.takeOverNote();
            if (note != null) System.out.println(note);
            return call(c);
        }
    }

    private Integer call(Communicator c) throws Exception {
        TrainSettings s;
        TrainingCheckpoint ck = null;
        Path ckPath = output.resolve(Trainer.CHECKPOINT);
        if (c.size() > 1 || !c.name().equals("local"))
            System.out.println("data parallel: " + c.name() + ", " + c.size() + (c.size() == 1 ? " rank" : " ranks")
                    + (c.size() > 1 ? " (rank 0 prints and writes " + output + ")" : ""));
        if (resume) {
            Cli.existingFile("--resume: checkpoint", ckPath);
            ck = TrainingCheckpoint.read(ckPath);
            s = TrainSettings.fromJson(ck.config());
            if (steps != null) {
                Cli.require(steps >= ck.step(), "--steps " + steps + " is below the checkpoint's step " + ck.step());
                s = s.withSteps(steps);
            }
            System.out.println("resuming " + ckPath + " at step " + ck.step() + " of " + s.steps());
        } else {
            s = settings();
        }
        TrainingData d = data(s, c);
        if (c.rank() == 0) RunOutputs.ensureDir(output);
        System.out.println("train: " + s.summary());
        System.out.println("data:  " + d.describe());
        Trainer trainer = new Trainer(s, d, output, device, c, (long) (bucketMb * (1 << 20))).detectAnomaly(detectAnomaly);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            try {
                if (!trainer.awaitFinished(120_000)) System.err.println("train: gave up waiting for the checkpoint after 120 s");
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "jdiffusion-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Trainer.Outcome o;
        try {
            o = trainer.run(ck, null);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for the files written above
            }
        }
        return o.interrupted() ? 130 : 0;
    }

    TrainSettings settings() {
        boolean fashion = data.equals("fashion");
        boolean mnist = data.equals("mnist") || fashion;   // 28×28 IDX images: the digits or Fashion-MNIST
        String dataKey;
        if (mnist) {
            dataKey = data;
        } else {
            try {
                dataKey = Toy2D.parse(data).key();
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--data: unknown data set '" + data + "' (expected mnist, fashion, spiral, moons, 8gaussians or checkerboard)");
            }
        }
        Nets.Kind kind;
        try {
            kind = model == null ? (mnist ? Nets.Kind.UNET : Nets.Kind.MLP) : Nets.Kind.parse(model);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--model: " + e.getMessage());
        }
        Cli.require(mnist == (kind != Nets.Kind.MLP), "--model " + kind.key() + " does not fit --data " + data
                + (mnist ? " (images need unet or tiny)" : " (2-D data needs mlp)"));
        Cli.require(Set.of("eps", "x0", "v", "hybrid").contains(objective) || objective.equals("flow") || objective.startsWith("flow:"),
                "--objective: unknown objective '" + objective + "' (expected eps, x0, v, hybrid or flow[:uniform|:logit-normal[:M:S]])");
        if (objective.startsWith("flow:")) {
            try {
                org.jdiffusion.diffusion.flow.FlowTimes.parse(objective.substring(5));
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--objective: " + e.getMessage());
            }
        }
        ScheduleKind sk;
        try {
            sk = ScheduleKind.fromKey(schedule);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--" + e.getMessage());
        }
        double b0 = betaStart != null ? betaStart : sk == ScheduleKind.SCALED_LINEAR ? 0.00085 : 1e-4;
        double b1 = betaEnd != null ? betaEnd : sk == ScheduleKind.SCALED_LINEAR ? 0.012 : 0.02;
        Cli.require(timesteps >= 2 && timesteps <= org.jdiffusion.diffusion.DiffusionSpec.MAX_TIMESTEPS,
                "--timesteps must be in 2.." + org.jdiffusion.diffusion.DiffusionSpec.MAX_TIMESTEPS + ", got " + timesteps);
        Cli.require(b0 > 0 && b1 > b0 && b1 < 1, "--beta-start and --beta-end must satisfy 0 < start < end < 1, got " + b0 + ", " + b1);
        long total = steps != null ? steps : 10000;
        Cli.require(batch >= 1 && total >= 1 && warmup >= 0 && logEvery >= 1 && checkpointEvery >= 0 && sampleEvery >= 0 && toyPoints >= 2 && preview >= 0,
                "--batch, --steps and --log-every must be >= 1, --warmup, --checkpoint-every, --sample-every and --preview >= 0, --points >= 2");
        Cli.require(lr > 0 && lr < 1, "--lr must be in (0, 1), got " + lr);
        Cli.require(emaDecay >= 0 && emaDecay < 1, "--ema-decay must be in [0, 1), got " + emaDecay);
        Cli.require(pUncond >= 0 && pUncond <= 1, "--p-uncond must be in [0, 1], got " + pUncond);
        Cli.require(gradClip >= 0, "--grad-clip must be >= 0, got " + gradClip);
        Precision prec = Precision.ofFlag(precision);
        Cli.require(!(fashion && download), "--download fetches MNIST digits; Fashion-MNIST comes from Debian's dataset-fashion-mnist package");
        Path dir = dataDir != null ? dataDir : fashion ? FashionMnist.dir() : download ? MnistDownload.defaultCache()
                : mnist ? BundledMnist.dir() : MnistDownload.defaultCache();
        return new TrainSettings(dataKey, mnist ? dir.toAbsolutePath().toString() : "", kind, objective, sk, timesteps, b0, b1, batch, total, lr,
                warmup, emaDecay, pUncond, mnist && !unconditional, seed, checkpointEvery, sampleEvery, logEvery, gradClip, toyPoints, preview, prec);
    }

    private TrainingData data(TrainSettings s, Communicator c) {
        if (!s.isMnist()) return TrainingData.toy(Toy2D.parse(s.data()), s.toyPoints(), s.seed());
        Path dir = Path.of(s.dataDir());
        if (download) {
            if (c.rank() == 0) {   // one download per job; the other ranks wait for it
                System.out.println("downloading MNIST into " + dir);
                MnistDownload.fetch(dir, mirrors == null || mirrors.isEmpty() ? MnistDownload.MIRRORS : mirrors, MnistDownload.OFFICIAL,
                        line -> System.out.println("  " + line));
            }
            c.barrier(3600);
        } else if (!Files.isDirectory(dir)) {
            throw new Main.UsageException("--data-dir: no such directory: " + dir);
        } else if (dataDir == null) {
            System.out.println("data: " + (s.data().equals("fashion") ? "Fashion-MNIST from " + dir : BundledMnist.DESCRIPTION));
        }
        return TrainingData.mnist(Mnist.load(dir, Mnist.Split.TRAIN), dir.toString());
    }
}
