package org.jdiffusion.nn.io;

import org.jdiffusion.nn.TinyRun;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training checkpoints: layout, bit-exact round trips, exact resumption, strict loading. */
class TrainingCheckpointTest {
    @TempDir Path dir;

    /** Optimizer and EMA state without running the network: random gradients, a few steps. */
    private static TinyRun withState(long seed) {
        TinyRun r = new TinyRun(seed);
        Generator g = new Generator(seed + 50);
        for (int s = 0; s < 3; s++) {
            r.net.parameters().forEach(p -> p.setGrad(Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, p.shape())));
            r.opt.step();
            r.ema.update(r.net);
            r.step++;
        }
        Rand.normal(r.data, 5);     // move the generators off their start
        Rand.normal(r.dropout, 7);
        return r;
    }

    private static void assertBitsEqual(Map<String, Tensor> want, Map<String, Tensor> got, String what) {
        assertEquals(want.keySet(), got.keySet(), what + " names");
        for (var e : want.entrySet()) {
            Tensor a = e.getValue(), b = got.get(e.getKey());
            assertEquals(a.dtype(), b.dtype(), what + " " + e.getKey());
            assertArrayEquals(a.shape(), b.shape(), what + " " + e.getKey());
            if (a.dtype() == DType.INT64) assertArrayEquals(a.toLongArray(), b.toLongArray(), what + " " + e.getKey());
            else {
                float[] x = a.toFloatArray(), y = b.toFloatArray();
                for (int i = 0; i < x.length; i++)
                    assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), what + " " + e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test void layoutAndMetadata() {
        TinyRun r = withState(1);
        Path p = dir.resolve("ck.safetensors");
        r.save(p);
        Safetensors.Contents c = Safetensors.read(p);
        Map<String, String> m = c.metadata();
        assertEquals(TrainingCheckpoint.FORMAT, m.get("format"));
        assertEquals("3", m.get("step"));
        assertEquals("{\"run\":\"tiny\"}", m.get("config"));
        assertEquals(Long.toString(r.data.seed()), m.get("rng.data.seed"));
        assertEquals(Long.toString(r.data.offset()), m.get("rng.data.offset"));
        assertEquals("AdamW", m.get("optim.kind"));
        assertEquals("3", m.get("optim.steps"));
        assertEquals("3", m.get("ema.updates"));
        assertEquals(TinyRun.CONFIG, UNet.class.cast(r.net).config());
        assertEquals(TinyRun.CONFIG, TrainingCheckpoint.read(p).modelConfig());
        assertTrue(c.tensors().containsKey("model.down.0.c1.weight"));
        assertTrue(c.tensors().containsKey("ema.down.0.c1.weight"));
        assertTrue(c.tensors().containsKey("optim.down.0.c1.weight.m"));
        assertTrue(c.tensors().containsKey("optim.down.0.c1.weight.v"));
        assertEquals(4 * r.net.namedParameters().size(), c.tensors().size(), "model + ema + two Adam moments per parameter");
    }

    @Test void roundTripIsBitExact() {
        TinyRun r = withState(2);
        Path p = dir.resolve("ck.safetensors");
        r.save(p);
        TinyRun back = TinyRun.resume(p);
        assertBitsEqual(r.net.stateDict(), back.net.stateDict(), "model");
        assertBitsEqual(r.ema.stateDict(), back.ema.stateDict(), "ema");
        assertBitsEqual(r.opt.stateDict(), back.opt.stateDict(), "optimizer");
        assertEquals(r.ema.updates(), back.ema.updates());
        assertEquals(r.opt.steps(), back.opt.steps());
        assertEquals(r.opt.lr(), back.opt.lr());
        assertEquals(r.step, back.step);
        assertEquals(r.data.state(), back.data.state());
        assertEquals(r.dropout.state(), back.dropout.state());
        // and saving the restored run writes the same bytes
        Path p2 = dir.resolve("ck2.safetensors");
        back.save(p2);
        try {
            assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(p2));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test void plainStateDictAndPreferenceForEma() {
        TinyRun r = withState(3);
        Path ck = dir.resolve("ck.safetensors"), plain = dir.resolve("plain.safetensors");
        r.save(ck);
        Safetensors.write(plain, r.net.stateDict());
        assertBitsEqual(r.ema.stateDict(), TrainingCheckpoint.loadWeights(ck, true), "ema weights");
        assertBitsEqual(r.net.stateDict(), TrainingCheckpoint.loadWeights(ck, false), "model weights");
        assertBitsEqual(r.net.stateDict(), TrainingCheckpoint.loadWeights(plain, true), "plain");
        var e = assertThrows(SafetensorsException.class, () -> TrainingCheckpoint.read(plain));
        assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());
    }

    @Test void restoreIsStrict() {
        TinyRun r = withState(4);
        Map<String, Tensor> t = new LinkedHashMap<>();
        r.net.stateDict().forEach((k, v) -> t.put("model." + k, v));
        t.remove("model.inp.weight");
        t.put("model.bogus", Tensor.zeros(1));
        Path p = dir.resolve("bad.safetensors");
        Safetensors.write(p, t, Map.of("format", TrainingCheckpoint.FORMAT, "step", "0"));
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.read(p).restore(new TinyRun(5).net, null, null));
        assertTrue(e.getMessage().contains("missing: inp.weight") && e.getMessage().contains("unexpected: bogus"), e.getMessage());
        var noEma = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.read(p).restore(new TinyRun(5).net, r.ema, null));
        assertTrue(noEma.getMessage().contains("missing") || noEma.getMessage().contains("no EMA"), noEma.getMessage());
        Map<String, Tensor> stray = new LinkedHashMap<>(t);
        stray.put("other.x", Tensor.zeros(1));
        Path q = dir.resolve("stray.safetensors");
        Safetensors.write(q, stray, Map.of("format", TrainingCheckpoint.FORMAT));
        assertTrue(assertThrows(SafetensorsException.class, () -> TrainingCheckpoint.read(q)).getMessage().contains("'other.x'"));
    }

    @Test void resumeContinuesTheIdenticalRun() {
        int n = 8;
        TinyRun straight = new TinyRun(6);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = straight.trainStep();

        TinyRun first = new TinyRun(6);
        float[] b = new float[n];
        for (int i = 0; i < n / 2; i++) b[i] = first.trainStep();
        Path p = dir.resolve("half.safetensors");
        first.save(p);
        TinyRun second = TinyRun.resume(p);
        for (int i = n / 2; i < n; i++) b[i] = second.trainStep();

        for (int i = 0; i < n; i++)
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "loss at step " + i + ": " + a[i] + " vs " + b[i]);
        assertBitsEqual(straight.net.stateDict(), second.net.stateDict(), "final weights");
        assertBitsEqual(straight.ema.stateDict(), second.ema.stateDict(), "final EMA");
    }
}
