package org.jdiffusion.nn;

import org.jdiffusion.autograd.PointwiseFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Generator;

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the rest
 * scaled by 1/(1−p); the identity in eval mode. Masks come from the generator the training loop
 * hands to {@link Module#setDropoutGenerator}, so a resumed run draws the same masks. In
 * data-parallel training ({@link Module#setBatchShard}) the input holds rows [start, start + b) of
 * a global batch of B along dim 0, and the mask is exactly those rows of the mask a single
 * process would draw for all B: Philox gives element i of a draw counter offset + i, so the
 * generator skips the rows before and after the shard.
 */
public final class Dropout extends Layer {
    private final double p;
    private Generator g;
    private int shardStart, globalBatch;   // globalBatch 0: the input is the whole batch

    public Dropout(double p, Generator g) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.g = g;
    }

    public double p() { return p; }

    void setGenerator(Generator g) { this.g = g; }

    void setShard(int start, int global) {
        shardStart = start;
        globalBatch = global;
    }

    @Override public Variable forward(Variable x) {
        if (!isTraining() || p == 0) return x;
        if (g == null) throw new IllegalStateException("Dropout(" + p + "): training mode needs a generator; call setDropoutGenerator");
        if (globalBatch == 0) return PointwiseFunctions.dropout(x, p, g, true);
        int b = x.size(0);
        if (shardStart + b > globalBatch)
            throw new IllegalStateException("Dropout: a shard of " + b + " rows at " + shardStart + " does not fit the global batch of " + globalBatch);
        long row = x.data().numel() / Math.max(1, b);
        g.advance(shardStart * row);
        Variable y = PointwiseFunctions.dropout(x, p, g, true);
        g.advance((globalBatch - shardStart - b) * row);
        return y;
    }
}
