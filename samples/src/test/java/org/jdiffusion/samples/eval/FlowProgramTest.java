package org.jdiffusion.samples.eval;

import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.samples.train.Nets;
import org.jdiffusion.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flow-matching model through the program: {@code train --objective flow} writes a checkpoint that
 * says so, {@code sample} picks a flow sampler and refuses a diffusion one by name, and {@code eval}
 * skips the bound and sweeps the flow samplers against their network evaluations.
 */
class FlowProgramTest {
    @TempDir Path dir;

    private static void has(String text, String... parts) {
        for (String p : parts) assertTrue(text.contains(p), "expected '" + p + "' in:\n" + text);
    }

    @Test void trainSampleAndRefuse() throws Exception {
        Path run = dir.resolve("run"), out = dir.resolve("out");
        ProgramRuns.ok("train", "--data", "spiral", "--objective", "flow:logit-normal", "--steps", "20", "--batch", "16", "--preview", "0", "-o", run.toString());
        String ck = run.resolve("checkpoint.safetensors").toString();
        Map<String, String> meta = Safetensors.read(run.resolve("checkpoint.safetensors")).metadata();
        assertEquals("flow", meta.get("process"));
        assertEquals("velocity", meta.get("prediction"));
        assertEquals("logit-normal", meta.get("flow_times"));
        has(ProgramRuns.ok("sample", "--checkpoint", ck, "--count", "8", "--steps", "6", "-o", out.toString()).out(), "(flow-euler:6, 6 steps, 6 network evaluations");
        has(ProgramRuns.ok("sample", "--checkpoint", ck, "--count", "8", "--sampler", "flow-heun:4", "-o", out.toString()).out(), "(flow-heun:4, 4 steps, 7 network evaluations");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--sampler", "ddim", "-o", out.toString()),
                "--sampler: sampler ddim:50:0 cannot sample a flow-matching model (velocity, t ∈ [0, 1]): it solves the reverse process of an ε, x0 or v "
                        + "diffusion model; use flow-euler, flow-heun");
        has(ProgramRuns.fails(2, "sample", "--checkpoint", ck, "--sampler", "flow-euler", "--eta", "1", "-o", out.toString()), "--eta: sampler flow-euler has no η");
    }

    /** The help of sample and eval lists every registered sampler with its options (read from the registry, not kept here). */
    @Test void helpListsTheRegistry() {
        for (String cmd : new String[]{"sample", "eval"}) {
            String help = ProgramRuns.ok(cmd, "--help").out();
            for (var d : org.jdiffusion.diffusion.sampling.Samplers.ALL)
                for (String line : d.helpLines()) {
                    has(help, "\n  " + line + "\n");
                    assertTrue(line.length() + 2 <= 80, "help line wider than the terminal: " + line);
                }
            has(help, "  heun — Heun (Karras et al. 2022, Alg. 1 and 2; 2 evaluations a step)\n      churn=0: S_churn: stochasticity, 0 = deterministic (Alg. 1)\n");
        }
    }

    @Test void evalSweepsTheFlowSamplers() throws Exception {
        UNetConfig cfg = Nets.tinyConfig(10, false);
        // a flow checkpoint needs no schedule keys: only process, prediction and its classes
        Map<String, String> meta = new HashMap<>(Map.of("prediction", "velocity", "num_classes", "10", "null_class", "10", "process", "flow", "model", "tiny"));
        meta.put("model_config", cfg.toJson());
        meta.put("objective", "flow");
        Path ck = Files.createDirectories(dir).resolve("flow.safetensors");
        Safetensors.write(ck, new UNet(cfg, new Generator(3)).stateDict(), meta);
        Path data = EvalFixtures.mnist(dir.resolve("mnist"), 12, true), rep = dir.resolve("report");
        ProgramRuns.ok("eval", "--checkpoint", ck.toString(), "--data-dir", data.toString(), "--count", "3", "--batch", "3", "--samples", "3",
                "--sample-steps", "2", "--guidance-sweep=none", "--sampler-sweep=all:2/3", "--sweep-samples", "3", "--report", rep.toString());
        has(ProgramRuns.fails(2, "eval", "--checkpoint", ck.toString(), "--data-dir", data.toString(), "--output", dir.resolve("t.csv").toString()),
                "--output writes the likelihood's terms, but a flow-matching model has no variational bound");
        String md = Files.readString(rep.resolve("report.md"));
        has(md, "a flow-matching model has no variational bound", "objective flow: a flow-matching model", "flow Euler, 2 steps");
        List<String> rows = Files.readAllLines(rep.resolve("samplers.csv"));
        assertEquals(List.of("flow-euler,2,2,", "flow-euler,3,3,", "flow-heun,1,1,", "flow-heun,2,3,"),
                rows.subList(1, rows.size()).stream().map(r -> String.join(",", List.of(r.split(",", -1)).subList(0, 4)) + ",").map(r -> r.substring(0, r.length() - 1)).toList());
        has(md, "Best FD at each NFE: 1: `flow-heun:1`");
        assertTrue(Files.exists(rep.resolve("samplers.png")) && Files.exists(rep.resolve("grids/sampler-flow-heun-2.png")));
    }
}
