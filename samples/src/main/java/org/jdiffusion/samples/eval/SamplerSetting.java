package org.jdiffusion.samples.eval;

import org.jdiffusion.samples.sample.Sampling;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * One entry of the sampler sweep: a sampler, its number of steps (0 = all T of the checkpoint,
 * for DDPM) and DDIM's η. Written {@code ddpm}, {@code ddpm:N}, {@code ddim:N[:η]} (η 0 unless
 * given) or {@code dpmpp2m:N}. The default sweep is that of the DDIM paper's Table 1 plus
 * DPM-Solver++(2M) at few steps.
 */
public record SamplerSetting(Sampling.Kind kind, int steps, double eta) {
    public static final String DEFAULT_LIST =
            "ddpm:1000,ddim:10:0,ddim:20:0,ddim:50:0,ddim:100:0,ddim:10:1,ddim:20:1,ddim:50:1,ddim:100:1,dpmpp2m:10,dpmpp2m:20";

    /** The comma-separated list of a flag; every error names the entry and the expected form. */
    public static List<SamplerSetting> parseList(String list) {
        List<SamplerSetting> out = new ArrayList<>();
        for (String entry : list.split(",", -1)) out.add(parse(entry.trim()));
        if (new LinkedHashSet<>(out).size() != out.size())
            throw new IllegalArgumentException("sampler list '" + list + "' names a sampler twice");
        return out;
    }

    public static SamplerSetting parse(String s) {
        String form = " (expected ddpm[:STEPS], ddim:STEPS[:ETA] or dpmpp2m:STEPS, e.g. ddim:50:0)";
        if (s.isEmpty()) throw new IllegalArgumentException("empty sampler entry" + form);
        String[] p = s.split(":", -1);
        Sampling.Kind kind;
        try {
            kind = Sampling.Kind.parse(p[0]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "': " + e.getMessage());
        }
        if (p.length > 3 || (p.length == 3 && kind != Sampling.Kind.DDIM))
            throw new IllegalArgumentException("'" + s + "': only ddim takes an η" + form);
        if (p.length == 1 && kind != Sampling.Kind.DDPM) throw new IllegalArgumentException("'" + s + "': missing the number of steps" + form);
        int steps = 0;
        if (p.length >= 2) {
            try {
                steps = Integer.parseInt(p[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "': steps '" + p[1] + "' is not a whole number" + form);
            }
            if (steps < 1) throw new IllegalArgumentException("'" + s + "': steps must be >= 1, got " + steps);
        }
        double eta = 0;
        if (p.length == 3) {
            try {
                eta = Double.parseDouble(p[2].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "': η '" + p[2] + "' is not a number" + form);
            }
            if (!(eta >= 0 && eta <= 1)) throw new IllegalArgumentException("'" + s + "': η must be in [0, 1], got " + p[2]);
        }
        return new SamplerSetting(kind, steps, eta);
    }

    /** The steps actually taken under a schedule of T timesteps; a step count above T is refused. */
    public int stepsFor(int timesteps) {
        if (steps > timesteps)
            throw new IllegalArgumentException("sampler " + label() + ": " + steps + " steps but the checkpoint has only T = " + timesteps + " timesteps");
        return steps == 0 ? timesteps : steps;
    }

    /** The curve this entry belongs to in the plot: ddpm, ddim η=0, ddim η=1, dpmpp2m. */
    public String family() {
        return switch (kind) {
            case DDPM -> "DDPM";
            case DDIM -> "DDIM η=" + fmt(eta);
            case DPMPP2M -> "DPM-Solver++(2M)";
        };
    }

    /** The entry as it is written on the command line. */
    public String label() {
        String k = kind.name().toLowerCase(Locale.ROOT);
        if (steps == 0) return k;
        return kind == Sampling.Kind.DDIM ? k + ":" + steps + ":" + fmt(eta) : k + ":" + steps;
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
    }
}
