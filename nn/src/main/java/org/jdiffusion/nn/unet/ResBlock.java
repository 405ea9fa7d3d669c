package org.jdiffusion.nn.unet;

import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.ShapeFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Conv2d;
import org.jdiffusion.nn.Dropout;
import org.jdiffusion.nn.GroupNorm;
import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.tensor.Generator;

/**
 * The time-conditioned residual block (Ho et al., 2020, after Wide ResNet), children {@code n1},
 * {@code c1}, {@code t}, {@code n2}, {@code c2} and {@code skip} (1×1, only when cin ≠ cout):
 * <pre>
 *   h = c1(silu(n1(x))) + t(silu(e))[:, :, None, None]      x [B, cin, H, W], e [B, temb]
 *   h = c2(dropout(silu(n2(h))))
 *   out = h + skip(x)   (or h + x)                         → [B, cout, H, W]
 * </pre>
 */
public final class ResBlock extends Module {
    private final int cin, cout;
    private final GroupNorm n1, n2;
    private final Conv2d c1, c2, skip;
    private final Linear t;
    private final Dropout drop;

    public ResBlock(int cin, int cout, int tembDim, int groups, double dropout, Generator g) {
        this.cin = cin;
        this.cout = cout;
        n1 = registerModule("n1", new GroupNorm(groups, cin, 1e-5, true));
        c1 = registerModule("c1", Conv2d.same(cin, cout, 3, g));
        t = registerModule("t", new Linear(tembDim, cout, g));
        n2 = registerModule("n2", new GroupNorm(groups, cout, 1e-5, true));
        c2 = registerModule("c2", Conv2d.same(cout, cout, 3, g));
        skip = cin != cout ? registerModule("skip", new Conv2d(cin, cout, 1, 1, 0, g)) : null;
        drop = registerModule("drop", new Dropout(dropout, null));
    }

    public int inChannels() { return cin; }

    public int outChannels() { return cout; }

    public Variable forward(Variable x, Variable e) {
        if (x.dim() != 4 || x.size(1) != cin)
            throw new IllegalArgumentException("ResBlock(" + cin + "->" + cout + "): expected input [B, " + cin + ", H, W], got " + x.data().describe());
        Variable h = c1.forward(PointwiseFunctions.silu(n1.forward(x)));
        Variable te = t.forward(PointwiseFunctions.silu(e));
        h = PointwiseFunctions.add(h, ShapeFunctions.reshape(te, te.size(0), cout, 1, 1));
        h = c2.forward(drop.forward(PointwiseFunctions.silu(n2.forward(h))));
        return PointwiseFunctions.add(h, skip != null ? skip.forward(x) : x);
    }
}
