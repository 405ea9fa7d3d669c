package org.jdiffusion.samples.train;

import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.flow.FlowMatching;
import org.jdiffusion.diffusion.flow.FlowTimes;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ScheduleKind;
import org.jdiffusion.nn.io.Json;
import org.jdiffusion.samples.cli.Precision;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a {@code train} run was started with; stored in its checkpoints (as the opaque
 * {@code config} string, a flat JSON object) so {@code --resume} continues with the same settings.
 * The objective is eps, x0, v (L_simple on that prediction), hybrid (ε with a learned variance,
 * L_simple + λ·L_vlb, Nichol &amp; Dhariwal 2021) or flow[:TIMES] (flow matching, the velocity of the
 * linear interpolant, t uniform or logit-normal). Checkpoints written before {@code precision}
 * existed resume in fp32.
 */
public record TrainSettings(String data, String dataDir, Nets.Kind model, String objective, ScheduleKind schedule, int timesteps,
                            double betaStart, double betaEnd, int batch, long steps, double lr, int warmup, double emaDecay,
                            double pUncond, boolean conditional, long seed, long checkpointEvery, long sampleEvery, long logEvery,
                            double gradClip, int toyPoints, int preview, Precision precision) {

    /** Whether the steps run inside an {@link org.jdiffusion.tensor.Autocast} bf16 scope. */
    public boolean bf16() { return precision == Precision.BF16; }

    /** The diffusion prediction; a flow objective's network predicts the velocity, recorded as such by {@link #flowMetadata}. */
    public Prediction prediction() { return objective.equals("hybrid") || isFlow() ? Prediction.EPS : Prediction.fromKey(objective); }

    /** Whether the objective is flow matching: {@code flow} (uniform t) or {@code flow:logit-normal[:M:S]}. */
    public boolean isFlow() { return objective.equals("flow") || objective.startsWith("flow:"); }

    /** The training-time sampling of a flow objective: after {@code flow:}, uniform when absent. */
    public FlowTimes flowTimes() { return objective.equals("flow") ? FlowTimes.UNIFORM : FlowTimes.parse(objective.substring(5)); }

    /** A flow checkpoint's metadata keys (process, prediction, the time sampling); none for a diffusion objective. */
    public Map<String, String> flowMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        if (!isFlow()) return m;
        m.put(ProcessKind.KEY, ProcessKind.FLOW.key());
        m.put("prediction", FlowMatching.PREDICTION);
        m.put("flow_times", flowTimes().key());
        m.put("flow_time_scale", Double.toString(FlowMatching.TIME_SCALE));
        return m;
    }

    public boolean learnedVariance() { return objective.equals("hybrid"); }

    /** Whether the data are 28×28 IDX images (the MNIST digits or Fashion-MNIST), not a 2-D set. */
    public boolean isMnist() { return data.equals("mnist") || data.equals("fashion"); }

    /** The checkpoint metadata a sampler needs (the diffusion module's keys). */
    public DiffusionSpec spec(int numClasses) {
        int nc = conditional ? numClasses : 0;
        return new DiffusionSpec(schedule, betaStart, betaEnd, timesteps, prediction(), nc, nc > 0 ? nc : -1, false, learnedVariance());
    }

    public String toJson() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data", data);
        m.put("data_dir", dataDir);
        m.put("model", model.key());
        m.put("objective", objective);
        m.put("schedule", schedule.key());
        m.put("timesteps", Integer.toString(timesteps));
        m.put("beta_start", Double.toString(betaStart));
        m.put("beta_end", Double.toString(betaEnd));
        m.put("batch", Integer.toString(batch));
        m.put("steps", Long.toString(steps));
        m.put("lr", Double.toString(lr));
        m.put("warmup", Integer.toString(warmup));
        m.put("ema_decay", Double.toString(emaDecay));
        m.put("p_uncond", Double.toString(pUncond));
        m.put("conditional", Boolean.toString(conditional));
        m.put("seed", Long.toString(seed));
        m.put("checkpoint_every", Long.toString(checkpointEvery));
        m.put("sample_every", Long.toString(sampleEvery));
        m.put("log_every", Long.toString(logEvery));
        m.put("grad_clip", Double.toString(gradClip));
        m.put("toy_points", Integer.toString(toyPoints));
        m.put("preview", Integer.toString(preview));
        m.put("precision", precision.key());
        return Json.writeStringMap(m);
    }

    public static TrainSettings fromJson(String json) {
        if (!(Json.parse(json) instanceof Map<?, ?> raw)) throw new IllegalArgumentException("train settings: expected a JSON object, got " + json);
        Map<String, String> m = new LinkedHashMap<>();
        raw.forEach((k, v) -> m.put(String.valueOf(k), String.valueOf(v)));
        try {
            return checked(new TrainSettings(get(m, "data"), get(m, "data_dir"), Nets.Kind.parse(get(m, "model")), get(m, "objective"),
                    ScheduleKind.fromKey(get(m, "schedule")), Integer.parseInt(get(m, "timesteps")), Double.parseDouble(get(m, "beta_start")),
                    Double.parseDouble(get(m, "beta_end")), Integer.parseInt(get(m, "batch")), Long.parseLong(get(m, "steps")),
                    Double.parseDouble(get(m, "lr")), Integer.parseInt(get(m, "warmup")), Double.parseDouble(get(m, "ema_decay")),
                    Double.parseDouble(get(m, "p_uncond")), Boolean.parseBoolean(get(m, "conditional")), Long.parseLong(get(m, "seed")),
                    Long.parseLong(get(m, "checkpoint_every")), Long.parseLong(get(m, "sample_every")), Long.parseLong(get(m, "log_every")),
                    Double.parseDouble(get(m, "grad_clip")), Integer.parseInt(get(m, "toy_points")), Integer.parseInt(get(m, "preview")),
                    Precision.fromKey(m.getOrDefault("precision", "fp32"))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("train settings in the checkpoint are malformed: " + e.getMessage());
        }
    }

    /**
     * Settings read from a file pass the checks {@code train}'s flags pass, so a checkpoint cannot
     * resume into a run that divides by a zero log interval or builds a schedule of 2^31 steps.
     */
    private static TrainSettings checked(TrainSettings s) {
        java.util.List<String> bad = new java.util.ArrayList<>();
        if (!s.isMnist()) {
            try { org.jdiffusion.samples.data.Toy2D.parse(s.data()); } catch (IllegalArgumentException e) { bad.add("data '" + s.data() + "'"); }
        }
        if (s.isMnist() == (s.model() == Nets.Kind.MLP)) bad.add("model " + s.model().key() + " for data " + s.data());
        if (!java.util.Set.of("eps", "x0", "v", "hybrid").contains(s.objective())) bad.add("objective '" + s.objective() + "'");
        if (s.timesteps() < 2 || s.timesteps() > DiffusionSpec.MAX_TIMESTEPS) bad.add("timesteps " + s.timesteps());
        if (!(s.betaStart() > 0 && s.betaEnd() > s.betaStart() && s.betaEnd() < 1)) bad.add("betas " + s.betaStart() + ", " + s.betaEnd());
        if (s.batch() < 1 || s.steps() < 1 || s.logEvery() < 1) bad.add("batch, steps and log_every must be >= 1");
        if (s.warmup() < 0 || s.checkpointEvery() < 0 || s.sampleEvery() < 0 || s.preview() < 0 || s.toyPoints() < 2)
            bad.add("warmup, checkpoint_every, sample_every and preview must be >= 0, toy_points >= 2");
        if (!(s.lr() > 0 && s.lr() < 1)) bad.add("lr " + s.lr());
        if (!(s.emaDecay() >= 0 && s.emaDecay() < 1)) bad.add("ema_decay " + s.emaDecay());
        if (!(s.pUncond() >= 0 && s.pUncond() <= 1)) bad.add("p_uncond " + s.pUncond());
        if (!(s.gradClip() >= 0)) bad.add("grad_clip " + s.gradClip());
        if (!bad.isEmpty()) throw new IllegalArgumentException("train settings in the checkpoint are out of range: " + String.join("; ", bad));
        return s;
    }

    private static String get(Map<String, String> m, String k) {
        String v = m.get(k);
        if (v == null) throw new IllegalArgumentException("train settings in the checkpoint lack '" + k + "'");
        return v;
    }

    public TrainSettings withSteps(long s) {
        return new TrainSettings(data, dataDir, model, objective, schedule, timesteps, betaStart, betaEnd, batch, s, lr, warmup, emaDecay,
                pUncond, conditional, seed, checkpointEvery, sampleEvery, logEvery, gradClip, toyPoints, preview, precision);
    }

    public String summary() {
        return String.format(Locale.ROOT, "%s · %s model · %s objective · %s schedule, T=%d · batch %d · %d steps · lr %.2g (warm-up %d) · EMA %.4g%s%s",
                data, model.key(), objective, schedule.key(), timesteps, batch, steps, lr, warmup, emaDecay,
                conditional ? String.format(Locale.ROOT, " · p_uncond %.2f", pUncond) : "",
                bf16() ? " · bf16 autocast" : "");
    }
}
