package org.jdiffusion.diffusion.sampling;

/** The check every multistep sampler makes: its steps in order, step 0 starting a new run. */
final class Multistep {
    private Multistep() {}

    static void checkOrder(String op, int i, int expected) {
        if (i != 0 && i != expected)
            throw new IllegalStateException(op + ".step: got step " + i + " but the run is at step " + expected
                    + " (a multistep solver must see its steps in order; step 0 starts a new run)");
    }
}
