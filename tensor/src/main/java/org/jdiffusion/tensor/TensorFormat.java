package org.jdiffusion.tensor;

/** A readable summary: shape, dtype, device, then the values with long dims elided as "...". */
final class TensorFormat {
    private TensorFormat() {}

    private static final int EDGE = 3, FULL_LIMIT = 1000;

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("Tensor(shape=").append(Shapes.str(t.shape())).append(", dtype=").append(t.dtype())
                .append(", device=").append(t.device()).append(")\n");
        HostStorage h = t.toHost();
        boolean summarise = t.numel() > FULL_LIMIT;
        append(sb, h, t.shape(), Shapes.contiguousStrides(t.shape()), 0, 0, summarise, t.dtype());
        return sb.toString();
    }

    private static void append(StringBuilder sb, HostStorage h, int[] shape, int[] strides, int dim, int off, boolean sum, DType dt) {
        if (dim == shape.length) {
            double v = h.get(off);
            sb.append(dt.isFloating() ? String.format(java.util.Locale.ROOT, "%.4g", v) : Long.toString(((HostStorage.I64) h).data()[off]));
            return;
        }
        sb.append('[');
        int n = shape[dim];
        for (int i = 0; i < n; i++) {
            if (sum && n > 2 * EDGE && i == EDGE) {
                sb.append("...");
                i = n - EDGE - 1;
                sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(dim + 1));
                continue;
            }
            append(sb, h, shape, strides, dim + 1, off + i * strides[dim], sum, dt);
            if (i < n - 1) sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(dim + 1));
        }
        sb.append(']');
    }
}
