package org.jdiffusion.nn.unet;

import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.ShapeFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Activation;
import org.jdiffusion.nn.Conv2d;
import org.jdiffusion.nn.Embedding;
import org.jdiffusion.nn.GroupNorm;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.ModuleList;
import org.jdiffusion.nn.Sequential;
import org.jdiffusion.nn.SpatialSelfAttention;
import org.jdiffusion.nn.Upsample;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The time-embedded U-Net of DDPM (Ho et al., 2020) as laid out in {@code spec/unet-mnist.md}:
 * children {@code temb}, {@code cemb} (when class-conditional), {@code inp}, {@code down},
 * {@code mid}, {@code up}, {@code out}, with module-list indices as checkpoint names.
 * <pre>
 *   e = temb(sinusoid(t)) + cemb(y)                            [B, temb]
 *   h = inp(x); push h                                         [B, base, S, S]
 *   down per level l (channels base·mult[l]): numRes × (Res, push; Attn replaces the push at
 *        attention resolutions), then Down (3×3 stride 2; push) except at the last level
 *   mid: Res, Attn, Res
 *   up per level from the last: (numRes + 1) × (Res on cat[h, pop()], Attn at attention
 *        resolutions), then Upsample ×2 and Conv3×3 except at level 0
 *   out: GroupNorm, SiLU, Conv3×3 → [B, inChannels (×2 with learned variance), S, S]
 * </pre>
 */
public final class UNet extends Module {
    private final UNetConfig cfg;
    private final Sequential temb;
    private final Embedding cemb;
    private final Conv2d inp;
    private final ModuleList<Module> down, mid, up;
    private final Sequential out;
    private final Generator dropoutGen;

    /** Builds the network with PyTorch-default initialisation drawn from {@code g}. */
    public UNet(UNetConfig cfg, Generator g) {
        this.cfg = cfg;
        int base = cfg.baseChannels(), te = cfg.timeEmbDim(), groups = cfg.groups(), heads = cfg.heads();
        double p = cfg.dropout();
        List<Integer> mults = cfg.channelMults();
        temb = registerModule("temb", new Sequential(new Linear(base, te, g), Activation.silu(), new Linear(te, te, g)));
        cemb = cfg.numClasses() > 0 ? registerModule("cemb", new Embedding(cfg.numClasses() + 1, te, g)) : null;
        inp = registerModule("inp", Conv2d.same(cfg.inChannels(), base, 3, g));

        down = registerModule("down", new ModuleList<>());
        Deque<Integer> skipChannels = new ArrayDeque<>();
        skipChannels.push(base);
        int ch = base, res = cfg.imageSize();
        for (int l = 0; l < mults.size(); l++) {
            int co = base * mults.get(l);
            for (int r = 0; r < cfg.numResBlocks(); r++) {
                down.add(new ResBlock(ch, co, te, groups, p, g));
                ch = co;
                if (cfg.attentionResolutions().contains(res)) down.add(new SpatialSelfAttention(ch, heads, groups, 1e-5, g));
                skipChannels.push(ch);
            }
            if (l < mults.size() - 1) {
                down.add(new Conv2d(ch, ch, 3, 2, 1, g));
                skipChannels.push(ch);
                res /= 2;
            }
        }

        mid = registerModule("mid", new ModuleList<>());
        mid.add(new ResBlock(ch, ch, te, groups, p, g));
        mid.add(new SpatialSelfAttention(ch, heads, groups, 1e-5, g));
        mid.add(new ResBlock(ch, ch, te, groups, p, g));

        up = registerModule("up", new ModuleList<>());
        for (int l = mults.size() - 1; l >= 0; l--) {
            int co = base * mults.get(l);
            for (int r = 0; r <= cfg.numResBlocks(); r++) {
                up.add(new ResBlock(ch + skipChannels.pop(), co, te, groups, p, g));
                ch = co;
                if (cfg.attentionResolutions().contains(res)) up.add(new SpatialSelfAttention(ch, heads, groups, 1e-5, g));
            }
            if (l > 0) {
                up.add(new Upsample(2));
                up.add(Conv2d.same(ch, ch, 3, g));
                res *= 2;
            }
        }
        out = registerModule("out", new Sequential(new GroupNorm(groups, ch, 1e-5, true), Activation.silu(),
                Conv2d.same(ch, cfg.outChannels(), 3, g)));
        dropoutGen = g.fork(0xD509);
        setDropoutGenerator(dropoutGen);
    }

    public UNetConfig config() { return cfg; }

    /** The generator dropout draws from unless another is set with {@link #setDropoutGenerator}. */
    public Generator defaultDropoutGenerator() { return dropoutGen; }

    /** The frequency rows of {@link #timeFeatures}, one per (width, device), kept outside every MemoryScope. */
    private static final java.util.concurrent.ConcurrentHashMap<String, Tensor> FREQUENCIES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Sinusoidal features of the timesteps t [B] (any dtype) as [B, width] of {@code dtype}:
     * f_i = exp(−ln(10000)·i/half), i = 0..half−1, features = [sin(t·f), cos(t·f)] (sines first).
     */
    public static Tensor timeFeatures(Tensor t, int width, DType dtype) {
        if (t.dim() != 1) throw new IllegalArgumentException("timeFeatures: t must be [B], got " + t.describe());
        int half = width / 2;
        // computed in float64 and rounded once, so the features do not depend on the model's dtype; uploaded
        // once per device (a copy to a device waits for it, and the forward must not)
        Tensor freqs = FREQUENCIES.computeIfAbsent(half + "@" + t.device(), k -> MemoryScope.untracked(() -> {
            double[] f = new double[half];
            for (int i = 0; i < half; i++) f[i] = Math.exp(-Math.log(10000) * i / half);
            return Tensor.of(f, 1, half).to(t.device());
        }));
        Tensor args = t.to(DType.FLOAT64).unsqueeze(1).mul(freqs);
        return org.jdiffusion.tensor.Join.cat(List.of(args.sin(), args.cos()), 1).to(dtype);
    }

    /**
     * The network's prediction for x [B, C, S, S] at timesteps t [B] (int64 or float) with class
     * ids y [B] int64 in [0, numClasses] (numClasses = "no class"); y null means "no class" for a
     * conditional network and must be null for an unconditional one.
     */
    public Variable forward(Variable x, Tensor t, Tensor y) {
        int b = checkInputs(x, t, y);
        Variable e = temb.forward(Variable.constant(timeFeatures(t, cfg.baseChannels(), x.dtype())));
        if (cemb != null) {
            Tensor ids = y != null ? y : Tensor.full(cfg.nullClass(), DType.INT64, x.device(), b);
            e = PointwiseFunctions.add(e, cemb.forward(ids));
        }
        Deque<Variable> skips = new ArrayDeque<>();
        Variable h = inp.forward(x);
        skips.push(h);
        for (Module m : down) {
            switch (m) {
                case ResBlock r -> { h = r.forward(h, e); skips.push(h); }
                case SpatialSelfAttention a -> { h = a.forward(h); skips.pop(); skips.push(h); }
                case Conv2d c -> { h = c.forward(h); skips.push(h); }
                default -> throw new IllegalStateException("unexpected down module " + m);
            }
        }
        for (Module m : mid) h = block(m, h, e);
        for (Module m : up) {
            if (m instanceof ResBlock r) h = r.forward(ShapeFunctions.cat(List.of(h, skips.pop()), 1), e);
            else h = block(m, h, e);
        }
        return out.forward(h);
    }

    private static Variable block(Module m, Variable h, Variable e) {
        return switch (m) {
            case ResBlock r -> r.forward(h, e);
            case SpatialSelfAttention a -> a.forward(h);
            case Upsample u -> u.forward(h);
            case Conv2d c -> c.forward(h);
            default -> throw new IllegalStateException("unexpected module " + m);
        };
    }

    private int checkInputs(Variable x, Tensor t, Tensor y) {
        int c = cfg.inChannels(), s = cfg.imageSize();
        if (x.dim() != 4 || x.size(1) != c || x.size(2) != s || x.size(3) != s)
            throw new IllegalArgumentException("UNet: x must be [B, " + c + ", " + s + ", " + s + "], got " + x.data().describe());
        int b = x.size(0);
        if (t.dim() != 1 || t.size(0) != b)
            throw new IllegalArgumentException("UNet: t must be [" + b + "] (one timestep per image), got " + t.describe());
        if (y != null && cemb == null)
            throw new IllegalArgumentException("UNet: class ids given to an unconditional network (numClasses = 0)");
        if (y != null && (y.dim() != 1 || y.size(0) != b || y.dtype() != DType.INT64))
            throw new IllegalArgumentException("UNet: y must be int64 [" + b + "], got " + y.describe()
                    + " (ids in [0, " + cfg.numClasses() + "], " + cfg.numClasses() + " = no class)");
        if (y != null && b > 0 && y.device().isCpu()) {
            // on a GPU the class embedding's index kernel checks the ids on the device and the next
            // synchronisation reports a bad one; reading them here would stall every step
            long lo = (long) y.min().item(), hi = (long) y.max().item();
            if (lo < 0 || hi > cfg.numClasses())
                throw new IllegalArgumentException("UNet: class ids must lie in [0, " + cfg.numClasses() + "] (" + cfg.numClasses()
                        + " = no class), got values in [" + lo + ", " + hi + "]");
        }
        return b;
    }

    @Override public String toString() { return "UNet(" + Shapes.str(new int[]{cfg.inChannels(), cfg.imageSize(), cfg.imageSize()}) + ", "
            + parameterCount() + " parameters)"; }
}
