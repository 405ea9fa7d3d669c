package org.jdiffusion.tensor;

import java.util.Arrays;

/** View arithmetic: each method returns a tensor sharing storage with its input. */
final class Views {
    private Views() {}

    /**
     * Strides that let (shape, strides) be read as newShape without copying, or null. Dims are
     * grouped into runs that are contiguous among themselves; each run maps onto a run of new dims.
     */
    static int[] viewStrides(int[] shape, int[] strides, int[] newShape) {
        int n = Shapes.numel(shape);
        int[] ns = new int[newShape.length];
        if (n == 0) return Shapes.contiguousStrides(newShape);
        int oi = 0, ni = 0;
        int oldRank = shape.length, newRank = newShape.length;
        while (oi < oldRank || ni < newRank) {
            // skip size-1 dims on both sides
            if (ni < newRank && newShape[ni] == 1) { ns[ni] = 1; ni++; continue; }
            if (oi < oldRank && shape[oi] == 1) { oi++; continue; }
            if (oi >= oldRank || ni >= newRank) return null;
            // collect an old run [oi, oj) whose product equals a new run [ni, nj)
            long po = shape[oi], pn = newShape[ni];
            int oj = oi + 1, nj = ni + 1;
            while (po != pn) {
                if (po < pn) { if (oj >= oldRank) return null; po *= shape[oj++]; }
                else { if (nj >= newRank) return null; pn *= newShape[nj++]; }
            }
            // the old run must be contiguous among itself (ignoring size-1 dims)
            int last = -1, innermost = -1;
            for (int d = oj - 1; d >= oi; d--) {
                if (shape[d] == 1) continue;
                if (last >= 0 && strides[d] != strides[last] * shape[last]) return null;
                if (innermost < 0) innermost = d;
                last = d;
            }
            // the new run steps through the old run's elements from its innermost stride up
            int s = strides[innermost];
            for (int d = nj - 1; d >= ni; d--) { ns[d] = s; s *= newShape[d]; }
            oi = oj;
            ni = nj;
        }
        return ns;
    }

    static Tensor permute(Tensor t, int[] dims) {
        int r = t.dim();
        if (dims.length != r)
            throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " has " + dims.length + " dims for a tensor of shape "
                    + Shapes.str(t.shape()) + " (expected " + r + ")");
        int[] sh = t.shape(), st = t.strides(), ns = new int[r], nst = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int d = Shapes.dim("permute", dims[i], sh);
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + d + " repeated in " + Arrays.toString(dims));
            seen[d] = true;
            ns[i] = sh[d];
            nst[i] = st[d];
        }
        return t.withView(ns, nst, t.offset());
    }

    static Tensor transpose(Tensor t, int d0, int d1) {
        int[] sh = t.shape(), st = t.strides();
        int a = Shapes.dim("transpose", d0, sh), b = Shapes.dim("transpose", d1, sh);
        int x = sh[a]; sh[a] = sh[b]; sh[b] = x;
        x = st[a]; st[a] = st[b]; st[b] = x;
        return t.withView(sh, st, t.offset());
    }

    static Tensor slice(Tensor t, int dim, int start, int end, int step, String op) {
        int[] sh = t.shape(), st = t.strides();
        int d = Shapes.dim(op, dim, sh);
        int n = sh[d];
        if (step < 1) throw new IllegalArgumentException(op + ": step must be >= 1, got " + step);
        int s = start < 0 ? start + n : start, e = end < 0 ? end + n : end;
        if (s < 0 || e > n || s > e)
            throw new IllegalArgumentException(op + ": range [" + start + ", " + end + ") is out of bounds for dim " + dim
                    + " of size " + n + " in shape " + Shapes.str(sh));
        sh[d] = (e - s + step - 1) / step;
        int off = t.offset() + s * st[d];
        st[d] *= step;
        return t.withView(sh, st, off);
    }

    static Tensor select(Tensor t, int dim, int index) {
        int[] sh = t.shape(), st = t.strides();
        int d = Shapes.dim("select", dim, sh);
        int i = index < 0 ? index + sh[d] : index;
        if (i < 0 || i >= sh[d])
            throw new IllegalArgumentException("select: index " + index + " is out of range for dim " + dim + " of size " + sh[d]
                    + " in shape " + Shapes.str(sh));
        return t.withView(remove(sh, d), remove(st, d), t.offset() + i * st[d]);
    }

    static Tensor expand(Tensor t, int[] newShape) {
        int[] sh = t.shape(), st = t.strides();
        int r = newShape.length, lead = r - sh.length;
        if (lead < 0)
            throw new IllegalArgumentException("expand: cannot expand shape " + Shapes.str(sh) + " to fewer dims " + Shapes.str(newShape));
        int[] ns = new int[r], nst = new int[r];
        for (int i = 0; i < r; i++) {
            int want = newShape[i];
            if (i < lead) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 not allowed for new leading dim " + i + " in " + Shapes.str(newShape));
                ns[i] = want;
                nst[i] = 0;
                continue;
            }
            int have = sh[i - lead];
            if (want == -1 || want == have) { ns[i] = have; nst[i] = st[i - lead]; }
            else if (have == 1) { ns[i] = want; nst[i] = 0; }
            else throw new IllegalArgumentException("expand: shape " + Shapes.str(sh) + " cannot be expanded to " + Shapes.str(newShape)
                        + ": dim " + i + " has size " + have + " (expected 1 or " + want + ")");
        }
        return t.withView(ns, nst, t.offset());
    }

    static Tensor unsqueeze(Tensor t, int dim) {
        int[] sh = t.shape(), st = t.strides();
        int r = sh.length;
        if (dim < -(r + 1) || dim > r)
            throw new IllegalArgumentException("unsqueeze: dim " + dim + " is out of range for a " + r + "-d tensor (expected "
                    + -(r + 1) + ".." + r + ")");
        int d = dim < 0 ? dim + r + 1 : dim;
        int inner = d < r ? st[d] * sh[d] : 1;
        return t.withView(insert(sh, d, 1), insert(st, d, inner), t.offset());
    }

    static Tensor squeeze(Tensor t, int dim) {
        int[] sh = t.shape(), st = t.strides();
        int d = Shapes.dim("squeeze", dim, sh);
        if (sh[d] != 1)
            throw new IllegalArgumentException("squeeze: dim " + dim + " has size " + sh[d] + " in shape " + Shapes.str(sh) + " (expected 1)");
        return t.withView(remove(sh, d), remove(st, d), t.offset());
    }

    static Tensor squeezeAll(Tensor t) {
        Tensor r = t;
        for (int d = t.dim() - 1; d >= 0; d--) if (t.shape()[d] == 1) r = squeeze(r, d);
        return r;
    }

    static Tensor flatten(Tensor t, int start, int end) {
        int[] sh = t.shape();
        if (sh.length == 0) return t.reshape(1);
        int s = Shapes.dim("flatten", start, sh), e = Shapes.dim("flatten", end, sh);
        if (s > e) throw new IllegalArgumentException("flatten: start dim " + start + " is after end dim " + end);
        int[] ns = new int[sh.length - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) ns[k++] = sh[i];
        int m = 1;
        for (int i = s; i <= e; i++) m *= sh[i];
        ns[k++] = m;
        for (int i = e + 1; i < sh.length; i++) ns[k++] = sh[i];
        return t.reshape(ns);
    }

    static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    static int[] insert(int[] a, int i, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, i);
        r[i] = v;
        System.arraycopy(a, i, r, i + 1, a.length - i);
        return r;
    }
}
