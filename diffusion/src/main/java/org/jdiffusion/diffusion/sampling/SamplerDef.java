package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;

import java.util.List;
import java.util.Map;

/**
 * A sampler's registration: its name on the command line, a title for tables and plots, the paper,
 * the process kind it serves, its default {@link Spacing} (diffusion samplers; trailing instead
 * on a zero-terminal-SNR schedule), the fewest steps it can take, whether {@code steps} may be left
 * out to mean all T (DDPM), its options with their defaults, and how to build it. Each sampler
 * class holds its own {@code DEF}; {@link Samplers} lists them.
 */
public record SamplerDef(String name, String title, String paper, ProcessKind process, Spacing spacing, int minSteps, boolean allSteps,
                         List<Option> options, Builder builder) {

    /**
     * A numeric option: name, one-line help, default and range; {@code integer} options take whole
     * numbers; a {@code shown} option always appears in the sampler's label (DDIM's η: ddim:50:0).
     */
    public record Option(String name, String help, double defaultValue, double min, double max, boolean integer, boolean shown) {
        public static Option real(String name, String help, double defaultValue, double min, double max) {
            return new Option(name, help, defaultValue, min, max, false, false);
        }

        public static Option whole(String name, String help, int defaultValue, int min, int max) {
            return new Option(name, help, defaultValue, min, max, true, false);
        }

        public Option alwaysShown() { return new Option(name, help, defaultValue, min, max, integer, true); }
    }

    /** Builds a fresh sampler: {@code timesteps} is the spaced list of a diffusion target (null for a flow target). */
    @FunctionalInterface
    public interface Builder {
        Solver build(SamplerTarget target, int steps, long[] timesteps, Map<String, Double> options);
    }

    public SamplerDef {
        options = List.copyOf(options);
        if (process == ProcessKind.DIFFUSION && spacing == null) throw new IllegalArgumentException("SamplerDef " + name + ": a diffusion sampler needs a default spacing");
    }

    public Option option(String name) {
        for (Option o : options) if (o.name().equals(name)) return o;
        return null;
    }

    /** Help as short lines: "ddim — DDIM (paper)", then one indented line per option and the default spacing. */
    public List<String> helpLines() {
        List<String> out = new java.util.ArrayList<>();
        out.add(name + " — " + title + " (" + paper + ")");
        for (Option o : options) out.add("    " + o.name() + "=" + Samplers.fmt(o.defaultValue()) + ": " + o.help());
        if (spacing != null) out.add("    spacing=" + spacing.key());
        return out;
    }

    /** One line for help texts: "ddim — DDIM (Song et al. 2021); eta=0 (η ∈ [0, 1] …); spacing linspace". */
    public String help() {
        StringBuilder sb = new StringBuilder(name).append(" — ").append(title).append(" (").append(paper).append(")");
        for (Option o : options)
            sb.append("; ").append(o.name()).append('=').append(Samplers.fmt(o.defaultValue())).append(" (").append(o.help()).append(')');
        if (spacing != null) sb.append("; spacing=").append(spacing.key());
        return sb.toString();
    }
}
