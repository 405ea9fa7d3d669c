package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.ReduceFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Activation;
import org.jdiffusion.nn.Conv2d;
import org.jdiffusion.nn.GroupNorm;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.ModuleList;
import org.jdiffusion.nn.Sequential;
import org.jdiffusion.nn.SpatialSelfAttention;
import org.jdiffusion.nn.unet.ResBlock;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

/**
 * A time-conditioned classifier p_φ(y | x_t, t) on noisy images (Dhariwal &amp; Nichol 2021, §4.1: the
 * U-Net's downsampling trunk with a pooled head), built from the U-Net's own blocks and
 * {@link UNetConfig}: children {@code temb}, {@code inp}, {@code down}, {@code mid}, {@code norm},
 * {@code head}.
 * <pre>
 *   e = temb(sinusoid(t))                                      [B, temb]
 *   h = inp(x); down per level: numRes × (Res, Attn at attention resolutions), Down except last
 *   h = mid(h, e); h = silu(norm(h)); logits = head(mean_{H,W} h)   → [B, numClasses]
 * </pre>
 */
public final class NoisyClassifier extends Module {
    private final UNetConfig cfg;
    private final Sequential temb;
    private final Conv2d inp;
    private final ModuleList<Module> down;
    private final ResBlock mid;
    private final GroupNorm norm;
    private final Linear head;

    public NoisyClassifier(UNetConfig cfg, Generator g) {
        if (cfg.numClasses() < 1) throw new IllegalArgumentException("NoisyClassifier: needs numClasses >= 1 in " + cfg);
        this.cfg = cfg;
        int base = cfg.baseChannels(), te = cfg.timeEmbDim();
        temb = registerModule("temb", new Sequential(new Linear(base, te, g), Activation.silu(), new Linear(te, te, g)));
        inp = registerModule("inp", Conv2d.same(cfg.inChannels(), base, 3, g));
        down = registerModule("down", new ModuleList<>());
        int ch = base, res = cfg.imageSize();
        for (int l = 0; l < cfg.channelMults().size(); l++) {
            int co = base * cfg.channelMults().get(l);
            for (int r = 0; r < cfg.numResBlocks(); r++) {
                down.add(new ResBlock(ch, co, te, cfg.groups(), cfg.dropout(), g));
                ch = co;
                if (cfg.attentionResolutions().contains(res)) down.add(new SpatialSelfAttention(ch, cfg.heads(), cfg.groups(), 1e-5, g));
            }
            if (l < cfg.channelMults().size() - 1) {
                down.add(new Conv2d(ch, ch, 3, 2, 1, g));
                res /= 2;
            }
        }
        mid = registerModule("mid", new ResBlock(ch, ch, te, cfg.groups(), cfg.dropout(), g));
        norm = registerModule("norm", new GroupNorm(cfg.groups(), ch, 1e-5, true));
        head = registerModule("head", new Linear(ch, cfg.numClasses(), g));
        setDropoutGenerator(g.fork(0xC1A5));
    }

    public UNetConfig config() { return cfg; }

    /** Logits [B, numClasses] for x_t [B, C, S, S] at timesteps t [B]. */
    public Variable forward(Variable x, Tensor t) {
        int c = cfg.inChannels(), s = cfg.imageSize();
        if (x.dim() != 4 || x.size(1) != c || x.size(2) != s || x.size(3) != s)
            throw new IllegalArgumentException("NoisyClassifier: x must be [B, " + c + ", " + s + ", " + s + "], got " + x.data().describe());
        if (t.dim() != 1 || t.size(0) != x.size(0))
            throw new IllegalArgumentException("NoisyClassifier: t must be [" + x.size(0) + "], got " + t.describe());
        Variable e = temb.forward(Variable.constant(UNet.timeFeatures(t, cfg.baseChannels(), x.dtype())));
        Variable h = inp.forward(x);
        for (Module m : down) {
            h = switch (m) {
                case ResBlock r -> r.forward(h, e);
                case SpatialSelfAttention a -> a.forward(h);
                case Conv2d conv -> conv.forward(h);
                default -> throw new IllegalStateException("unexpected module " + m);
            };
        }
        h = PointwiseFunctions.silu(norm.forward(mid.forward(h, e)));
        return head.forward(ReduceFunctions.mean(h, new int[]{2, 3}, false));
    }
}
