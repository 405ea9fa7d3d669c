package org.jdiffusion.nn;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of a network: its own parameters (trainable {@link Variable}s) and buffers (state saved
 * with the model but not trained), and named child modules. Names are dotted paths in
 * registration order ({@code down.3.c1.weight}), the same names a PyTorch {@code state_dict}
 * of the same module tree uses. Layers read their parameters by name on every call, so moving a
 * module ({@link #to(Device)}, {@link #to(DType)}) or binding other variables
 * ({@link #setParameter}) needs no cooperation from the subclass.
 */
public abstract class Module {
    private final Map<String, Variable> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ---- registration -------------------------------------------------------------------------

    protected final Variable registerParameter(String name, Tensor value) {
        checkName(name);
        Variable v = Variable.param(value);
        params.put(name, v);
        return v;
    }

    protected final void registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
    }

    protected final <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        children.put(name, child);
        child.train(training);
        return child;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": member name '" + name + "' must be non-empty and contain no '.'");
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": member name '" + name + "' is already registered");
    }

    /** This module's own parameter {@code name}. */
    protected final Variable param(String name) {
        Variable v = params.get(name);
        if (v == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'");
        return v;
    }

    /** This module's own parameter {@code name}, or null when absent (an optional bias). */
    protected final Variable paramOrNull(String name) { return params.get(name); }

    protected final Tensor buffer(String name) { return buffers.get(name); }

    protected final void setBuffer(String name, Tensor value) {
        if (!buffers.containsKey(name)) throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'");
        buffers.put(name, value);
    }

    // ---- traversal ----------------------------------------------------------------------------

    /** Direct children in registration order. */
    public final Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** Every parameter of this module and its descendants, by dotted name, in registration order. */
    public final Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        collectParams("", out);
        return out;
    }

    private void collectParams(String prefix, Map<String, Variable> out) {
        for (var e : params.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectParams(prefix + e.getKey() + ".", out);
    }

    public final List<Variable> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Every buffer of this module and its descendants, by dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        for (var e : buffers.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectBuffers(prefix + e.getKey() + ".", out);
    }

    /** Every module of the tree by dotted path ("" for this one), parents before children. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String path, Map<String, Module> out) {
        out.put(path, this);
        for (var e : children.entrySet()) e.getValue().collectModules(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out);
    }

    /** The total number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Variable v : namedParameters().values()) n += v.data().numel();
        return n;
    }

    // ---- state --------------------------------------------------------------------------------

    /** Parameters then buffers of the tree, by dotted name (the live tensors, not copies). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((k, v) -> out.put(k, v.data()));
        out.putAll(namedBuffers());
        return out;
    }

    /**
     * Copies a state dict into this module. Values are cast to each parameter's dtype and moved to
     * its device. With {@code strict}, missing, unexpected and wrongly shaped entries are all
     * reported in one error and nothing is changed; without it, only matching names are loaded
     * (shape mismatches still fail).
     */
    public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
        StateDicts.load(this, state, strict);
    }

    public final void loadStateDict(Map<String, Tensor> state) { loadStateDict(state, true); }

    /** Replaces the value of parameter or buffer {@code dottedName} with a copy of {@code value} (same shape). */
    final void assign(String dottedName, Tensor value) {
        int dot = dottedName.indexOf('.');
        if (dot >= 0) {
            Module c = children.get(dottedName.substring(0, dot));
            if (c == null) throw new IllegalArgumentException("no module for '" + dottedName + "'");
            c.assign(dottedName.substring(dot + 1), value);
            return;
        }
        Variable v = params.get(dottedName);
        if (v != null) {
            Tensor cur = v.data();
            v.setData(MemoryScope.untracked(() -> value.to(cur.dtype()).to(cur.device()).contiguous().copy()));
            return;
        }
        Tensor b = buffers.get(dottedName);
        if (b == null) throw new IllegalArgumentException("no parameter or buffer '" + dottedName + "'");
        buffers.put(dottedName, MemoryScope.untracked(() -> value.to(b.dtype()).to(b.device()).contiguous().copy()));
    }

    /**
     * Binds the parameter {@code dottedName} to another variable of the same shape (functional
     * use: gradcheck, weight tying). Later calls of the layer read the new variable.
     */
    public final void setParameter(String dottedName, Variable v) {
        int dot = dottedName.indexOf('.');
        if (dot >= 0) {
            Module c = children.get(dottedName.substring(0, dot));
            if (c == null) throw new IllegalArgumentException("setParameter: no module for '" + dottedName + "'");
            c.setParameter(dottedName.substring(dot + 1), v);
            return;
        }
        Variable cur = params.get(dottedName);
        if (cur == null) throw new IllegalArgumentException("setParameter: " + getClass().getSimpleName() + " has no parameter '" + dottedName + "'");
        if (!Arrays.equals(cur.shape(), v.shape()))
            throw new IllegalArgumentException("setParameter: '" + dottedName + "' has shape " + Shapes.str(cur.shape())
                    + ", got " + Shapes.str(v.shape()));
        params.put(dottedName, v);
    }

    // ---- mode, device, dtype, gradients -------------------------------------------------------

    /** Training mode (dropout active) for this module and its descendants; returns this. */
    public final Module train(boolean on) {
        training = on;
        for (Module c : children.values()) c.train(on);
        return this;
    }

    public final Module train() { return train(true); }

    /** Evaluation mode (dropout off); returns this. */
    public final Module eval() { return train(false); }

    public final boolean isTraining() { return training; }

    /** Moves every parameter and buffer to {@code device} (new leaf variables; grads dropped); returns this. */
    public final Module to(Device device) { return convert(t -> t.to(device)); }

    /** Casts every floating parameter and buffer to {@code dtype}; returns this. */
    public final Module to(DType dtype) { return convert(t -> t.dtype().isFloating() ? t.to(dtype) : t); }

    /** Parameters and buffers live across steps: their new tensors are allocated outside every MemoryScope. */
    private Module convert(java.util.function.UnaryOperator<Tensor> g) {
        java.util.function.UnaryOperator<Tensor> f = t -> MemoryScope.untracked(() -> g.apply(t));
        for (var e : params.entrySet()) {
            Tensor t = e.getValue().data(), n = f.apply(t);
            if (n != t) e.setValue(Variable.param(n));
        }
        buffers.replaceAll((k, t) -> f.apply(t));
        for (Module c : children.values()) c.convert(g);
        return this;
    }

    public final void zeroGrad() {
        for (Variable v : namedParameters().values()) v.zeroGrad();
    }

    /** Gives every {@link Dropout} of the tree the generator for its masks (the training loop owns and saves it). */
    public final void setDropoutGenerator(Generator g) {
        for (Module m : namedModules().values()) if (m instanceof Dropout d) d.setGenerator(g);
    }

    /**
     * Data-parallel training: the inputs hold rows [start, start + b) along dim 0 of a global
     * batch of {@code globalBatch}; random layers (dropout) draw exactly those rows of what one
     * process would draw for the whole batch. {@code globalBatch} 0 undoes it.
     */
    public final void setBatchShard(int start, int globalBatch) {
        if (start < 0 || globalBatch < 0 || (globalBatch > 0 && start >= globalBatch))
            throw new IllegalArgumentException("setBatchShard: start " + start + " is not a row of a global batch of " + globalBatch);
        for (Module m : namedModules().values()) if (m instanceof Dropout d) d.setShard(start, globalBatch);
    }

    @Override public String toString() {
        return getClass().getSimpleName() + "(" + parameterCount() + " parameters)";
    }
}
