package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Module;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Optim;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An exponential moving average of a model's parameters (buffers are copied), the weights that
 * diffusion models sample with. After update n (1-based) the decay is
 * d_n = min(decay, (1 + n)/(warmup + n)) with warm-up, else {@code decay}, and
 * shadow ← d_n·shadow + (1 − d_n)·param, all parameters in one {@link Optim#emaUpdate} call.
 * {@link #swapInto} puts the averages into the model for
 * sampling and puts the trained weights back when closed.
 */
public final class Ema {
    private final double decay;
    private final int warmup;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();
    private long updates;

    /** Starts from a copy of the model's current state; warmup 0 disables the warm-up. */
    public Ema(Module model, double decay, int warmup) {
        if (!(decay >= 0 && decay <= 1)) throw new IllegalArgumentException("Ema: decay must be in [0, 1], got " + decay);
        if (warmup < 0) throw new IllegalArgumentException("Ema: warmup must be >= 0, got " + warmup);
        this.decay = decay;
        this.warmup = warmup;
        model.stateDict().forEach((k, t) -> shadow.put(k, MemoryScope.untracked(t::copy)));  // lives across steps
    }

    public double decay() { return decay; }

    public long updates() { return updates; }

    /** The decay used by update n (1-based). */
    public double decayAt(long n) { return warmup > 0 ? Math.min(decay, (1.0 + n) / (warmup + n)) : decay; }

    /** Folds the model's current parameters into the average. */
    public void update(Module model) {
        updates++;
        double d = decayAt(updates);
        try (var ng = Grad.noGrad()) {
            Map<String, Variable> params = model.namedParameters();
            List<Tensor> averaged = new ArrayList<>(), sources = new ArrayList<>();
            for (var e : model.stateDict().entrySet()) {
                Tensor s = shadow.get(e.getKey());
                if (s == null) throw new IllegalArgumentException("Ema.update: the model has '" + e.getKey() + "' which the average lacks");
                Tensor p = e.getValue();
                if (params.containsKey(e.getKey()) && p.dtype().isFloating()) {
                    averaged.add(s);
                    sources.add(p.contiguous());
                } else {
                    s.copyFrom(p);
                }
            }
            Optim.emaUpdate(averaged, sources, d);
        }
    }

    /** The averaged state dict (live tensors). */
    public Map<String, Tensor> stateDict() { return java.util.Collections.unmodifiableMap(shadow); }

    /** Restores the average and its update count from a checkpoint (same names and shapes). */
    public void load(Map<String, Tensor> state, long updates) {
        if (!state.keySet().equals(shadow.keySet())) {
            var missing = new java.util.TreeSet<>(shadow.keySet());
            missing.removeAll(state.keySet());
            var extra = new java.util.TreeSet<>(state.keySet());
            extra.removeAll(shadow.keySet());
            throw new IllegalArgumentException("Ema.load: names differ from the model's; missing " + missing + ", unexpected " + extra);
        }
        for (var e : state.entrySet()) {
            Tensor s = shadow.get(e.getKey());
            if (!java.util.Arrays.equals(s.shape(), e.getValue().shape()))
                throw new IllegalArgumentException("Ema.load: '" + e.getKey() + "' expected " + s.describe() + ", got " + e.getValue().describe());
        }
        for (var e : state.entrySet()) {
            Tensor s = shadow.get(e.getKey());
            s.copyFrom(e.getValue().to(s.device()).to(s.dtype()));
        }
        this.updates = updates;
    }

    /** Copies the averages into the model (overwriting its weights). */
    public void copyTo(Module model) { model.loadStateDict(shadow); }

    /** Puts the averages into the model until the returned scope is closed, then restores the trained weights. */
    public Swap swapInto(Module model) {
        Map<String, Tensor> saved = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> saved.put(k, MemoryScope.untracked(t::copy)));
        copyTo(model);
        return () -> model.loadStateDict(saved);
    }

    /** Restores the model's own weights on close. */
    public interface Swap extends AutoCloseable {
        @Override void close();
    }
}
