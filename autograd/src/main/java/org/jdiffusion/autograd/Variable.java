package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tensor in the autograd graph: its value ({@link #data()}), whether gradients flow to it, the
 * node that produced it, and for leaves the accumulated {@link #grad()}. Ops are the static methods
 * of the {@code *Functions} classes, each with its backward rule beside its forward; the instance
 * methods here are short forms of the common ones.
 */
public final class Variable {
    private Tensor data;
    private Tensor grad;
    private Tensor gradBuffer;   // this leaf's own gradient memory, kept across zeroGrad() and outside every MemoryScope
    private final boolean requiresGrad;
    final Node node;

    private Variable(Tensor data, boolean requiresGrad, Node node) {
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.node = node;
    }

    /** A leaf that requires grad (a parameter or an input to differentiate by). */
    public static Variable param(Tensor data) { return new Variable(data, true, null); }

    /** A leaf without gradient. */
    public static Variable constant(Tensor data) { return new Variable(data, false, null); }

    /**
     * The result of op {@code name}: recorded with its rule when grad mode is on and some input
     * requires grad, else a constant. Used by every *Functions op.
     */
    static Variable result(Tensor out, String name, Node.Rule rule, Variable... inputs) {
        if (Anomaly.enabled()) Anomaly.checkForward(out, name, inputs);
        if (!Grad.isEnabled()) return constant(out);
        for (Variable v : inputs)
            if (v != null && v.requiresGrad) return new Variable(out, true, new Node(name, inputs, rule));
        return constant(out);
    }

    public Tensor data() { return data; }

    /** Replaces the value (same shape, dtype and device); for loading parameters. */
    public void setData(Tensor t) {
        if (!java.util.Arrays.equals(t.shape(), data.shape()) || t.dtype() != data.dtype() || !t.device().equals(data.device()))
            throw new IllegalArgumentException("setData: " + t.describe() + " does not match " + data.describe());
        data = t;
    }

    /** The accumulated gradient of a leaf, or null before any backward reached it. */
    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) { grad = g; }

    /** Forgets the gradient; the leaf keeps its gradient memory for the next backward to write into. */
    public void zeroGrad() { grad = null; }

    /**
     * Multiplies the gradient by s: in place when it is this leaf's own buffer, else as a new
     * tensor (a gradient set from outside may be shared).
     */
    public void scaleGrad(double s) {
        if (grad == null) return;
        if (grad == gradBuffer) grad.mulInPlace(s);
        else grad = grad.mul(s);
    }

    /** {@link #scaleGrad(double)} by a 0-d tensor on the gradient's device (nothing is read back to the host). */
    public void scaleGrad(Tensor s) {
        if (grad == null) return;
        if (grad == gradBuffer) grad.mulInPlace(s);
        else grad = grad.mul(s);
    }

    /**
     * Adds a backward pass's gradient for this leaf. The first one after {@link #zeroGrad} is copied
     * into the leaf's buffer (allocated once, untracked, so it outlives any step's MemoryScope);
     * later ones add in place.
     */
    private void accumulate(Tensor g) {
        if (grad == null) {
            if (gradBuffer == null || !java.util.Arrays.equals(gradBuffer.shape(), g.shape()) || gradBuffer.dtype() != g.dtype()
                    || !gradBuffer.device().equals(g.device()))
                gradBuffer = MemoryScope.untracked(() -> Tensor.empty(g.dtype(), g.device(), g.shape()));
            grad = gradBuffer.copyFrom(g);
        } else if (grad == gradBuffer) {
            grad.addInPlace(g);
        } else {
            grad = grad.add(g);
        }
    }

    public boolean requiresGrad() { return requiresGrad; }

    public boolean isLeaf() { return node == null; }

    /** The same value, cut from the graph. */
    public Variable detach() { return constant(data); }

    /** The op that produced this variable, or null for a leaf. */
    public String op() { return node == null ? null : node.op; }

    public int[] shape() { return data.shape(); }

    public int size(int dim) { return data.size(dim); }

    public int dim() { return data.dim(); }

    public DType dtype() { return data.dtype(); }

    public Device device() { return data.device(); }

    public double item() { return data.item(); }

    // ---- short forms of the common ops (each delegates to its *Functions class) -----------------

    public Variable add(Variable o) { return PointwiseFunctions.add(this, o); }
    public Variable sub(Variable o) { return PointwiseFunctions.sub(this, o); }
    public Variable mul(Variable o) { return PointwiseFunctions.mul(this, o); }
    public Variable div(Variable o) { return PointwiseFunctions.div(this, o); }
    public Variable add(double s) { return PointwiseFunctions.addScalar(this, s); }
    public Variable sub(double s) { return PointwiseFunctions.addScalar(this, -s); }
    public Variable mul(double s) { return PointwiseFunctions.mulScalar(this, s); }
    public Variable div(double s) { return PointwiseFunctions.mulScalar(this, 1 / s); }
    public Variable pow(double p) { return PointwiseFunctions.pow(this, p); }
    public Variable neg() { return PointwiseFunctions.neg(this); }
    public Variable exp() { return PointwiseFunctions.exp(this); }
    public Variable log() { return PointwiseFunctions.log(this); }
    public Variable sqrt() { return PointwiseFunctions.sqrt(this); }
    public Variable square() { return PointwiseFunctions.square(this); }
    public Variable tanh() { return PointwiseFunctions.tanh(this); }
    public Variable sigmoid() { return PointwiseFunctions.sigmoid(this); }
    public Variable relu() { return PointwiseFunctions.relu(this); }
    public Variable silu() { return PointwiseFunctions.silu(this); }
    public Variable gelu() { return PointwiseFunctions.gelu(this); }
    public Variable sum() { return ReduceFunctions.sum(this); }
    public Variable sum(int[] dims, boolean keepdim) { return ReduceFunctions.sum(this, dims, keepdim); }
    public Variable mean() { return ReduceFunctions.mean(this); }
    public Variable mean(int[] dims, boolean keepdim) { return ReduceFunctions.mean(this, dims, keepdim); }
    public Variable reshape(int... shape) { return ShapeFunctions.reshape(this, shape); }
    public Variable view(int... shape) { return ShapeFunctions.view(this, shape); }
    public Variable permute(int... dims) { return ShapeFunctions.permute(this, dims); }
    public Variable transpose(int d0, int d1) { return ShapeFunctions.transpose(this, d0, d1); }
    public Variable unsqueeze(int dim) { return ShapeFunctions.unsqueeze(this, dim); }
    public Variable squeeze(int dim) { return ShapeFunctions.squeeze(this, dim); }
    public Variable narrow(int dim, int start, int length) { return ShapeFunctions.narrow(this, dim, start, length); }
    public Variable select(int dim, int index) { return ShapeFunctions.select(this, dim, index); }
    public Variable expand(int... shape) { return ShapeFunctions.expand(this, shape); }
    public Variable flatten(int start, int end) { return ShapeFunctions.flatten(this, start, end); }
    public Variable matmul(Variable o) { return LinalgFunctions.matmul(this, o); }

    // ---- backward -----------------------------------------------------------------------------

    /** Backward from a one-element output with upstream gradient 1. */
    public void backward() {
        if (data.numel() != 1)
            throw new IllegalArgumentException("backward: needs a one-element output or an explicit gradient, got " + data.describe());
        backward(Tensor.ones(data.dtype(), data.device(), data.shape()), false);
    }

    public void backward(Tensor upstream) { backward(upstream, false); }

    /**
     * Told of each leaf that requires grad once its gradient is final for the current backward
     * pass: every op that used it has propagated into it. Leaves arrive in reverse topological
     * order, the last layer's parameters first, so data-parallel training can reduce them while
     * the rest of the pass runs.
     */
    @FunctionalInterface
    public interface LeafHook { void gradReady(Variable leaf); }

    /** {@link #backward()} that tells {@code hook} of each leaf as soon as its gradient is final. */
    public void backward(LeafHook hook) {
        if (data.numel() != 1)
            throw new IllegalArgumentException("backward: needs a one-element output or an explicit gradient, got " + data.describe());
        backward(Tensor.ones(data.dtype(), data.device(), data.shape()), false, hook);
    }

    public void backward(Tensor upstream, boolean retainGraph) { backward(upstream, retainGraph, null); }

    /**
     * Propagates {@code upstream} (of this variable's shape) through the graph in reverse
     * topological order; with {@code retainGraph} false the graph is freed as it goes; {@code hook}
     * (may be null) is told of each leaf whose gradient is final.
     */
    @SuppressWarnings("try")   // the no-grad scope only switches grad mode
    public void backward(Tensor upstream, boolean retainGraph, LeafHook hook) {
        if (!requiresGrad)
            throw new IllegalStateException("backward: this " + data.describe() + " does not require grad (no parameter reaches it)");
        if (!java.util.Arrays.equals(upstream.shape(), data.shape()))
            throw new IllegalArgumentException("backward: gradient " + upstream.describe() + " does not match output " + data.describe());
        List<Variable> order = topoOrder();
        Map<Variable, Tensor> grads = new IdentityHashMap<>();
        grads.put(this, upstream);
        try (var scope = Grad.noGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Variable v = order.get(i);
                Tensor g = grads.remove(v);
                if (g == null) continue;
                if (v.node == null) {
                    // the leaf's own buffer: rules may hand one dOut to several inputs, and optimisers update grads in place
                    v.accumulate(g);
                    if (hook != null) hook.gradReady(v);   // a leaf appears once in the order: nothing adds to it after this
                    continue;
                }
                Node n = v.node;
                if (n.rule == null)
                    throw new IllegalStateException("backward: the graph through op '" + n.op + "' was already freed by an earlier backward(); "
                            + "pass retainGraph=true to the first backward to run backward twice");
                Tensor[] gin = n.rule.apply(g);
                if (Anomaly.enabled()) Anomaly.checkBackward(n, g, gin);
                if (!retainGraph) n.rule = null;
                for (int k = 0; k < n.inputs.length; k++) {
                    Variable in = n.inputs[k];
                    if (in == null || !in.requiresGrad || gin[k] == null) continue;
                    if (!java.util.Arrays.equals(gin[k].shape(), in.data.shape()))
                        throw new IllegalStateException("backward rule of '" + n.op + "' returned gradient " + gin[k].describe()
                                + " for input " + k + " of shape " + Shapes.str(in.data.shape()));
                    Tensor prev = grads.get(in);
                    grads.put(in, prev == null ? gin[k] : prev.add(gin[k]));
                }
            }
        }
    }

    /** Nodes reachable from this one, inputs before outputs (iterative DFS). */
    private List<Variable> topoOrder() {
        List<Variable> order = new ArrayList<>();
        Map<Variable, Boolean> seen = new IdentityHashMap<>();
        ArrayList<Variable> stack = new ArrayList<>();
        ArrayList<Integer> next = new ArrayList<>();
        stack.add(this);
        next.add(0);
        seen.put(this, true);
        while (!stack.isEmpty()) {
            int top = stack.size() - 1;
            Variable v = stack.get(top);
            int k = next.get(top);
            Variable[] ins = v.node == null ? new Variable[0] : v.node.inputs;
            if (k < ins.length) {
                next.set(top, k + 1);
                Variable in = ins[k];
                if (in != null && in.requiresGrad && seen.put(in, true) == null) {
                    stack.add(in);
                    next.add(0);
                }
            } else {
                order.add(v);
                stack.remove(top);
                next.remove(top);
            }
        }
        return order;
    }

    @Override public String toString() {
        return "Variable(" + data.describe() + (requiresGrad ? ", requiresGrad" : "") + (node != null ? ", op=" + node.op : "") + ")";
    }
}
