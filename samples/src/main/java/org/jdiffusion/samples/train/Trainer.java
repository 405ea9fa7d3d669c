package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Anomaly;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.flow.FlowMatching;
import org.jdiffusion.diffusion.flow.FlowTimes;
import org.jdiffusion.diffusion.guidance.ConditionDropout;
import org.jdiffusion.diffusion.loss.DiffusionLoss;
import org.jdiffusion.diffusion.loss.HybridLoss;
import org.jdiffusion.diffusion.loss.NoisyBatch;
import org.jdiffusion.diffusion.loss.UniformTimesteps;
import org.jdiffusion.dist.Communicator;
import org.jdiffusion.dist.LocalCommunicator;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.nn.optim.GradClip;
import org.jdiffusion.nn.optim.LrSchedule;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.tensor.Autocast;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The training loop of {@code train}: uniform timesteps, the forward process, the chosen
 * objective, Adam with linear warm-up, global-norm clipping, EMA; every named generator (data
 * order, noise, condition dropout, dropout masks) lives in the checkpoint, so a resumed run
 * continues exactly where it stopped. A stop request (Ctrl-C) ends the current step, writes a
 * checkpoint and the logs, and returns. With a {@link Communicator} of N ranks each process
 * trains on its rows of every global batch and averages gradients with the others
 * ({@link DataParallel}); rank 0 alone writes the run folder.
 */
public final class Trainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";

    /** Called after every step (tests use it to stop a run at a chosen step). */
    public interface StepHook { void after(Trainer trainer, long step, double loss); }

    public record Outcome(long step, boolean interrupted, Path checkpoint) {}

    private final TrainSettings s;
    private final TrainingData data;
    private final Path out;
    private final Device device;
    private final RunOutputs outputs;
    private final DataParallel dp;
    private final long bucketBytes;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private boolean detectAnomaly;
    private final GradNormWatch normWatch = new GradNormWatch();

    public Trainer(TrainSettings settings, TrainingData data, Path out, Device device) {
        this(settings, data, out, device, new LocalCommunicator(), DEFAULT_BUCKET_BYTES);
    }

    /** Gradient bucket size of data-parallel runs (PyTorch DDP uses 25 MB; the reference U-Net has 6.5 MB of gradients). */
    public static final long DEFAULT_BUCKET_BYTES = 1 << 20;

    /** A trainer that is rank {@code comm.rank()} of a data-parallel run of {@code comm.size()} ranks. */
    public Trainer(TrainSettings settings, TrainingData data, Path out, Device device, Communicator comm, long bucketBytes) {
        this.dp = new DataParallel(comm, settings.batch());
        this.bucketBytes = bucketBytes;
        this.s = settings;
        this.data = data;
        this.out = out;
        this.device = device;
        this.outputs = new RunOutputs(out, settings);
    }

    public void requestStop() { stopRequested = true; }

    /** Checks every op's output and gradient for NaN/Inf ({@link Anomaly}); several times slower. */
    public Trainer detectAnomaly(boolean on) {
        detectAnomaly = on;
        return this;
    }

    /** Blocks until the run has written its last files (for a shutdown hook), at most {@code millis}. */
    public boolean awaitFinished(long millis) throws InterruptedException {
        return finished.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public DiffusionSpec spec() { return s.spec(data.classes()); }

    /** Builds the network this run trains. */
    static Nets.Net build(TrainSettings s, int classes, Generator g) {
        int nc = s.conditional() ? classes : 0;
        return switch (s.model()) {
            case UNET -> Nets.unet(Nets.referenceConfig(nc, s.learnedVariance()), Nets.Kind.UNET, g);
            case TINY -> Nets.unet(Nets.tinyConfig(nc, s.learnedVariance()), Nets.Kind.TINY, g);
            case MLP -> Nets.mlp(s.learnedVariance(), g);
        };
    }

    public Outcome run(TrainingCheckpoint resume, StepHook hook) {
        try {
            return loop(resume, hook);
        } finally {
            finished.countDown();
        }
    }

    private Outcome loop(TrainingCheckpoint resume, StepHook hook) {
        DiffusionSpec spec = spec();
        Generator root = new Generator(s.seed());
        Map<String, Generator> rngs = new LinkedHashMap<>();
        rngs.put("data", root.fork(1));
        rngs.put("noise", root.fork(2));
        rngs.put("dropout", root.fork(3));
        rngs.put("cond", root.fork(4));
        Nets.Net net = build(s, data.classes(), root.fork(0));
        net.module().to(device);
        Adam opt = Adam.adam(net.module().namedParameters(), s.lr());
        Ema ema = new Ema(net.module(), s.emaDecay(), 10);   // d_n = min(decay, (1+n)/(10+n)): short runs average recent weights
        long start = 0;
        if (resume != null) {
            resume.restore(net.module(), ema, opt);
            for (String k : rngs.keySet()) rngs.put(k, resume.rng(k));
            start = resume.step();
            outputs.resumeLog(start);
        }
        if (net.module() instanceof UNet u) u.setDropoutGenerator(rngs.get("dropout"));
        net.module().train();
        dp.prepare(net.module(), bucketBytes);

        DiffusionLoss simple = new DiffusionLoss(spec.noiseSchedule(), spec.prediction());
        HybridLoss hybrid = s.learnedVariance() ? new HybridLoss(spec.noiseSchedule(), spec.prediction()) : null;
        UniformTimesteps timesteps = new UniformTimesteps(spec.timesteps());
        FlowTimes flowTimes = s.isFlow() ? s.flowTimes() : null;       // flow matching instead of the diffusion loss
        if (flowTimes != null && dp.parallel())   // its time and noise draws are not yet split by rank as the diffusion draws are
            throw new IllegalArgumentException("train: --objective flow runs on one rank for now (data-parallel training shards "
                    + "the diffusion objectives' draws only); start it without mpirun");
        ConditionDropout dropout = spec.numClasses() > 0 ? new ConditionDropout(s.pUncond(), spec.nullClass()) : null;
        LrSchedule lr = LrSchedule.linearWarmup(s.lr(), Math.max(1, s.warmup()));
        Progress bar = Progress.onStdout("train", s.steps());
        Path ck = out.resolve(CHECKPOINT);
        Map<String, String> meta = metadata(spec);

        long step = start;
        boolean interrupted = false, agreedStop = false;
        while (step < s.steps()) {
            if (dp.parallel() ? agreedStop : stopRequested) { interrupted = true; break; }
            double l, norm;
            // every intermediate of the step (activations, their gradients, the batch) goes back to its pool at the
            // end of the step; parameters, gradient buffers, Adam's moments, the EMA and the all-reduce buckets live
            // outside the scope
            try (MemoryScope stepScope = MemoryScope.open("train step")) {
                Generator gData = rngs.get("data"), gNoise = rngs.get("noise");
                long[] ids = Rand.randint(gData, 0, data.count(), Device.CPU, s.batch()).toLongArray();
                int[] idx = new int[ids.length];
                for (int i = 0; i < idx.length; i++) idx[i] = (int) ids[i];
                // every draw is of the global batch, as in one process; a data-parallel rank keeps its rows
                Tensor x0 = data.batch(dp.shard(idx)).to(device);
                Tensor y = dropout == null ? null : dp.shard(dropout.apply(data.labels(idx).to(device), rngs.get("cond")));
                NoisyBatch nb = flowTimes != null ? null : simple.noisy(x0, dp.shard(timesteps.sample(s.batch(), gNoise, device).t()),
                        dp.shardGenerator(gNoise, x0.numel() / x0.size(0)));
                FlowMatching.Batch fb = flowTimes != null ? FlowMatching.noisy(x0, flowTimes, gNoise) : null;
                opt.setLr(lr.lr(step));
                opt.zeroGrad();
                Variable loss;
                try (Autocast ignored = s.bf16() ? Autocast.bf16() : null;   // forward and backward; the update stays float32
                     Anomaly.Scope anomaly = detectAnomaly ? Anomaly.detect(net.module().namedParameters()) : null) {
                    if (fb != null) loss = FlowMatching.loss(net.forward(Variable.constant(fb.xt()), fb.networkTime(), y), fb);
                    else {
                        Variable output = net.forward(Variable.constant(nb.xt()), nb.t(), y);
                        loss = hybrid != null ? hybrid.compute(output, nb, null).loss() : simple.simple(output, nb);
                    }
                    dp.backward(loss);   // with N ranks: the global batch's average gradient
                } catch (Anomaly.AnomalyException e) {
                    throw new NonFiniteException("train: step " + (step + 1) + " stopped, nothing of it applied; " + e.getMessage()
                            + lastGood(ck), e);
                }
                // the norm and the clipping factor stay on the device; the one wait of the step reads the loss and the
                // norm after clipping is queued and before the update, so a non-finite step is never applied
                Tensor gradNorm = s.gradClip() > 0 ? GradClip.clipGlobalNormDeferred(opt.parameters().values(), s.gradClip())
                        : GradClip.globalNormDeferred(opt.parameters().values());
                l = loss.item();
                norm = gradNorm == null ? 0 : gradNorm.item();
                // checked before the update, so the weights, the EMA and the last checkpoint stay those of the last good step
                if (!Double.isFinite(l) || !Double.isFinite(norm))
                    throw new NonFiniteException("train: the " + (Double.isFinite(l) ? "gradient norm" : "loss") + " became "
                            + (Double.isFinite(l) ? norm : l) + " at step " + (step + 1) + "; the step was not applied" + lastGood(ck)
                            + ". Rerun with --detect-anomaly (and --resume) to name the first op that produced it; lower --lr or keep --grad-clip");
                String spike = normWatch.observe(step + 1, norm);
                if (spike != null) bar.note(spike);
                opt.step();
                ema.update(net.module());
                step++;
            }
            DataParallel.Agreed agreed = dp.agree(l, stopRequested);   // the global batch's loss, and one stop decision
            agreedStop = agreed.stop();
            l = agreed.loss();
            if (dp.lead())   // rank 0 alone keeps the log and the run page (record rewrites the page every few seconds)
                outputs.record(step, l, opt.lr(), norm, step % s.logEvery() == 0 || step == s.steps());
            bar.update(step, "loss", l, "lr", opt.lr());
            if (hook != null) hook.after(this, step, l);
            if (s.sampleEvery() > 0 && step % s.sampleEvery() == 0 && step < s.steps()) {
                if (dp.lead()) outputs.previewSamples(net, ema, spec, step, device);
                dp.afterLeadWork();
            }
            if (s.checkpointEvery() > 0 && step % s.checkpointEvery() == 0 && step < s.steps()) {
                dp.checkInStep(net.module(), step);
                if (dp.lead()) {
                    save(ck, net, ema, opt, step, rngs, meta);
                    outputs.writeLogs();
                }
                dp.afterLeadWork();
            }
        }
        bar.finish();
        dp.checkInStep(net.module(), step);
        if (dp.lead()) {
            save(ck, net, ema, opt, step, rngs, meta);
            if (!interrupted) outputs.previewSamples(net, ema, spec, step, device);
            outputs.finish(step, interrupted);
            if (dp.parallel()) System.out.println(dp.stats());
        }
        dp.afterLeadWork();
        // said here, before the run counts as finished: after a signal the JVM exits as soon as the shutdown hook returns
        System.out.println((interrupted ? "stopped at step " : "done: step ") + step + "; checkpoint " + ck
                + (interrupted ? " (continue with --resume)" : ""));
        System.out.flush();
        return new Outcome(step, interrupted, ck);
    }

    /** A non-finite loss, gradient or op output: training stopped before applying the step. */
    public static final class NonFiniteException extends IllegalStateException {
        NonFiniteException(String message) { super(message); }

        NonFiniteException(String message, Throwable cause) { super(message, cause); }
    }

    private static String lastGood(Path ck) {
        if (!java.nio.file.Files.exists(ck)) return "; no checkpoint was written yet";
        try {
            return "; the last good checkpoint is kept: " + ck + " (step " + TrainingCheckpoint.readStep(ck) + ")";
        } catch (RuntimeException e) {
            return "; the last checkpoint is kept: " + ck;
        }
    }

    private Map<String, String> metadata(DiffusionSpec spec) {
        Map<String, String> m = new LinkedHashMap<>(spec.toMetadata());
        m.put("model", s.model().key());
        m.put("data", s.data());
        m.put("sample_shape", java.util.Arrays.toString(data.sampleShape()).replace(" ", ""));
        m.putAll(s.flowMetadata());
        return m;
    }

    private void save(Path ck, Nets.Net net, Ema ema, Adam opt, long step, Map<String, Generator> rngs, Map<String, String> meta) {
        TrainingCheckpoint.save(ck, net.module(), ema, opt, step, rngs, s.toJson(), meta);
    }
}
