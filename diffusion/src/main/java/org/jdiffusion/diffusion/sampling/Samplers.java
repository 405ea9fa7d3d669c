package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.flow.FlowSampler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sampler registry: every sampler the program offers, by name, with its options and defaults
 * ({@link SamplerDef}); {@code sample}, {@code eval} and their help read it. Adding a sampler is its
 * class with a {@code DEF} and one entry in {@link #ALL}. Entries are parsed from
 * {@code NAME[:STEPS][:VALUE][:KEY=VALUE]…} ({@link SamplerChoice}).
 */
public final class Samplers {
    private Samplers() {}

    /** Every registered sampler, in the order help and sweeps list them. */
    public static final List<SamplerDef> ALL = List.of(
            DdpmSampler.DEF, DdimSampler.DEF, EulerSampler.DEF, EulerSampler.ANCESTRAL, HeunSampler.DEF,
            DpmSolverPlusPlus2S.DEF, DpmSolverPlusPlus2M.DEF, DpmSolverPlusPlus3M.DEF, DpmSolverPlusPlusSde.DEF, UniPcSampler.DEF,
            FlowSampler.EULER, FlowSampler.HEUN);

    /** The most steps a flow sampler takes (its time is continuous; this bounds a typo). */
    public static final int MAX_FLOW_STEPS = 10_000;

    static final String FORM = " (expected NAME[:STEPS][:VALUE][:KEY=VALUE]…, e.g. ddim:50:0, heun:18:churn=40, dpmpp2m:20:spacing=karras)";

    public static List<String> names() { return ALL.stream().map(SamplerDef::name).toList(); }

    /** The names of the samplers that serve a process kind. */
    public static List<String> namesFor(ProcessKind p) { return ALL.stream().filter(d -> d.process() == p).map(SamplerDef::name).toList(); }

    public static SamplerDef get(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (SamplerDef d : ALL) if (d.name().equals(n)) return d;
        throw new IllegalArgumentException("unknown sampler '" + name.trim() + "' (expected " + String.join(", ", names()) + ")");
    }

    /** One line per sampler, for --help. */
    public static String help() {
        StringBuilder sb = new StringBuilder();
        for (SamplerDef d : ALL) sb.append("  ").append(d.help()).append('\n');
        return sb.toString();
    }

    /** A comma-separated list; every error names the entry and the expected form. */
    public static List<SamplerChoice> parseList(String list) {
        List<SamplerChoice> out = new ArrayList<>();
        for (String entry : list.split(",", -1)) out.add(parse(entry.trim()));
        if (new LinkedHashSet<>(out.stream().map(SamplerChoice::label).toList()).size() != out.size())
            throw new IllegalArgumentException("sampler list '" + list + "' names a sampler twice");
        return out;
    }

    public static SamplerChoice parse(String s) {
        if (s.isEmpty()) throw new IllegalArgumentException("empty sampler entry" + FORM);
        String[] p = s.split(":", -1);
        SamplerDef def;
        try {
            def = get(p[0]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "': " + e.getMessage());
        }
        int k = 1, steps = 0;
        if (p.length > 1 && !p[1].contains("=")) {
            try {
                steps = Integer.parseInt(p[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "': steps '" + p[1] + "' is not a whole number" + FORM);
            }
            if (steps < 1) throw new IllegalArgumentException("'" + s + "': steps must be >= 1, got " + steps);
            k = 2;
        } else if (!def.allSteps()) throw new IllegalArgumentException("'" + s + "': missing the number of steps" + FORM);
        Map<String, Double> opts = new LinkedHashMap<>();
        Spacing spacing = null;
        boolean bareUsed = false;
        for (; k < p.length; k++) {
            String part = p[k].trim(), key, value;
            int eq = part.indexOf('=');
            if (eq < 0) {
                if (def.options().isEmpty())
                    throw new IllegalArgumentException("'" + s + "': " + def.name() + " has no options, so '" + part + "' sets nothing" + FORM);
                if (bareUsed) throw new IllegalArgumentException("'" + s + "': only one bare value (" + def.options().getFirst().name() + ") may follow the steps" + FORM);
                bareUsed = true;
                key = def.options().getFirst().name();
                value = part;
            } else {
                key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                value = part.substring(eq + 1).trim();
            }
            if (key.equals("spacing")) {
                if (def.process() != ProcessKind.DIFFUSION) throw new IllegalArgumentException("'" + s + "': " + def.name() + " has no spacing (its times are uniform in t)");
                try {
                    spacing = Spacing.fromKey(value);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + s + "': " + e.getMessage());
                }
                continue;
            }
            SamplerDef.Option o = def.option(key);
            if (o == null) throw new IllegalArgumentException("'" + s + "': " + def.name() + " has no option '" + key + "'" + optionList(def));
            if (opts.containsKey(key)) throw new IllegalArgumentException("'" + s + "': sets " + key + " twice");
            double v;
            try {
                v = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "': " + key + " '" + value + "' is not a number" + FORM);
            }
            if (!(v >= o.min() && v <= o.max()) || (o.integer() && v != Math.rint(v)))
                throw new IllegalArgumentException("'" + s + "': " + key + " must be " + (o.integer() ? "a whole number " : "") + "in ["
                        + fmt(o.min()) + ", " + fmt(o.max()) + "], got " + value + " (" + o.help() + ")");
            opts.put(key, v);
        }
        return new SamplerChoice(def, steps, opts, spacing);
    }

    /** " (its options: eta, churn; and spacing)" or " (it has none)". */
    static String optionList(SamplerDef def) {
        List<String> names = new ArrayList<>(def.options().stream().map(SamplerDef.Option::name).toList());
        if (def.process() == ProcessKind.DIFFUSION) names.add("spacing");
        return names.isEmpty() ? " (it has none)" : " (its options: " + String.join(", ", names) + ")";
    }

    public static String fmt(double v) {
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
    }
}
