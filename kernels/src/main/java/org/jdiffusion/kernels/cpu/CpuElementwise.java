package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

/**
 * Reference elementwise kernels: fill, copy/cast, unary, binary, where. Values pass through the
 * float64 definitions of {@link UnaryOp#apply} and {@link BinaryOp#apply}; int64 ops use exact
 * integer arithmetic ({@link UnaryOp#applyLong}, {@link BinaryOp#applyLong}). bfloat16/float16 take
 * the generic path: widened exactly to float64, computed there, rounded once to nearest even on store
 * (a same-dtype copy moves the bit patterns). Bytes moved: (inputs + 1) · numel · dtype size.
 */
final class CpuElementwise {
    private CpuElementwise() {}

    static HostStorage host(Tensor t) { return (HostStorage) t.storage(); }

    static void fill(Tensor out, double v) {
        HostStorage o = host(out);
        Strided.rows(out.shape(), new Tensor[]{out}, (offs, st, n) -> {
            for (int i = 0, p = offs[0]; i < n; i++, p += st[0]) o.set(p, v);
        });
    }

    /** The bit patterns of a bfloat16/float16 storage, else null. */
    private static short[] halfBits(HostStorage h) {
        return h instanceof HostStorage.BF16(short[] b) ? b : h instanceof HostStorage.F16(short[] f) ? f : null;
    }

    static void copy(Tensor src, Tensor out) {
        HostStorage s = host(src), o = host(out);
        short[] hx = halfBits(s), hy = halfBits(o);
        if (hx != null && hy != null && s.dtype() == o.dtype()) {   // bits, NaN payloads included
            Strided.rows(out.shape(), new Tensor[]{src, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) hy[q] = hx[p];
            });
        } else if (s instanceof HostStorage.F32 a && o instanceof HostStorage.F32 b) {
            float[] x = a.data(), y = b.data();
            Strided.rows(out.shape(), new Tensor[]{src, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) y[q] = x[p];
            });
        } else if (s instanceof HostStorage.I64 a && o instanceof HostStorage.I64 b) {
            long[] x = a.data(), y = b.data();
            Strided.rows(out.shape(), new Tensor[]{src, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) y[q] = x[p];
            });
        } else {
            Strided.rows(out.shape(), new Tensor[]{src, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) o.set(q, s.get(p));
            });
        }
    }

    static void unary(UnaryOp op, Tensor x, Tensor out) {
        HostStorage s = host(x), o = host(out);
        if (s instanceof HostStorage.F32 a && o instanceof HostStorage.F32 b) {
            float[] xs = a.data(), ys = b.data();
            Strided.rows(out.shape(), new Tensor[]{x, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) ys[q] = (float) op.apply(xs[p]);
            });
        } else if (s instanceof HostStorage.I64 a && o instanceof HostStorage.I64 b) {
            long[] xs = a.data(), ys = b.data();
            Strided.rows(out.shape(), new Tensor[]{x, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) ys[q] = op.applyLong(xs[p]);
            });
        } else {
            Strided.rows(out.shape(), new Tensor[]{x, out}, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1]; i < n; i++, p += st[0], q += st[1]) o.set(q, op.apply(s.get(p)));
            });
        }
    }

    static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        HostStorage sa = host(a), sb = host(b), o = host(out);
        Tensor[] ts = {a, b, out};
        if (sa instanceof HostStorage.F32 fa && sb instanceof HostStorage.F32 fb && o instanceof HostStorage.F32 fo) {
            float[] x = fa.data(), y = fb.data(), z = fo.data();
            Strided.rows(out.shape(), ts, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1], r = offs[2]; i < n; i++, p += st[0], q += st[1], r += st[2])
                    z[r] = (float) op.apply(x[p], y[q]);
            });
        } else if (sa instanceof HostStorage.I64 la && sb instanceof HostStorage.I64 lb && o instanceof HostStorage.I64 lo) {
            long[] x = la.data(), y = lb.data(), z = lo.data();
            Strided.rows(out.shape(), ts, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1], r = offs[2]; i < n; i++, p += st[0], q += st[1], r += st[2])
                    z[r] = op.applyLong(x[p], y[q]);
            });
        } else {
            Strided.rows(out.shape(), ts, (offs, st, n) -> {
                for (int i = 0, p = offs[0], q = offs[1], r = offs[2]; i < n; i++, p += st[0], q += st[1], r += st[2])
                    o.set(r, op.apply(sa.get(p), sb.get(q)));
            });
        }
    }

    static void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        HostStorage c = host(cond), sa = host(a), sb = host(b), o = host(out);
        if (sa instanceof HostStorage.I64 la && sb instanceof HostStorage.I64 lb && o instanceof HostStorage.I64 lo) {
            long[] x = la.data(), y = lb.data(), z = lo.data();
            Strided.rows(out.shape(), new Tensor[]{cond, a, b, out}, (offs, st, n) -> {
                for (int i = 0, pc = offs[0], p = offs[1], q = offs[2], r = offs[3]; i < n; i++, pc += st[0], p += st[1], q += st[2], r += st[3])
                    z[r] = c.get(pc) != 0 ? x[p] : y[q];
            });
            return;
        }
        Strided.rows(out.shape(), new Tensor[]{cond, a, b, out}, (offs, st, n) -> {
            for (int i = 0, pc = offs[0], p = offs[1], q = offs[2], r = offs[3]; i < n; i++, pc += st[0], p += st[1], q += st[2], r += st[3])
                o.set(r, c.get(pc) != 0 ? sa.get(p) : sb.get(q));
        });
    }
}
