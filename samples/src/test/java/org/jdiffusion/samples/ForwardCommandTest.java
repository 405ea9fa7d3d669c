package org.jdiffusion.samples;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code forward} end to end on the reference network: files in, one pass, file out. */
class ForwardCommandTest {
    @TempDir static Path dir;
    static UNet model;
    static Ema ema;
    static Path ck, plain, inputs;
    static Tensor x, t, y;

    @BeforeAll static void setUp() {
        model = new UNet(UNetConfig.mnistSmall(), new Generator(7));
        ema = new Ema(model, 0.5, 0);
        // move the model away from its average so EMA and model weights differ
        Generator g = new Generator(8);
        model.namedParameters().forEach((k, v) -> v.data().addInPlace(Rand.uniform(g, -0.01, 0.01, DType.FLOAT32, Device.CPU, v.shape())));
        ema.update(model);
        model.namedParameters().forEach((k, v) -> v.data().addInPlace(Rand.uniform(g, -0.01, 0.01, DType.FLOAT32, Device.CPU, v.shape())));
        ck = dir.resolve("ck.safetensors");
        TrainingCheckpoint.save(ck, model, ema, null, 3, Map.of(), "{}");
        plain = dir.resolve("plain.safetensors");
        Safetensors.write(plain, model.stateDict());
        x = Rand.normal(new Generator(9), 2, 1, 28, 28);
        t = Tensor.ofLongs(new long[]{17, 640}, 2);
        y = Tensor.ofLongs(new long[]{4, 10}, 2);
        inputs = writeInputs("in.safetensors", Map.of("x", x, "t", t, "y", y));
    }

    private static Path writeInputs(String name, Map<String, Tensor> m) {
        Path p = dir.resolve(name);
        Safetensors.write(p, new LinkedHashMap<>(m));
        return p;
    }

    private static float[] direct(Map<String, Tensor> weights) {
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(0));
        net.loadStateDict(weights);
        net.eval();
        try (var ng = Grad.noGrad()) {
            return net.forward(Variable.constant(x), t, y).data().toFloatArray();
        }
    }

    private static float[] runForward(String out, String... extra) {
        Path o = dir.resolve(out);
        String[] base = {"--checkpoint", null, "--inputs", inputs.toString(), "--output", o.toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length - 1);
        args[1] = extra[0];
        System.arraycopy(extra, 1, args, base.length, extra.length - 1);
        assertEquals(0, ForwardCommand.run(args));
        Safetensors.Contents c = Safetensors.read(o);
        assertEquals(java.util.Set.of("out"), c.tensors().keySet());
        Tensor r = c.tensors().get("out");
        assertEquals(DType.FLOAT32, r.dtype());
        assertArrayEquals(new int[]{2, 1, 28, 28}, r.shape());
        return r.toFloatArray();
    }

    @Test void trainingCheckpointUsesEmaWeights() {
        assertArrayEquals(direct(ema.stateDict()), runForward("o1.safetensors", ck.toString()));
    }

    @Test void noEmaUsesTheModelWeights() {
        float[] got = runForward("o2.safetensors", ck.toString(), "--no-ema");
        assertArrayEquals(direct(model.stateDict()), got);
        assertFalse(java.util.Arrays.equals(direct(ema.stateDict()), got));
    }

    @Test void plainStateDictLoads() {
        assertArrayEquals(direct(model.stateDict()), runForward("o3.safetensors", plain.toString()));
    }

    private static String usageError(String... args) {
        return assertThrows(Main.UsageException.class, () -> ForwardCommand.run(args)).getMessage();
    }

    private static String inputError(Path in) {
        String[] args = {"--checkpoint", plain.toString(), "--inputs", in.toString(), "--output", dir.resolve("bad.safetensors").toString()};
        return assertThrows(IllegalArgumentException.class, () -> ForwardCommand.run(args)).getMessage();
    }

    @Test void flagErrors() {
        assertTrue(usageError("--inputs", inputs.toString(), "--output", "o").contains("missing required option --checkpoint"));
        assertTrue(usageError("--checkpoint", ck.toString(), "--inputs", inputs.toString()).contains("missing required option --output"));
        assertTrue(usageError("--checkpoint", ck.toString(), "--bogus", "1").contains("unknown option '--bogus'"));
        assertTrue(usageError("--checkpoint").contains("--checkpoint needs a value"));
        assertTrue(usageError("--checkpoint", dir.resolve("none.safetensors").toString(), "--inputs", inputs.toString(), "--output", "o")
                .contains("--checkpoint: no such file"));
        assertTrue(usageError("--checkpoint", ck.toString(), "--inputs", "nope", "--output", "o").contains("--inputs: no such file: nope"));
        assertTrue(usageError("--checkpoint", ck.toString(), "--inputs", inputs.toString(), "--output", "o", "--device", "tpu")
                .contains("unknown device 'tpu'"));
        assertEquals(0, ForwardCommand.run(new String[]{"--help"}));
    }

    @Test void inputFileErrors() {
        assertTrue(inputError(writeInputs("i1.safetensors", Map.of("x", x, "t", t))).contains("missing [y]"));
        assertTrue(inputError(writeInputs("i2.safetensors", Map.of("x", x, "t", t, "y", y, "z", y))).contains("unexpected [z]"));
        assertTrue(inputError(writeInputs("i3.safetensors", Map.of("x", x.to(DType.FLOAT64), "t", t, "y", y)))
                .contains("x must be float32 [B, 1, 28, 28]"));
        assertTrue(inputError(writeInputs("i4.safetensors", Map.of("x", Tensor.zeros(2, 1, 27, 28), "t", t, "y", y)))
                .contains("x must be float32 [B, 1, 28, 28]"));
        assertTrue(inputError(writeInputs("i5.safetensors", Map.of("x", x, "t", t.to(DType.FLOAT32), "y", y))).contains("t must be int64 [2]"));
        assertTrue(inputError(writeInputs("i6.safetensors", Map.of("x", x, "t", t, "y", Tensor.ofLongs(new long[]{1}, 1))))
                .contains("y must be int64 [2]"));
        assertTrue(inputError(writeInputs("i7.safetensors", Map.of("x", x, "t", t, "y", Tensor.ofLongs(new long[]{1, 11}, 2))))
                .contains("class ids must lie in [0, 10]"));
    }

    @Test void checkpointThatDoesNotFit() {
        Map<String, Tensor> sd = new LinkedHashMap<>(model.stateDict());
        sd.remove("out.2.bias");
        Path bad = dir.resolve("bad-ck.safetensors");
        Safetensors.write(bad, sd);
        String[] args = {"--checkpoint", bad.toString(), "--inputs", inputs.toString(), "--output", dir.resolve("x.safetensors").toString()};
        String m = assertThrows(IllegalArgumentException.class, () -> ForwardCommand.run(args)).getMessage();
        assertTrue(m.contains("does not fit the U-Net") && m.contains("missing: out.2.bias"), m);
    }
}
