package org.jdiffusion.autograd;

/**
 * Gradient recording mode, per thread. Inside {@code try (var g = Grad.noGrad()) { ... }} ops
 * record nothing (sampling, EMA, evaluation).
 *
 * <p>Accumulation policy, once for the package: a backward pass sums every path's gradient into
 * each node; leaves that require grad accumulate into {@link Variable#grad()} (a buffer of their
 * own, allocated once outside every {@code MemoryScope}, written in place by later backward passes
 * and safe for optimisers to update in place) across calls until {@link Variable#zeroGrad()}; intermediate
 * gradients are dropped as soon as their node has propagated them. Unless {@code retainGraph} is
 * set, each node's saved tensors are released after its rule ran, and a second backward through it
 * fails with a message saying so.
 */
public final class Grad {
    private Grad() {}

    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** A scope in which no graph is recorded; restores the previous mode on close. */
    public static Scope noGrad() { return set(false); }

    /** A scope in which the graph is recorded (inside an outer noGrad). */
    public static Scope enableGrad() { return set(true); }

    private static Scope set(boolean on) {
        boolean[] s = ENABLED.get();
        boolean prev = s[0];
        s[0] = on;
        return () -> s[0] = prev;
    }

    /** An AutoCloseable without a checked exception. */
    public interface Scope extends AutoCloseable {
        @Override void close();
    }
}
