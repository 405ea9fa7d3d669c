package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Anomaly detection, after PyTorch's {@code torch.autograd.detect_anomaly}: inside a
 * {@link #detect} scope every op's output (forward, at {@link Variable}'s one construction point)
 * and every gradient a backward rule returns is checked for NaN and ±Inf, and the first non-finite
 * value stops the computation with an {@link AnomalyException} naming the op, its input and output
 * shapes, the parameters it read (by name, when the scope was given them) and the module
 * {@code forward} methods on the stack that called it. A value is checked on the host (a copy from
 * the device), so a scope makes a step several times slower; outside one the cost is one read of a
 * static field per op.
 */
public final class Anomaly {
    private Anomaly() {}

    /** Open scopes, on any thread; the only thing an op reads when detection is off. */
    private static volatile int open;
    private static final ThreadLocal<Map<Variable, String>> NAMES = new ThreadLocal<>();

    /** An open detection scope; closing it restores the previous state. */
    public static final class Scope implements AutoCloseable {
        private final Map<Variable, String> previous;
        private boolean closed;

        private Scope(Map<Variable, String> names) {
            previous = NAMES.get();
            NAMES.set(names);
            synchronized (Anomaly.class) { open++; }
        }

        @Override public void close() {
            if (closed) return;
            closed = true;
            if (previous == null) NAMES.remove(); else NAMES.set(previous);
            synchronized (Anomaly.class) { open--; }
        }
    }

    /** A non-finite value found in a scope; the message says where. */
    public static final class AnomalyException extends IllegalStateException {
        private final String op;

        AnomalyException(String op, String message) {
            super(message);
            this.op = op;
        }

        /** The op whose output (or whose backward's gradient) held the first non-finite value. */
        public String op() { return op; }
    }

    /** Opens a scope. */
    public static Scope detect() { return new Scope(new IdentityHashMap<>()); }

    /** Opens a scope that names these parameters (e.g. a module's {@code namedParameters()}) in its messages. */
    public static Scope detect(Map<String, Variable> parameters) {
        Map<Variable, String> names = new IdentityHashMap<>();
        parameters.forEach((k, v) -> names.put(v, k));
        return new Scope(names);
    }

    /** Whether a scope is open (on any thread). */
    public static boolean enabled() { return open > 0; }

    // ---- the checks (called by Variable only while enabled) ------------------------------------

    static void checkForward(Tensor out, String op, Variable[] inputs) {
        if (NAMES.get() == null) return;                   // a scope on another thread
        long at = firstNonFinite(out);
        if (at < 0) return;
        StringBuilder b = new StringBuilder("anomaly: ").append(op).append(" produced ").append(valueAt(out, at))
                .append(" (first at element ").append(at).append(" of ").append(out.numel()).append(") in its output ")
                .append(describe(out)).append(" from ");
        inputs(b, inputs);
        for (Variable v : inputs)
            if (v != null && firstNonFinite(v.data()) >= 0) {
                b.append("; an input already held it, so it came from a leaf (the data or a parameter) or an op outside the scope");
                break;
            }
        throw new AnomalyException(op, b.append(callers()).toString());
    }

    static void checkBackward(Node n, Tensor dOut, Tensor[] gradients) {
        if (NAMES.get() == null) return;
        for (int i = 0; i < gradients.length; i++) {
            Tensor g = gradients[i];
            long at = g == null ? -1 : firstNonFinite(g);
            if (at < 0) continue;
            StringBuilder b = new StringBuilder("anomaly: the backward of ").append(n.op).append(" produced ").append(valueAt(g, at))
                    .append(" in the gradient of its input ").append(i).append(' ').append(describe(g)).append(" (first at element ")
                    .append(at).append(") from the output gradient ").append(describe(dOut));
            if (firstNonFinite(dOut) >= 0) b.append(", which already held a non-finite value");
            b.append("; the op's inputs: ");
            inputs(b, n.inputs);
            if (n.callers != null) b.append(n.callers);
            throw new AnomalyException(n.op, b.toString());
        }
    }

    /** Where a node was recorded, kept with it while a scope is open (for its backward's message). */
    static String recordCallers() { return NAMES.get() == null ? null : callers(); }

    private static void inputs(StringBuilder b, Variable[] inputs) {
        Map<Variable, String> names = NAMES.get();
        List<String> parts = new ArrayList<>();
        for (Variable v : inputs) {
            if (v == null) continue;
            String name = names == null ? null : names.get(v);
            parts.add(describe(v.data()) + (name != null ? " (" + name + ")" : v.isLeaf() ? "" : " (from " + v.op() + ")"));
        }
        b.append(parts.isEmpty() ? "no inputs" : "inputs " + String.join(", ", parts));
    }

    private static String describe(Tensor t) { return Shapes.str(t.shape()) + " " + t.dtype().name().toLowerCase(); }

    /**
     * The {@code forward} methods on the stack outside autograd, innermost first: the modules
     * (and any other callers named forward) that were running the op.
     */
    private static String callers() {
        List<String> frames = StackWalker.getInstance().walk(s -> s
                .filter(f -> f.getMethodName().equals("forward") && !f.getClassName().startsWith("org.jdiffusion.autograd."))
                .limit(4)
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + ".forward(" + f.getFileName() + ":"
                        + f.getLineNumber() + ")")
                .toList());
        return frames.isEmpty() ? "" : "; called from " + String.join(" <- ", frames);
    }

    /** The index of the first NaN or ±Inf of a floating tensor (in row-major order), or −1. */
    static long firstNonFinite(Tensor t) {
        if (!t.dtype().isFloating() || t.numel() == 0) return -1;
        double[] x = host(t);
        for (int i = 0; i < x.length; i++) if (!Double.isFinite(x[i])) return i;
        return -1;
    }

    private static double[] host(Tensor t) { return ((HostStorage.F64) t.to(DType.FLOAT64).contiguous().toHost()).data(); }

    private static String valueAt(Tensor t, long i) {
        double v = host(t)[(int) i];
        return Double.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    }
}
