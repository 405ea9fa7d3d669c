package org.jdiffusion.samples;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./jdiffusion forward --checkpoint CK --inputs IN --output OUT}: one eval-mode forward pass
 * of the U-Net, for comparing this engine with another on identical weights and inputs. CK is a
 * training checkpoint (its EMA weights unless {@code --no-ema}; its recorded U-Net config) or a
 * plain state dict with the reference network's names (the default config). IN holds
 * {@code x} float32 [B, C, S, S], {@code t} int64 [B] and {@code y} int64 [B] (omitted for an
 * unconditional network); OUT receives {@code out} float32, written atomically.
 */
public final class ForwardCommand {
    private ForwardCommand() {}

    static final String USAGE = """
            usage: ./jdiffusion forward --checkpoint CK.safetensors --inputs IN.safetensors --output OUT.safetensors [--no-ema] [--device cpu]
              runs one eval-mode forward pass of the U-Net and writes its output as tensor 'out'
              --checkpoint  a training checkpoint (EMA weights used when present) or a plain state dict
              --inputs      safetensors with x float32 [B,1,28,28], t int64 [B], y int64 [B]
              --output      where to write 'out' (float32, same shape as x for the default network)
              --no-ema      use a training checkpoint's model weights instead of its EMA weights
              --device      cpu (default) or cuda[:N]""";

    public static int run(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(USAGE);
                return 0;
            }
        }
        Flags f = Flags.parse("forward", args, Set.of("--checkpoint", "--inputs", "--output", "--device"), Set.of("--no-ema"));
        Path ck = existing("--checkpoint", f.require("--checkpoint"));
        Path in = existing("--inputs", f.require("--inputs"));
        Path outPath = Path.of(f.require("--output"));
        if (outPath.getParent() != null && !Files.isDirectory(outPath.getParent()))
            throw new Main.UsageException("--output: directory " + outPath.getParent() + " does not exist");
        Device device;
        try {
            device = Device.parse(f.get("--device", "cpu"));
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--device: " + e.getMessage());
        }

        UNet net = load(ck, !f.has("--no-ema"));
        net.to(device);
        net.eval();
        Inputs x = inputs(in, net.config());
        Tensor out;
        try (var ng = Grad.noGrad()) {
            out = net.forward(Variable.constant(x.x.to(device)), x.t.to(device), x.y == null ? null : x.y.to(device)).data();
        }
        Safetensors.write(outPath, Map.of("out", out.to(Device.CPU)));
        System.out.println("forward: out " + Shapes.str(out.shape()) + " float32 -> " + outPath);
        return 0;
    }

    private static Path existing(String flag, String p) {
        Path path = Path.of(p);
        if (!Files.isRegularFile(path)) throw new Main.UsageException(flag + ": no such file: " + p);
        return path;
    }

    /** The network with its weights: a training checkpoint's recorded config, else the reference one. */
    static UNet load(Path ck, boolean preferEma) {
        Safetensors.Contents c = Safetensors.read(ck);
        UNetConfig cfg = UNetConfig.mnistSmall();
        Map<String, Tensor> weights = c.tensors();
        if (TrainingCheckpoint.FORMAT.equals(c.metadata().get("format"))) {
            weights = TrainingCheckpoint.weights(c, preferEma);
            String mc = c.metadata().get("model_config");
            if (mc != null) cfg = UNetConfig.fromJson(mc);
        }
        UNet net = new UNet(cfg, new Generator(0));
        try {
            net.loadStateDict(weights, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint " + ck + " does not fit the U-Net: " + e.getMessage(), e);
        }
        return net;
    }

    private record Inputs(Tensor x, Tensor t, Tensor y) {}

    private static Inputs inputs(Path in, UNetConfig cfg) {
        Map<String, Tensor> ts = Safetensors.read(in).tensors();
        boolean conditional = cfg.numClasses() > 0;
        Set<String> want = conditional ? Set.of("x", "t", "y") : Set.of("x", "t");
        Set<String> missing = new TreeSet<>(want), extra = new TreeSet<>(ts.keySet());
        missing.removeAll(ts.keySet());
        extra.removeAll(want);
        if (!missing.isEmpty() || !extra.isEmpty())
            throw new IllegalArgumentException("inputs " + in + ": expected tensors " + new TreeSet<>(want) + ", missing " + missing
                    + ", unexpected " + extra);
        Tensor x = ts.get("x"), t = ts.get("t"), y = ts.get("y");
        int c = cfg.inChannels(), s = cfg.imageSize();
        if (x.dtype() != DType.FLOAT32 || x.dim() != 4 || x.size(1) != c || x.size(2) != s || x.size(3) != s || x.size(0) < 1)
            throw new IllegalArgumentException("inputs " + in + ": x must be float32 [B, " + c + ", " + s + ", " + s + "] with B >= 1, got "
                    + x.describe());
        int b = x.size(0);
        if (t.dtype() != DType.INT64 || t.dim() != 1 || t.size(0) != b)
            throw new IllegalArgumentException("inputs " + in + ": t must be int64 [" + b + "], got " + t.describe());
        if (y != null && (y.dtype() != DType.INT64 || y.dim() != 1 || y.size(0) != b))
            throw new IllegalArgumentException("inputs " + in + ": y must be int64 [" + b + "], got " + y.describe());
        return new Inputs(x, t, y);
    }
}
