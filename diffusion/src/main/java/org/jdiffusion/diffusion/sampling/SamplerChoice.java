package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A registered sampler with its step count and options, as written on the command line:
 * {@code NAME[:STEPS][:VALUE][:KEY=VALUE]…} — e.g. {@code ddim:50:0.5} (a bare value sets the
 * sampler's first option, DDIM's η), {@code heun:18:churn=40}, {@code dpmpp2m:20:spacing=karras},
 * {@code ddpm} (all T steps). Steps 0 means all T (only for samplers that allow it). Options left out
 * take their defaults; {@code spacing} null means the sampler's default.
 */
public record SamplerChoice(SamplerDef def, int steps, Map<String, Double> options, Spacing spacing) {
    public SamplerChoice {
        Map<String, Double> all = new LinkedHashMap<>();
        for (SamplerDef.Option o : def.options()) all.put(o.name(), options.getOrDefault(o.name(), o.defaultValue()));
        for (String k : options.keySet())
            if (def.option(k) == null) throw new IllegalArgumentException("sampler " + def.name() + " has no option '" + k + "'" + Samplers.optionList(def));
        options = java.util.Collections.unmodifiableMap(all);
        if (steps < 0) throw new IllegalArgumentException("sampler " + def.name() + ": steps must be >= 1, got " + steps);
    }

    /** The sampler at {@code steps} with its default options. */
    public static SamplerChoice of(String name, int steps) { return new SamplerChoice(Samplers.get(name), steps, Map.of(), null); }

    public String name() { return def.name(); }

    public double option(String name) {
        Double v = options.get(name);
        if (v == null) throw new IllegalArgumentException("sampler " + def.name() + " has no option '" + name + "'" + Samplers.optionList(def));
        return v;
    }

    public SamplerChoice withSteps(int s) { return new SamplerChoice(def, s, options, spacing); }

    public SamplerChoice withOption(String name, double value) {
        Map<String, Double> m = new LinkedHashMap<>(options);
        m.put(name, value);
        return new SamplerChoice(def, steps, m, spacing);
    }

    /** The steps taken on a target: all T for 0 (when allowed). */
    public int stepsFor(SamplerTarget target) { return steps == 0 ? target.timesteps() : steps; }

    /**
     * Refuses, with one line naming the sampler, the model's kind and what would work, a sampler that
     * cannot serve the target: the wrong process kind, or a step count it cannot use.
     */
    public void check(SamplerTarget target) {
        if (def.process() != target.process()) {
            String what = def.process() == ProcessKind.FLOW ? "it integrates a flow model's velocity over t ∈ [0, 1]"
                    : "it solves the reverse process of an ε, x0 or v diffusion model";
            throw new IllegalArgumentException("sampler " + label() + " cannot sample " + target.describe() + ": " + what + "; use "
                    + String.join(", ", Samplers.namesFor(target.process())));
        }
        if (steps == 0 && (!def.allSteps() || target.process() == ProcessKind.FLOW))
            throw new IllegalArgumentException("sampler " + label() + ": missing the number of steps (e.g. " + def.name() + ":20)");
        int n = stepsFor(target), max = target.process() == ProcessKind.FLOW ? Samplers.MAX_FLOW_STEPS : target.timesteps();
        if (n > max)
            throw new IllegalArgumentException("sampler " + label() + ": " + n + " steps but " + (target.process() == ProcessKind.FLOW
                    ? "a flow sampler takes at most " + max : "the checkpoint has only T = " + max + " timesteps")
                    + " (" + target.describe() + "; use " + def.minSteps() + " to " + max + " steps)");
        if (n < def.minSteps())
            throw new IllegalArgumentException("sampler " + label() + ": " + def.name() + " needs at least " + def.minSteps() + " steps, got " + n
                    + " (" + target.describe() + "; use " + def.minSteps() + " to " + max + " steps)");
    }

    /** A fresh sampler for the target (after {@link #check}). */
    public Solver build(SamplerTarget target) {
        check(target);
        int n = stepsFor(target);
        long[] ts = null;
        if (target.process() == ProcessKind.DIFFUSION) ts = spacingFor(target).timesteps(target.schedule(), n);
        return def.builder().build(target, n, ts, options);
    }

    /** The spacing used on a target: the chosen one, else the sampler's default (trailing at zero terminal SNR). */
    public Spacing spacingFor(SamplerTarget target) {
        if (spacing != null) return spacing;
        return target.schedule() != null && target.schedule().isZeroTerminalSnr() ? Spacing.TRAILING : def.spacing();
    }

    /** Network evaluations of one run on the target. */
    public int evaluations(SamplerTarget target) { return build(target).evaluations(); }

    /** The entry as written on the command line (defaults left out, DDIM's η always shown). */
    public String label() {
        StringBuilder sb = new StringBuilder(def.name());
        if (steps > 0) sb.append(':').append(steps);
        for (SamplerDef.Option o : def.options()) {
            double v = options.get(o.name());
            if (o.shown()) sb.append(':').append(Samplers.fmt(v));
            else if (v != o.defaultValue()) sb.append(':').append(o.name()).append('=').append(Samplers.fmt(v));
        }
        if (spacing != null && spacing != def.spacing()) sb.append(":spacing=").append(spacing.key());
        return sb.toString();
    }

    /** The curve this entry belongs to in a plot: the title with its shown and non-default options ("DDIM η=0"). */
    public String family() {
        StringBuilder sb = new StringBuilder(def.title());
        for (SamplerDef.Option o : def.options()) {
            double v = options.get(o.name());
            if (o.shown() || v != o.defaultValue()) sb.append(' ').append(o.name().equals("eta") ? "η" : o.name()).append('=').append(Samplers.fmt(v));
        }
        if (spacing != null && spacing != def.spacing()) sb.append(", ").append(spacing.key());
        return sb.toString();
    }
}
