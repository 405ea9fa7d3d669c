package org.jdiffusion.nn;

import org.jdiffusion.autograd.Variable;

/** A module with one input and one output, the element type of {@link Sequential}. */
public abstract class Layer extends Module {
    public abstract Variable forward(Variable x);
}
