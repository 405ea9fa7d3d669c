package org.jdiffusion.samples.sample;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.DiffusionSpec;
import org.jdiffusion.diffusion.NetworkDenoiser;
import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.flow.FlowMatching;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.diffusion.sampling.SamplerTarget;
import org.jdiffusion.diffusion.sampling.Samplers;
import org.jdiffusion.diffusion.sampling.Solver;
import org.jdiffusion.samples.train.Nets;

/**
 * The program's side of the sampler registry ({@link Samplers}): a registered sampler built for a
 * checkpoint's process kind and diffusion keys, the default sampler of each kind, and a network as
 * a {@link Denoiser} (a flow model's network sees its time t ∈ [0, 1] as 1000·t).
 */
public final class Sampling {
    private Sampling() {}

    /** The sampler a checkpoint gets when none is named: DDIM (η = 0) for a diffusion model, Euler over t for a flow model. */
    public static SamplerChoice defaultChoice(ProcessKind process, int steps) {
        return process == ProcessKind.FLOW ? SamplerChoice.of("flow-euler", steps) : SamplerChoice.of("ddim", steps);
    }

    /** A fresh sampler of a registry entry for a checkpoint, refused by name when it cannot serve it. */
    public static Solver sampler(SamplerChoice choice, DiffusionSpec spec, ProcessKind process) {
        return choice.build(SamplerTarget.of(process, spec));
    }

    /** The network in eval mode without gradients, with the time input its process expects. */
    public static Denoiser denoiser(Nets.Net net, ProcessKind process) {
        if (process == ProcessKind.DIFFUSION) return denoiser(net);
        return FlowMatching.denoiser(net::forward);
    }

    /** The network (in eval mode, as loaded) without gradients: diffusion's one network adapter. */
    public static Denoiser denoiser(Nets.Net net) { return new NetworkDenoiser(net::forward); }

    /** Appends the sampler registry to the help of sample and eval: one line per sampler with its options and defaults. */
    public static void addRegistryHelp(picocli.CommandLine cl) {
        for (String name : java.util.List.of("sample", "eval")) {
            picocli.CommandLine sub = cl.getSubcommands().get(name);
            if (sub == null) continue;
            var usage = sub.getCommandSpec().usageMessage();
            java.util.List<String> footer = new java.util.ArrayList<>(java.util.List.of(usage.footer()));
            footer.add("");
            footer.add("Samplers: NAME — method (paper), then KEY=default: meaning, and a diffusion");
            footer.add("sampler's default spacing:");
            for (var d : Samplers.ALL) for (String line : d.helpLines()) footer.add("  " + line.replace("%", "%%"));
            usage.footer(footer.toArray(String[]::new));
        }
    }

    /** d with each call inside a bf16 {@link org.jdiffusion.tensor.Autocast} scope (the network's GEMMs, convolutions and attention). */
    public static Denoiser bf16(Denoiser d) {
        return (xt, t, y) -> {
            try (var scope = org.jdiffusion.tensor.Autocast.bf16()) {
                return d.predict(xt, t, y);
            }
        };
    }
}
