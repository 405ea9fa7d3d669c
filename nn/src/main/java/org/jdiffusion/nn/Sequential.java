package org.jdiffusion.nn;

import org.jdiffusion.autograd.Variable;

import java.util.ArrayList;
import java.util.List;

/** Layers applied in order, named "0", "1", ... (so {@code temb.0.weight} is the first layer's weight). */
public final class Sequential extends Layer {
    private final List<Layer> layers = new ArrayList<>();

    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    public Sequential add(Layer l) {
        registerModule(Integer.toString(layers.size()), l);
        layers.add(l);
        return this;
    }

    public Layer get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }

    @Override public Variable forward(Variable x) {
        for (Layer l : layers) x = l.forward(x);
        return x;
    }
}
