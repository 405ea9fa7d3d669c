package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

/**
 * Differentiable elementwise ops, each forward beside its backward rule. Binary ops broadcast
 * NumPy-style; their rules sum the gradient back to each operand's shape with {@link #unbroadcast}.
 * A rule captures only the tensors its formula reads (the output rather than the input where the
 * derivative is cheaper from it, as for exp, tanh and sigmoid).
 */
public final class PointwiseFunctions {
    private PointwiseFunctions() {}

    /**
     * Sums a gradient of a broadcast result back to an operand's {@code shape}: over the leading
     * dims the operand lacked and over the dims where it had size 1.
     */
    public static Tensor unbroadcast(Tensor grad, int[] shape) {
        int[] gs = grad.shape();
        if (java.util.Arrays.equals(gs, shape)) return grad;
        int lead = gs.length - shape.length;
        if (lead < 0)
            throw new IllegalArgumentException("unbroadcast: gradient " + grad.describe() + " has fewer dims than target " + Shapes.str(shape));
        int n = 0;
        int[] dims = new int[gs.length];
        for (int i = 0; i < gs.length; i++) {
            boolean reduce = i < lead || (shape[i - lead] == 1 && gs[i] != 1);
            if (!reduce && gs[i] != shape[i - lead])
                throw new IllegalArgumentException("unbroadcast: gradient " + grad.describe() + " does not broadcast from " + Shapes.str(shape));
            if (reduce) dims[n++] = i;
        }
        if (n == 0) return grad.reshape(shape);
        return grad.sum(java.util.Arrays.copyOf(dims, n), true).reshape(shape);
    }

    private static Tensor zerosLike(Tensor t) { return Tensor.zeros(t.dtype(), t.device(), t.shape()); }

    // ---- binary, broadcasting -----------------------------------------------------------------

    public static Variable add(Variable a, Variable b) {
        int[] as = a.shape(), bs = b.shape();
        return Variable.result(a.data().add(b.data()), "add",
                dOut -> new Tensor[]{unbroadcast(dOut, as), unbroadcast(dOut, bs)}, a, b);
    }

    public static Variable sub(Variable a, Variable b) {
        int[] as = a.shape(), bs = b.shape();
        return Variable.result(a.data().sub(b.data()), "sub",
                dOut -> new Tensor[]{unbroadcast(dOut, as), b.requiresGrad() ? unbroadcast(dOut.neg(), bs) : null}, a, b);
    }

    /** d(a·b) = b·dOut, a·dOut. */
    public static Variable mul(Variable a, Variable b) {
        Tensor aSaved = b.requiresGrad() ? a.data() : null, bSaved = a.requiresGrad() ? b.data() : null;
        int[] as = a.shape(), bs = b.shape();
        return Variable.result(a.data().mul(b.data()), "mul", dOut -> new Tensor[]{
                bSaved == null ? null : unbroadcast(dOut.mul(bSaved), as),
                aSaved == null ? null : unbroadcast(dOut.mul(aSaved), bs)}, a, b);
    }

    /** out = a / b: dA = dOut / b, dB = −dOut · out / b. */
    public static Variable div(Variable a, Variable b) {
        Tensor out = a.data().div(b.data());
        Tensor bSaved = b.data(), outSaved = b.requiresGrad() ? out : null;
        int[] as = a.shape(), bs = b.shape();
        return Variable.result(out, "div", dOut -> {
            Tensor q = dOut.div(bSaved);
            return new Tensor[]{unbroadcast(q, as), outSaved == null ? null : unbroadcast(q.mul(outSaved).neg(), bs)};
        }, a, b);
    }

    /** Gradient to the larger operand; at ties it is split evenly between both. */
    public static Variable maximum(Variable a, Variable b) { return extremum(a, b, true); }

    /** Gradient to the smaller operand; at ties it is split evenly between both. */
    public static Variable minimum(Variable a, Variable b) { return extremum(a, b, false); }

    private static Variable extremum(Variable a, Variable b, boolean max) {
        Tensor x = a.data(), y = b.data();
        int[] as = a.shape(), bs = b.shape();
        return Variable.result(max ? x.maximum(y) : x.minimum(y), max ? "maximum" : "minimum", dOut -> {
            // wA = 1 where a wins, ½ at ties, 0 elsewhere; wB = 1 − wA
            Tensor wA = (max ? x.gt(y) : x.lt(y)).add(x.eq(y).mul(0.5));
            Tensor dA = dOut.mul(wA);
            return new Tensor[]{unbroadcast(dA, as), unbroadcast(dOut.sub(dA), bs)};
        }, a, b);
    }

    // ---- with a scalar ------------------------------------------------------------------------

    /** x^p: dX = p·x^(p−1)·dOut. */
    public static Variable pow(Variable x, double p) {
        Tensor xs = x.data();
        return Variable.result(xs.pow(p), "pow", dOut -> new Tensor[]{dOut.mul(xs.pow(p - 1).mul(p))}, x);
    }

    public static Variable addScalar(Variable x, double s) {
        return Variable.result(x.data().add(s), "addScalar", dOut -> new Tensor[]{dOut}, x);
    }

    public static Variable mulScalar(Variable x, double s) {
        return Variable.result(x.data().mul(s), "mulScalar", dOut -> new Tensor[]{dOut.mul(s)}, x);
    }

    // ---- unary --------------------------------------------------------------------------------

    public static Variable neg(Variable x) {
        return Variable.result(x.data().neg(), "neg", dOut -> new Tensor[]{dOut.neg()}, x);
    }

    /** d|x| = sign(x)·dOut (0 at x = 0). */
    public static Variable abs(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.abs(), "abs", dOut -> new Tensor[]{dOut.mul(xs.sign())}, x);
    }

    public static Variable exp(Variable x) {
        Tensor out = x.data().exp();
        return Variable.result(out, "exp", dOut -> new Tensor[]{dOut.mul(out)}, x);
    }

    public static Variable log(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.log(), "log", dOut -> new Tensor[]{dOut.div(xs)}, x);
    }

    /** d√x = dOut / (2·√x). */
    public static Variable sqrt(Variable x) {
        Tensor out = x.data().sqrt();
        return Variable.result(out, "sqrt", dOut -> new Tensor[]{dOut.div(out).mul(0.5)}, x);
    }

    /** d(x^−½) = −½·x^−3/2·dOut = −½·out³·dOut. */
    public static Variable rsqrt(Variable x) {
        Tensor out = x.data().rsqrt();
        return Variable.result(out, "rsqrt", dOut -> new Tensor[]{dOut.mul(out.square().mul(out)).mul(-0.5)}, x);
    }

    public static Variable square(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.square(), "square", dOut -> new Tensor[]{dOut.mul(xs).mul(2)}, x);
    }

    /** d tanh = (1 − out²)·dOut. */
    public static Variable tanh(Variable x) {
        Tensor out = x.data().tanh();
        return Variable.result(out, "tanh", dOut -> new Tensor[]{dOut.mul(out.square().neg().add(1))}, x);
    }

    /** dσ = out·(1 − out)·dOut. */
    public static Variable sigmoid(Variable x) {
        Tensor out = x.data().sigmoid();
        return Variable.result(out, "sigmoid", dOut -> new Tensor[]{dOut.mul(out.mul(out.neg().add(1)))}, x);
    }

    public static Variable relu(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.relu(), "relu", dOut -> new Tensor[]{dOut.mul(xs.gt(0))}, x);
    }

    /** silu = x·σ(x): d = σ·(1 + x·(1 − σ))·dOut. */
    public static Variable silu(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.silu(), "silu", dOut -> {
            Tensor s = xs.sigmoid();
            return new Tensor[]{dOut.mul(s.mul(xs.mul(s.neg().add(1)).add(1)))};
        }, x);
    }

    /**
     * gelu = x·Φ(x): d = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π). Φ is read off the forward as
     * gelu(x)/x (exact in floating point up to rounding), with Φ(0) = ½.
     */
    public static Variable gelu(Variable x) {
        Tensor xs = x.data(), out = xs.gelu();
        return Variable.result(out, "gelu", dOut -> {
            Tensor zero = xs.eq(0);
            Tensor cdf = Tensor.where(zero, Tensor.full(0.5, xs.dtype(), xs.device(), xs.shape()), out.div(xs.add(zero)));
            Tensor pdf = xs.square().mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
            return new Tensor[]{dOut.mul(cdf.add(xs.mul(pdf)))};
        }, x);
    }

    /**
     * gelu_tanh = ½x(1 + t), t = tanh(u), u = √(2/π)(x + 0.044715x³):
     * d = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
     */
    public static Variable geluTanh(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.geluTanh(), "geluTanh", dOut -> {
            double c = Math.sqrt(2 / Math.PI);
            Tensor x2 = xs.square();
            Tensor t = xs.add(x2.mul(xs).mul(0.044715)).mul(c).tanh();
            Tensor du = x2.mul(3 * 0.044715).add(1).mul(c);
            Tensor d = t.add(1).mul(0.5).add(xs.mul(0.5).mul(t.square().neg().add(1)).mul(du));
            return new Tensor[]{dOut.mul(d)};
        }, x);
    }

    /** softplus = log(1 + eˣ): d = σ(x)·dOut. */
    public static Variable softplus(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.apply(UnaryOp.SOFTPLUS), "softplus", dOut -> new Tensor[]{dOut.mul(xs.sigmoid())}, x);
    }

    public static Variable sin(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.sin(), "sin", dOut -> new Tensor[]{dOut.mul(xs.cos())}, x);
    }

    public static Variable cos(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.cos(), "cos", dOut -> new Tensor[]{dOut.mul(xs.sin()).neg()}, x);
    }

    /** min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi. */
    public static Variable clamp(Variable x, double lo, double hi) {
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lo " + lo + " must not exceed hi " + hi);
        Tensor xs = x.data();
        return Variable.result(xs.clamp(lo, hi), "clamp",
                dOut -> new Tensor[]{dOut.mul(xs.ge(lo).mul(xs.gt(hi).neg().add(1)))}, x);
    }

    /** cond ≠ 0 ? a : b, all three broadcast to one shape; cond carries no gradient. */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        int[] as = a.shape(), bs = b.shape();
        return Variable.result(Tensor.where(cond, a.data(), b.data()), "where", dOut -> {
            Tensor z = zerosLike(dOut);
            return new Tensor[]{
                    a.requiresGrad() ? unbroadcast(Tensor.where(cond, dOut, z), as) : null,
                    b.requiresGrad() ? unbroadcast(Tensor.where(cond, z, dOut), bs) : null};
        }, a, b);
    }

    /**
     * Inverted dropout: in training each element is kept with probability 1 − p and scaled by
     * 1/(1 − p), so the expectation is unchanged; identity when not training or p = 0. A composite:
     * the Bernoulli mask enters as a constant factor of {@link #mul}.
     */
    public static Variable dropout(Variable x, double p, Generator g, boolean training) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        if (!training || p == 0) return x;
        if (p == 1) return mulScalar(x, 0);
        DType dt = x.dtype();
        Tensor mask = Rand.bernoulli(g, 1 - p, dt, x.device(), x.shape()).mul(1 / (1 - p));
        return mul(x, Variable.constant(mask));
    }
}
