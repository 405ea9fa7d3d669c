package org.jdiffusion.diffusion;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a checkpoint must record for its model to be sampled correctly, as its {@code __metadata__}
 * keys: {@code schedule}, {@code beta_start}, {@code beta_end}, {@code timesteps}, {@code prediction},
 * {@code num_classes}, {@code null_class}, and {@code zero_snr}, {@code learned_variance} when set.
 * {@code numClasses} 0 means unconditional; {@code nullClass} is the label that stands for "no
 * class" in classifier-free guidance (−1 when there is none).
 */
public record DiffusionSpec(ScheduleKind schedule, double betaStart, double betaEnd, int timesteps, Prediction prediction,
                            int numClasses, int nullClass, boolean zeroSnr, boolean learnedVariance) {

    /** The most timesteps a spec may name: its schedule's arrays are allocated from it. */
    public static final int MAX_TIMESTEPS = 100_000;

    public DiffusionSpec {
        if (schedule == null || prediction == null) throw new IllegalArgumentException("DiffusionSpec: schedule and prediction are required");
        if (timesteps < 2 || timesteps > MAX_TIMESTEPS)
            throw new IllegalArgumentException("DiffusionSpec: timesteps must be in 2.." + MAX_TIMESTEPS + ", got " + timesteps);
        if (numClasses < 0) throw new IllegalArgumentException("DiffusionSpec: num_classes must be >= 0, got " + numClasses);
        if (nullClass >= 0 && nullClass < numClasses)
            throw new IllegalArgumentException("DiffusionSpec: null_class " + nullClass + " collides with a real class (0.." + (numClasses - 1) + ")");
    }

    /** The linear schedule of Ho et al. (1e-4 → 0.02, T = 1000) with ε-prediction, unconditional. */
    public static DiffusionSpec ddpm() { return new DiffusionSpec(ScheduleKind.LINEAR, 1e-4, 0.02, 1000, Prediction.EPS, 0, -1, false, false); }

    /** The noise schedule these keys describe (rescaled to zero terminal SNR when {@code zero_snr}). */
    public NoiseSchedule noiseSchedule() {
        NoiseSchedule s = NoiseSchedule.of(schedule, timesteps, betaStart, betaEnd);
        return zeroSnr ? s.rescaleZeroTerminalSnr() : s;
    }

    public DiffusionSpec withPrediction(Prediction p) {
        return new DiffusionSpec(schedule, betaStart, betaEnd, timesteps, p, numClasses, nullClass, zeroSnr, learnedVariance);
    }

    public DiffusionSpec withClasses(int numClasses, int nullClass) {
        return new DiffusionSpec(schedule, betaStart, betaEnd, timesteps, prediction, numClasses, nullClass, zeroSnr, learnedVariance);
    }

    public DiffusionSpec withZeroSnr(boolean z) {
        return new DiffusionSpec(schedule, betaStart, betaEnd, timesteps, prediction, numClasses, nullClass, z, learnedVariance);
    }

    public DiffusionSpec withLearnedVariance(boolean l) {
        return new DiffusionSpec(schedule, betaStart, betaEnd, timesteps, prediction, numClasses, nullClass, zeroSnr, l);
    }

    /** The metadata entries, in a stable order; the two optional flags only when set. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("schedule", schedule.key());
        m.put("beta_start", Double.toString(betaStart));
        m.put("beta_end", Double.toString(betaEnd));
        m.put("timesteps", Integer.toString(timesteps));
        m.put("prediction", prediction.key());
        m.put("num_classes", Integer.toString(numClasses));
        m.put("null_class", Integer.toString(nullClass));
        if (zeroSnr) m.put("zero_snr", "true");
        if (learnedVariance) m.put("learned_variance", "true");
        return m;
    }

    /** Reads the keys above; other entries are ignored. Each required key must be present. */
    public static DiffusionSpec fromMetadata(Map<String, String> m) {
        return new DiffusionSpec(
                ScheduleKind.fromKey(required(m, "schedule")),
                number(m, "beta_start"), number(m, "beta_end"),
                (int) integer(m, "timesteps", 2, MAX_TIMESTEPS),
                Prediction.fromKey(required(m, "prediction")),
                (int) integer(m, "num_classes", 0, Integer.MAX_VALUE), (int) integer(m, "null_class", -1, Integer.MAX_VALUE),
                flag(m, "zero_snr"), flag(m, "learned_variance"));
    }

    private static String required(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null)
            throw new IllegalArgumentException("checkpoint metadata: missing key '" + key + "' (have " + m.keySet()
                    + "; expected schedule, beta_start, beta_end, timesteps, prediction, num_classes, null_class)");
        return v.trim();
    }

    private static double number(Map<String, String> m, String key) {
        String v = required(m, key);
        try { return Double.parseDouble(v); }
        catch (NumberFormatException e) { throw new IllegalArgumentException("checkpoint metadata: '" + key + "' = '" + v + "' is not a number"); }
    }

    private static long integer(Map<String, String> m, String key, long min, long max) {
        String v = required(m, key);
        long x;
        try { x = Long.parseLong(v); }
        catch (NumberFormatException e) { throw new IllegalArgumentException("checkpoint metadata: '" + key + "' = '" + v + "' is not an integer"); }
        if (x < min || x > max)
            throw new IllegalArgumentException("checkpoint metadata: '" + key + "' = " + x + " is outside " + min + ".." + max);
        return x;
    }

    private static boolean flag(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) return false;
        return switch (v.trim().toLowerCase()) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new IllegalArgumentException("checkpoint metadata: '" + key + "' = '" + v + "' (expected true or false)");
        };
    }
}
