package org.jdiffusion.tensor;

/**
 * Reductions over a set of dims. SUM/MAX/MIN produce the input dtype; ARGMAX/ARGMIN produce int64
 * indices into the flattened reduced dims (row-major over those dims), first occurrence on ties.
 * Mean, var, std and logsumexp are composites of these (see {@link Tensor}).
 */
public enum ReduceOp {
    SUM, MAX, MIN, ARGMAX, ARGMIN;

    public boolean isArg() { return this == ARGMAX || this == ARGMIN; }

    public String opName() { return name().toLowerCase(); }
}
