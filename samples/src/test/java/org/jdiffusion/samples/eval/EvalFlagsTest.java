package org.jdiffusion.samples.eval;

import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.sampling.SamplerChoice;
import org.jdiffusion.diffusion.sampling.SamplerTarget;
import org.jdiffusion.diffusion.sampling.Samplers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep lists and eval's flags: what parses, and a clear message for each bad value. */
class EvalFlagsTest {
    @TempDir Path dir;

    private static void has(String err, String... parts) {
        for (String p : parts) assertTrue(err.contains(p), "expected '" + p + "' in:\n" + err);
    }

    @Test void defaultListsAreThePapersSweeps() {
        SamplerTarget eps = SamplerTarget.diffusion(NoiseSchedule.linear(1000), Prediction.EPS, false);
        List<SamplerChoice> s = SweepList.resolve(SweepList.DEFAULT, eps);
        assertEquals(11, s.size());
        assertEquals("ddpm:1000", s.getFirst().label());
        assertEquals(List.of("DDPM", "DDIM η=0", "DDIM η=1", "DPM-Solver++(2M)"), s.stream().map(SamplerChoice::family).distinct().toList());
        assertEquals(List.of(10, 20, 50, 100), s.stream().filter(x -> x.family().equals("DDIM η=1")).map(SamplerChoice::steps).toList());
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 5.0), GuidanceList.parse(GuidanceList.DEFAULT_LIST));
        assertEquals(0.5, Samplers.parse(" ddim:50:0.5 ".trim()).option("eta"));
        assertEquals("ddim:50:0.5", Samplers.parse("ddim:50:0.5").label());
        assertEquals(1000, Samplers.parse("ddpm").stepsFor(eps));
        assertEquals(30, Samplers.parse("dpmpp2m:30").stepsFor(eps));
        // a flow model's default list, and 'all': every sampler of the kind within each NFE budget
        assertEquals(List.of("flow-euler:10", "flow-euler:20", "flow-euler:50", "flow-heun:5", "flow-heun:10", "flow-heun:25"),
                SweepList.resolve(SweepList.DEFAULT, SamplerTarget.flow()).stream().map(SamplerChoice::label).toList());
        List<SamplerChoice> all = SweepList.resolve("all:10", eps);
        assertEquals(List.of("ddpm", "ddim:10:0", "euler:10", "euler-a:10", "heun:5", "dpmpp2s:5", "dpmpp2m:10", "dpmpp3m:10", "dpmpp-sde:10", "unipc:10"),
                all.stream().map(SamplerChoice::label).toList());
        for (SamplerChoice c : all.subList(1, all.size())) assertTrue(c.evaluations(eps) <= 10 && c.evaluations(eps) >= 9, c.label());
    }

    @Test void badListsAreNamed() {
        String[][] cases = {
                {"eulr:10", "'eulr:10': unknown sampler 'eulr' (expected ddpm, ddim, euler, euler-a, heun, dpmpp2s, dpmpp2m, dpmpp3m, dpmpp-sde, unipc, flow-euler, flow-heun)"},
                {"ddim:ten", "'ddim:ten': steps 'ten' is not a whole number (expected NAME[:STEPS][:VALUE][:KEY=VALUE]"},
                {"ddim:0", "steps must be >= 1, got 0"},
                {"ddim", "'ddim': missing the number of steps"},
                {"ddpm:100:1", "'ddpm:100:1': ddpm has no options, so '1' sets nothing"},
                {"ddim:10:2", "'ddim:10:2': eta must be in [0, 1], got 2"},
                {"ddim:10:x", "eta 'x' is not a number"},
                {"ddim:10,,ddpm", "empty sampler entry"},
                {"ddim:10,ddim:10:0", "names a sampler twice"}};
        for (String[] c : cases) has(assertThrows(IllegalArgumentException.class, () -> SweepList.parse(c[0])).getMessage(), c[1]);
        has(assertThrows(IllegalArgumentException.class, () -> Samplers.parse("ddim:50").check(SamplerTarget.diffusion(NoiseSchedule.linear(20), Prediction.EPS, false)))
                .getMessage(), "sampler ddim:50:0: 50 steps but the checkpoint has only T = 20 timesteps");
        has(assertThrows(IllegalArgumentException.class, () -> SweepList.parse("all:10/x")).getMessage(), "budget 'x' is not a whole number");
        has(assertThrows(IllegalArgumentException.class, () -> GuidanceList.parse("0,two")).getMessage(), "guidance weight 'two' is not a number");
        has(assertThrows(IllegalArgumentException.class, () -> GuidanceList.parse("1,-1")).getMessage(), "guidance weight -1 must be a finite number >= 0");
        has(assertThrows(IllegalArgumentException.class, () -> GuidanceList.parse("1,NaN")).getMessage(), "must be a finite number");
        has(assertThrows(IllegalArgumentException.class, () -> GuidanceList.parse("1,1.0")).getMessage(), "names a weight twice");
    }

    @Test void evalFlagsFailBeforeAnyWork() throws Exception {
        Path ck = EvalFixtures.tinyCheckpoint(dir, "c", 10, false, 1), unc = EvalFixtures.tinyCheckpoint(dir, "u", 0, false, 2);
        Path data = EvalFixtures.mnist(dir.resolve("mnist"), 4, true), rep = dir.resolve("rep");
        String[] base = {"eval", "--checkpoint", ck.toString(), "--data-dir", data.toString(), "--report", rep.toString()};
        has(ProgramRuns.fails(2, concat(base, "--sampler-sweep=ddim:10,eulr:5")), "eval: --sampler-sweep: 'eulr:5': unknown sampler 'eulr'");
        has(ProgramRuns.fails(2, concat(base, "--sampler-sweep=ddim:10,flow-heun:5")),
                "eval: --sampler-sweep: sampler flow-heun:5 cannot sample an ε-prediction diffusion model (T = 20)", "use ddpm, ddim, euler");
        has(ProgramRuns.fails(2, concat(base, "--sampler-sweep=ddim:50")), "--sampler-sweep: sampler ddim:50:0: 50 steps but the checkpoint has only T = 20");
        has(ProgramRuns.fails(2, base), "--sampler-sweep: sampler ddpm:1000: 1000 steps but the checkpoint has only T = 20 timesteps "
                + "(an ε-prediction diffusion model (T = 20); use 2 to 20 steps) (the default list; give --sampler-sweep=LIST, or none)");
        has(ProgramRuns.fails(2, concat(base, "--guidance-sweep=0,1,x")), "--guidance-sweep: guidance weight 'x' is not a number");
        has(ProgramRuns.fails(2, concat(base, "--sweep-samples", "1")), "--sweep-samples must be >= 2");
        has(ProgramRuns.fails(2, concat(base, "--count", "-1")), "--count must be >= 0");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", unc.toString(), "--data-dir", data.toString(), "--guidance-sweep"),
                "--guidance-sweep: the model of " + unc + " is unconditional");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck.toString(), "--checkpoint", unc.toString(), "--data-dir", data.toString(), "-o",
                dir.resolve("t.csv").toString()), "--output writes one checkpoint's terms");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck.toString(), "--checkpoint", dir.resolve("missing.safetensors").toString(),
                "--data-dir", data.toString()), "--checkpoint: no such file");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck.toString(), "--data-dir", data.toString(), "--count", "0", "--samples", "0"), "nothing to do");
        Path file = Files.writeString(dir.resolve("afile"), "x");
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck.toString(), "--data-dir", data.toString(), "--report", file.toString()), "is a file, expected a folder");
        assertFalse(Files.exists(rep), "no report folder after a usage error");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
