package org.jdiffusion.tensor;

/**
 * Mixed precision by scope (bf16 autocast with float32 master weights). While a scope is open on a
 * thread, that thread's float32 matmul, conv2d (forward, dX and dW) and attention (forward and
 * backward) multiply bfloat16 values and accumulate in float32: each input is rounded to bfloat16
 * (8-bit significand, round to nearest even) and the result stays float32. Everything else (norms,
 * activations, the loss, the optimizer, the weights) stays float32. Float64 is never changed.
 *
 * <pre>
 * try (Autocast ignored = Autocast.bf16()) {
 *     Tensor loss = model.loss(batch);   // GEMMs and convolutions on bf16 inputs
 *     loss.backward();                   // their gradients too, as in bf16 training
 * }
 * </pre>
 *
 * A backend that multiplies in bfloat16 itself (CUDA's tensor-core GEMM and implicit-GEMM conv,
 * {@link Backend#multipliesBf16()}) gets its float32 operands as they are and reads
 * {@link #bf16Active()}; for the others, and for attention everywhere, the frontends round the
 * operands first, so every device computes the same numbers: products of bf16 values summed in
 * float32. Scopes nest and close in reverse order of opening, on the thread that opened them.
 */
public final class Autocast implements AutoCloseable {
    private static final ThreadLocal<Autocast> CURRENT = new ThreadLocal<>();

    private final Autocast previous;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private Autocast(Autocast previous) { this.previous = previous; }

    /** Opens a bf16 scope on this thread. */
    public static Autocast bf16() {
        Autocast a = new Autocast(CURRENT.get());
        CURRENT.set(a);
        return a;
    }

    /** Whether a bf16 scope is open on this thread. */
    public static boolean bf16Active() { return CURRENT.get() != null; }

    @Override public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("Autocast: a scope must be closed on the thread that opened it (" + owner.getName()
                    + "), not on " + Thread.currentThread().getName());
        if (CURRENT.get() != this)
            throw new IllegalStateException("Autocast: scopes must close in reverse order of opening (an inner scope is still open)");
        closed = true;
        if (previous == null) CURRENT.remove();
        else CURRENT.set(previous);
    }

    /**
     * The operand a GEMM-like op of x's backend should get: x rounded to bfloat16 and widened back
     * when a scope is open, x is float32 and the backend does not round itself; else x.
     */
    static Tensor gemmOperand(Tensor x) {
        return bf16Active() && x.dtype() == DType.FLOAT32 && !x.backend().multipliesBf16() ? roundToBf16(x) : x;
    }

    /** An attention operand: rounded whenever a scope is open and x is float32 (no device has a bf16 attention kernel). */
    static Tensor attentionOperand(Tensor x) {
        return bf16Active() && x.dtype() == DType.FLOAT32 ? roundToBf16(x) : x;
    }

    /** x's values rounded to the nearest bfloat16 (ties to even), as float32. */
    public static Tensor roundToBf16(Tensor x) {
        if (x.dtype() != DType.FLOAT32)
            throw new IllegalArgumentException("Autocast.roundToBf16: expected a float32 tensor, got " + x.describe());
        return x.to(DType.BFLOAT16).to(DType.FLOAT32);
    }
}
