package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.util.List;
import java.util.Locale;

/**
 * The networks {@code train} builds, behind one signature: the reference U-Net
 * ({@code ../shared/spec/unet-mnist.md}), a tiny U-Net for quick runs and tests, or the MLP for
 * 2-D data. The checkpoint's {@code model} metadata names the kind; a U-Net's own config is
 * recorded beside it.
 */
public final class Nets {
    private Nets() {}

    public enum Kind {
        UNET, TINY, MLP;

        public String key() { return name().toLowerCase(Locale.ROOT); }

        public static Kind parse(String s) {
            for (Kind k : values()) if (k.key().equals(s.trim().toLowerCase(Locale.ROOT))) return k;
            throw new IllegalArgumentException("unknown model '" + s + "' (expected unet, tiny or mlp)");
        }
    }

    /** A network as the trainer and samplers see it. */
    public interface Net {
        Variable forward(Variable x, Tensor t, Tensor y);

        Module module();

        Kind kind();
    }

    /** The tiny U-Net: base 16, levels (1, 2), one block per level, no attention; about 100 k parameters. */
    public static UNetConfig tinyConfig(int numClasses, boolean learnedVariance) {
        return new UNetConfig(1, 28, 16, List.of(1, 2), 1, List.of(), 4, 0.0, numClasses, 64, 8, learnedVariance);
    }

    public static UNetConfig referenceConfig(int numClasses, boolean learnedVariance) {
        return UNetConfig.mnistSmall().withNumClasses(numClasses).withLearnedVariance(learnedVariance);
    }

    public static Net unet(UNetConfig cfg, Kind kind, Generator g) {
        UNet u = new UNet(cfg, g);
        return new Net() {
            @Override public Variable forward(Variable x, Tensor t, Tensor y) { return u.forward(x, t, y); }

            @Override public Module module() { return u; }

            @Override public Kind kind() { return kind; }
        };
    }

    public static Net mlp(boolean learnedVariance, Generator g) {
        TimeMlp m = new TimeMlp(learnedVariance ? 4 : 2, g);
        return new Net() {
            @Override public Variable forward(Variable x, Tensor t, Tensor y) { return m.forward(x, t); }

            @Override public Module module() { return m; }

            @Override public Kind kind() { return Kind.MLP; }
        };
    }
}
