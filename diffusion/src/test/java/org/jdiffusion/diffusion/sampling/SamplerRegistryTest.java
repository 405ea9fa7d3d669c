package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ProcessKind;
import org.jdiffusion.diffusion.toy.MixtureDenoiser;
import org.jdiffusion.diffusion.toy.MixtureMoments;
import org.jdiffusion.diffusion.toy.MixtureVelocity;
import org.jdiffusion.diffusion.toy.Mixtures;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sampler registry: every registered sampler builds from its entry, counts its network
 * evaluations exactly, reproduces the mixture through the registry's defaults, and is refused by
 * name where it cannot serve a model.
 */
class SamplerRegistryTest {
    private final NoiseSchedule lin = NoiseSchedule.linear(1000);
    private final SamplerTarget eps = SamplerTarget.diffusion(lin, Prediction.EPS, false), flow = SamplerTarget.flow();

    private static void has(String err, String... parts) {
        for (String p : parts) assertTrue(err.contains(p), "expected '" + p + "' in:\n" + err);
    }

    private SamplerTarget targetOf(SamplerDef d) { return d.process() == ProcessKind.FLOW ? flow : eps; }

    private Denoiser modelOf(SamplerDef d) {
        return d.process() == ProcessKind.FLOW ? new MixtureVelocity(Mixtures.THREE) : new MixtureDenoiser(lin, Prediction.EPS, Mixtures.THREE);
    }

    @Test void theIssuesNamesAreRegistered() {
        assertEquals(List.of("ddpm", "ddim", "euler", "euler-a", "heun", "dpmpp2s", "dpmpp2m", "dpmpp3m", "dpmpp-sde", "unipc", "flow-euler", "flow-heun"),
                Samplers.names());
        assertEquals(List.of("flow-euler", "flow-heun"), Samplers.namesFor(ProcessKind.FLOW));
        for (SamplerDef d : Samplers.ALL) assertTrue(Samplers.help().contains(d.help()));
    }

    /** A run calls the network exactly evaluations() times: the x-axis of the sampler sweep. */
    @Test void evaluationsAreCountedExactly() {
        for (SamplerDef d : Samplers.ALL) {
            for (int steps : new int[]{2, 7}) {
                SamplerChoice c = new SamplerChoice(d, steps, java.util.Map.of(), null);
                Solver s = c.build(targetOf(d));
                int[] calls = {0};
                Denoiser m = modelOf(d);
                Denoiser counted = (x, t, y) -> { calls[0]++; return m.predict(x, t, y); };
                Tensor out = SamplingLoop.sample(s, counted, new int[]{4, 2}, null, 1, DType.FLOAT64, Device.CPU);
                assertEquals(s.evaluations(), calls[0], d.name() + " at " + steps + " steps");
                int perStep = d.name().equals("heun") || d.name().equals("dpmpp2s") || d.name().equals("flow-heun") ? 2 : 1;
                assertEquals(perStep * steps - (perStep - 1), c.evaluations(targetOf(d)), d.name());
                for (double v : out.toDoubleArray()) assertTrue(Double.isFinite(v), d.name());
            }
        }
    }

    /** Every sampler at its defaults, through the registry, reproduces the mixture (3000 samples: loose tolerances). */
    @Test void everySamplerReproducesTheMixture() {
        for (SamplerDef d : Samplers.ALL) {
            int steps = d.name().equals("ddpm") ? 250 : d.name().startsWith("euler") || d.name().equals("flow-euler") ? 60 : 25;
            Solver s = new SamplerChoice(d, steps, java.util.Map.of(), null).build(targetOf(d));
            Tensor x = SamplingLoop.sample(s, modelOf(d), new int[]{3000, 2}, null, 3, DType.FLOAT64, Device.CPU);
            MixtureMoments.of(Mixtures.THREE, x).assertMatches(Mixtures.THREE, 0.04, 0.2, 0.3, d.name() + " " + steps);
        }
    }

    /**
     * Any schedule and parameterisation: every diffusion sampler on a zero-terminal-SNR cosine schedule with
     * v-prediction (trailing spacing, the first step from ᾱ = 0) and on the linear one with x0-prediction.
     */
    @Test void everyDiffusionSamplerServesVAndX0ModelsAndZeroTerminalSnr() {
        NoiseSchedule zsnr = NoiseSchedule.cosine(1000).rescaleZeroTerminalSnr();
        for (SamplerDef d : Samplers.ALL) {
            if (d.process() != ProcessKind.DIFFUSION) continue;
            int steps = d.name().equals("ddpm") ? 100 : d.name().startsWith("euler") || d.name().equals("ddim") ? 40 : 20;
            for (Object[] c : new Object[][]{{zsnr, Prediction.V}, {lin, Prediction.X0}}) {
                NoiseSchedule sch = (NoiseSchedule) c[0];
                Prediction p = (Prediction) c[1];
                Solver s = new SamplerChoice(d, steps, java.util.Map.of(), null).build(SamplerTarget.diffusion(sch, p, false));
                if (sch == zsnr) assertEquals(999, s.timesteps()[0], d.name() + " starts at ᾱ = 0");
                Tensor x = SamplingLoop.sample(s, new MixtureDenoiser(sch, p, Mixtures.THREE), new int[]{2000, 2}, null, 5, DType.FLOAT64, Device.CPU);
                MixtureMoments.of(Mixtures.THREE, x).assertMatches(Mixtures.THREE, 0.04, 0.2, 0.3, d.name() + " " + p + (sch == zsnr ? " zero SNR" : ""));
            }
        }
    }

    @Test void entriesParseAndLabelBack() {
        for (String e : new String[]{"ddpm", "ddpm:100", "ddim:50:0", "ddim:50:0.5", "euler:10", "euler-a:10", "euler-a:10:eta=0.5", "heun:18:churn=40",
                "dpmpp2s:8", "dpmpp2m:20", "dpmpp2m:20:spacing=karras", "dpmpp3m:15", "dpmpp-sde:20", "unipc:10", "unipc:10:order=3",
                "unipc:10:corrector=0", "flow-euler:20", "flow-heun:10"})
            assertEquals(e, Samplers.parse(e).label());
        assertEquals("ddim:50:0.5", Samplers.parse("ddim:50:eta=0.5").label());
        assertEquals("euler-a:10", Samplers.parse("euler-a:10:1").label());
        SamplerChoice h = Samplers.parse("heun:18:churn=40:snoise=1.003");
        assertEquals(40, h.option("churn"));
        assertEquals(0.05, h.option("tmin"));
        assertEquals("Heun churn=40 snoise=1.003", h.family());
        assertEquals("DDIM η=0", Samplers.parse("ddim:5").family());
        assertNull(Samplers.parse("dpmpp2m:20").spacing());
        assertEquals(Spacing.KARRAS, Samplers.parse("dpmpp2m:20:spacing=karras").spacingFor(eps));
        assertEquals(Spacing.LOG_SNR, Samplers.parse("dpmpp2m:20").spacingFor(eps));
        assertEquals(Spacing.TRAILING, Samplers.parse("euler:20").spacingFor(SamplerTarget.diffusion(lin.rescaleZeroTerminalSnr(), Prediction.V, false)));
    }

    @Test void badEntriesAreNamed() {
        String[][] cases = {
                {"eulr:10", "'eulr:10': unknown sampler 'eulr' (expected ddpm, ddim, euler, euler-a, heun, dpmpp2s, dpmpp2m, dpmpp3m, dpmpp-sde, unipc, flow-euler, flow-heun)"},
                {"heun", "'heun': missing the number of steps"},
                {"heun:x", "steps 'x' is not a whole number"},
                {"heun:10:2:3", "only one bare value (churn)"},
                {"dpmpp2m:10:1", "dpmpp2m has no options, so '1' sets nothing"},
                {"heun:10:churn=-1", "churn must be in [0, 1000], got -1"},
                {"unipc:10:order=2.5", "order must be a whole number in [1, 3], got 2.5"},
                {"unipc:10:order=4", "order must be a whole number in [1, 3]"},
                {"ddim:10:speed=1", "ddim has no option 'speed' (its options: eta, spacing)"},
                {"ddim:10:spacing=cubic", "unknown spacing 'cubic'"},
                {"flow-euler:10:spacing=karras", "flow-euler has no spacing"},
                {"euler-a:10:eta=1:eta=0", "sets eta twice"},
                {"dpmpp2m:10,dpmpp2m:10:spacing=log-snr", "names a sampler twice"}};
        for (String[] c : cases) has(assertThrows(IllegalArgumentException.class, () -> Samplers.parseList(c[0])).getMessage(), c[1]);
        assertEquals(2, Samplers.parse("heun:10:2").option("churn"));
    }

    /** The refusals: the wrong kind of model, or a step count the sampler cannot use, in one line naming all three. */
    @Test void refusalsNameTheSamplerTheModelAndWhatWorks() {
        has(assertThrows(IllegalArgumentException.class, () -> Samplers.parse("dpmpp2m:20").build(flow)).getMessage(),
                "sampler dpmpp2m:20 cannot sample a flow-matching model", "use flow-euler, flow-heun");
        has(assertThrows(IllegalArgumentException.class, () -> Samplers.parse("flow-heun:20").build(eps)).getMessage(),
                "sampler flow-heun:20 cannot sample an ε-prediction diffusion model (T = 1000)", "use ddpm, ddim, euler");
        has(assertThrows(IllegalArgumentException.class, () -> Samplers.parse("heun:2000").build(eps)).getMessage(),
                "sampler heun:2000: 2000 steps but the checkpoint has only T = 1000 timesteps (an ε-prediction diffusion model (T = 1000); use 1 to 1000 steps)");
        has(assertThrows(IllegalArgumentException.class, () -> Samplers.parse("ddpm:1").build(eps)).getMessage(),
                "sampler ddpm:1: ddpm needs at least 2 steps, got 1");
        has(assertThrows(IllegalArgumentException.class, () -> Samplers.parse("flow-euler:20000").build(flow)).getMessage(),
                "a flow sampler takes at most 10000");
        has(assertThrows(IllegalArgumentException.class, () -> Samplers.parse("ddpm").build(flow)).getMessage(), "cannot sample a flow-matching model");
        has(assertThrows(IllegalArgumentException.class,
                        () -> Samplers.parse("euler:10:spacing=linspace").build(SamplerTarget.diffusion(lin.rescaleZeroTerminalSnr(), Prediction.EPS, false))).getMessage(),
                "EulerSampler: an ε-prediction model cannot be sampled from timestep 999 where ᾱ = 0");
    }

    /** Karras spacing: each timestep is the one nearest in log σ̃ to σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ. */
    @Test void karrasSpacing() {
        int n = 12;
        long[] ts = Spacing.KARRAS.timesteps(lin, n);
        double smax = VpGrid.sigmaVe(lin, 999), smin = VpGrid.sigmaVe(lin, 0);
        assertEquals(999, ts[0]);
        assertEquals(0, ts[n - 1]);
        for (int i = 1; i < n - 1; i++) {
            double target = Math.pow(Math.pow(smax, 1 / 7.0) + i / (n - 1.0) * (Math.pow(smin, 1 / 7.0) - Math.pow(smax, 1 / 7.0)), 7);
            double d = Math.abs(Math.log(VpGrid.sigmaVe(lin, ts[i]) / target));
            assertTrue(d <= Math.abs(Math.log(VpGrid.sigmaVe(lin, ts[i] + 1) / target)) && d <= Math.abs(Math.log(VpGrid.sigmaVe(lin, ts[i] - 1) / target)),
                    "timestep " + ts[i] + " is not the nearest to σ = " + target);
            assertTrue(ts[i] < ts[i - 1]);
        }
        assertEquals(Spacing.KARRAS, Spacing.fromKey("karras"));
        assertEquals(Spacing.LOG_SNR, Spacing.fromKey("log-snr"));
    }
}
