package org.jdiffusion.samples.eval;

import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.diffusion.sampling.SamplerDef;
import org.jdiffusion.diffusion.sampling.SamplerTarget;
import org.jdiffusion.diffusion.sampling.Samplers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sampler sweep's list: entries of the sampler registry ({@code NAME[:STEPS][:VALUE][:KEY=VALUE]…},
 * comma-separated), {@code default} (a diffusion model: the DDIM paper's Table 1 plus DPM-Solver++(2M);
 * a flow model: flow Euler and Heun at 10, 20 and 50 evaluations), or {@code all[:NFE/NFE/…]}: every
 * registered sampler of the checkpoint's kind at each budget of network evaluations (default
 * 10/20/50; a two-evaluation step counts twice), after DDPM with all T steps as the reference.
 */
final class SweepList {
    private SweepList() {}

    static final String DEFAULT = "default";
    static final String DIFFUSION_DEFAULT =
            "ddpm:1000,ddim:10:0,ddim:20:0,ddim:50:0,ddim:100:0,ddim:10:1,ddim:20:1,ddim:50:1,ddim:100:1,dpmpp2m:10,dpmpp2m:20";
    static final String FLOW_DEFAULT = "flow-euler:10,flow-euler:20,flow-euler:50,flow-heun:5,flow-heun:10,flow-heun:25";
    static final int[] ALL_BUDGETS = {10, 20, 50};

    /** Whether a list is resolved only once the checkpoint is known (default, all). */
    static boolean dependsOnModel(String list) {
        String v = list.trim().toLowerCase(Locale.ROOT);
        return v.equals(DEFAULT) || v.equals("all") || v.startsWith("all:");
    }

    /** Checks a list's syntax before any work (a model-dependent list is checked when resolved). */
    static List<SamplerChoice> parse(String list) {
        if (dependsOnModel(list)) {
            if (list.trim().toLowerCase(Locale.ROOT).startsWith("all:")) budgets(list);
            return List.of();
        }
        return Samplers.parseList(list);
    }

    /** The entries for a checkpoint of the given kind. */
    static List<SamplerChoice> resolve(String list, SamplerTarget target) {
        String v = list.trim().toLowerCase(Locale.ROOT);
        if (v.equals(DEFAULT)) return Samplers.parseList(target.process() == ProcessKind.FLOW ? FLOW_DEFAULT : DIFFUSION_DEFAULT);
        if (v.equals("all") || v.startsWith("all:")) return all(target, budgets(list));
        return Samplers.parseList(list);
    }

    /** Every registered sampler of the target's kind at the most steps whose evaluations fit each budget, ddpm (all T) first. */
    static List<SamplerChoice> all(SamplerTarget target, int[] budgets) {
        List<SamplerChoice> out = new ArrayList<>();
        if (target.process() == ProcessKind.DIFFUSION) out.add(SamplerChoice.of("ddpm", 0));
        for (SamplerDef d : Samplers.ALL) {
            if (d.process() != target.process() || d.name().equals("ddpm")) continue;
            for (int b : budgets) {
                SamplerChoice c = new SamplerChoice(d, b, java.util.Map.of(), null);
                while (c.steps() > d.minSteps() && c.evaluations(target) > b) c = c.withSteps(c.steps() - 1);
                if (target.timesteps() > 0 && c.steps() > target.timesteps()) c = c.withSteps(target.timesteps());
                SamplerChoice fin = c;
                if (out.stream().noneMatch(o -> o.label().equals(fin.label()))) out.add(c);
            }
        }
        return out;
    }

    static int[] budgets(String list) {
        String v = list.trim();
        if (!v.toLowerCase(Locale.ROOT).startsWith("all:")) return ALL_BUDGETS;
        String[] p = v.substring(4).split("/", -1);
        int[] b = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            try {
                b[i] = Integer.parseInt(p[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + v + "': budget '" + p[i] + "' is not a whole number (expected all[:NFE/NFE/…], e.g. all:10/20/50)");
            }
            if (b[i] < 1) throw new IllegalArgumentException("'" + v + "': budgets must be >= 1, got " + b[i]);
        }
        return b;
    }

    static String fmt(double v) { return Samplers.fmt(v); }
}
