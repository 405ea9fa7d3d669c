package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates named parameters in place from their accumulated gradients. Per-parameter state
 * tensors (moments, momentum) are named {@code <param>.<slot>} so a checkpoint stores them as
 * {@code optim.<param>.m}; scalar state (step count, learning rate) travels as strings. Build the
 * optimizer after moving the model to its device: it holds the parameter variables themselves.
 */
public abstract class Optimizer {
    protected final Map<String, Variable> params;
    private final Map<String, Map<String, Tensor>> state = new LinkedHashMap<>();
    private double lr;
    private long steps;

    protected Optimizer(Map<String, Variable> namedParams, double lr) {
        if (namedParams.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        checkLr(lr);
        this.params = new LinkedHashMap<>(namedParams);
        this.lr = lr;
    }

    private void checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be finite and >= 0, got " + lr);
    }

    public final double lr() { return lr; }

    public final void setLr(double lr) {
        checkLr(lr);
        this.lr = lr;
    }

    /** Steps taken so far. */
    public final long steps() { return steps; }

    /**
     * One update of every parameter that has a gradient, all in one {@link #update} call;
     * parameters without one are left alone.
     */
    public final void step() {
        steps++;
        try (var ng = Grad.noGrad()) {
            List<String> names = new ArrayList<>();
            List<Tensor> ps = new ArrayList<>(), gs = new ArrayList<>();
            for (var e : params.entrySet()) {
                Tensor g = e.getValue().grad();
                if (g == null) continue;
                names.add(e.getKey());
                ps.add(e.getValue().data());
                gs.add(g);
            }
            if (!names.isEmpty()) update(names, ps, gs);
        }
    }

    /**
     * Updates each {@code params.get(i)} (named {@code names.get(i)}) in place from gradient
     * {@code grads.get(i)} at step {@link #steps()} (1-based); the lists hold the parameters that
     * have a gradient, in registration order.
     */
    protected abstract void update(List<String> names, List<Tensor> params, List<Tensor> grads);

    /** The named state slot of a parameter, created as zeros like p on first use (outside every MemoryScope: it lives across steps). */
    protected final Tensor slot(String name, String slot, Tensor p) {
        return state.computeIfAbsent(name, k -> new LinkedHashMap<>())
                .computeIfAbsent(slot, k -> MemoryScope.untracked(() -> Tensor.zeros(p.dtype(), p.device(), p.shape())));
    }

    public final void zeroGrad() {
        for (Variable v : params.values()) v.zeroGrad();
    }

    public final Map<String, Variable> parameters() { return java.util.Collections.unmodifiableMap(params); }

    // ---- state --------------------------------------------------------------------------------

    /** Every state tensor as {@code <param>.<slot>} (live tensors). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : state.entrySet())
            for (var s : e.getValue().entrySet()) out.put(e.getKey() + "." + s.getKey(), s.getValue());
        return out;
    }

    /** Scalar state as strings: the optimizer's kind, step count and current learning rate (exact). */
    public Map<String, String> stateMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kind", kind());
        m.put("steps", Long.toString(steps));
        m.put("lr", Double.toString(lr));
        return m;
    }

    /** The optimizer's name in saved state ("Sgd", "Adam", "AdamW"). */
    public String kind() { return getClass().getSimpleName(); }

    /** The state slots a parameter carries (after its first step). */
    protected abstract List<String> slots();

    /**
     * Restores state saved by {@link #stateDict} and {@link #stateMetadata}. Names must be this
     * optimizer's parameters and slots with matching shapes; all problems are reported together.
     */
    public final void loadState(Map<String, Tensor> tensors, Map<String, String> meta) {
        String kind = meta.get("kind");
        if (kind != null && !kind.equals(kind()))
            throw new IllegalArgumentException("optimizer state was saved by " + kind + ", cannot load into " + kind());
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, Tensor>> loaded = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            String key = e.getKey();
            int dot = key.lastIndexOf('.');
            String pname = dot < 0 ? key : key.substring(0, dot), slot = dot < 0 ? "" : key.substring(dot + 1);
            Variable p = params.get(pname);
            if (p == null || !slots().contains(slot)) {
                problems.add("unexpected " + key);
                continue;
            }
            Tensor t = e.getValue();
            if (!Arrays.equals(t.shape(), p.shape())) {
                problems.add("mismatched " + key + ": expected shape " + Shapes.str(p.shape()) + ", got " + Shapes.str(t.shape()));
                continue;
            }
            loaded.computeIfAbsent(pname, k -> new LinkedHashMap<>())
                    .put(slot, MemoryScope.untracked(() -> t.to(p.dtype()).to(p.device()).contiguous().copy()));
        }
        if (!problems.isEmpty())
            throw new IllegalArgumentException("loadState into " + getClass().getSimpleName() + ": " + problems.size() + " problems\n  "
                    + String.join("\n  ", problems));
        state.clear();
        state.putAll(loaded);
        try {
            if (meta.containsKey("steps")) steps = Long.parseLong(meta.get("steps"));
            if (meta.containsKey("lr")) setLr(Double.parseDouble(meta.get("lr")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("optimizer metadata " + meta + " holds a malformed number: " + e.getMessage(), e);
        }
    }
}
