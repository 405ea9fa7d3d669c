package org.jdiffusion.tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Step-scoped memory: every storage that the tensor frontend allocates on this thread while a scope
 * is open ({@link Tensor#zeros}, {@link Tensor#empty}, a copy to a device) belongs to the innermost
 * open scope, and goes back to its device's pool ({@link Storage#release()}: the CPU's
 * {@code HostPool}, CUDA's caching allocator) when the scope closes, on every backend, without the
 * garbage collector. What must outlive the step escapes on purpose:
 * <ul>
 *   <li>{@link #keep(Tensor)} hands a result to the enclosing scope (or, from the outermost one, to
 *       the garbage collector, as outside any scope);</li>
 *   <li>{@link #untracked(Supplier)} allocates state that lives across steps (optimizer moments,
 *       gradient buffers, EMA, caches) outside every scope;</li>
 *   <li>{@link #release(Tensor)} returns a tensor's storage before the scope closes, when the
 *       caller knows it is dead (the previous x of a sampling loop).</li>
 * </ul>
 * A tensor of a closed scope must not be used again: on CUDA its storage refuses with an error
 * naming the scope; on the CPU its array may already hold another tensor's values. With the system
 * property {@code jdiffusion.memory.poison=true} (the test suite sets it) released host arrays are
 * filled with NaN (int64: −2⁶²) and never reused, and uninitialised allocations start as poison too,
 * so a stale use or a kernel that leaves output elements unwritten shows in every result.
 *
 * <pre>{@code
 * try (MemoryScope step = MemoryScope.open("train step")) {
 *     Variable loss = model.loss(batch);
 *     loss.backward();          // leaf gradients live in persistent buffers (untracked)
 *     optimizer.step();         // in place
 *     lossValue = loss.item();  // read before the scope closes
 * }                             // every intermediate of the step is back in its pool here
 * }</pre>
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<int[]> UNTRACKED = ThreadLocal.withInitial(() -> new int[1]);
    private static volatile boolean poison = Boolean.getBoolean("jdiffusion.memory.poison");

    private final String name;
    private final MemoryScope parent;
    private final Thread owner;
    private final Map<Storage, Boolean> owned = new IdentityHashMap<>();
    private long allocations, bytes, kept, released;
    private boolean closed;

    private MemoryScope(String name, MemoryScope parent) {
        this.name = name;
        this.parent = parent;
        this.owner = Thread.currentThread();
    }

    /** Opens a scope on this thread, nested inside the current one if any; close it with try-with-resources. */
    public static MemoryScope open(String name) {
        MemoryScope s = new MemoryScope(name, CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    public static MemoryScope current() { return CURRENT.get(); }

    /** Runs {@code body} with no scope tracking its allocations: what it allocates lives until unreachable. */
    public static <T> T untracked(Supplier<T> body) {
        int[] depth = UNTRACKED.get();
        depth[0]++;
        try {
            return body.get();
        } finally {
            depth[0]--;
        }
    }

    /** Whether released host memory is poisoned instead of reused (a test and debugging mode). */
    public static boolean poisoning() { return poison; }

    /** Turns poisoning on or off for the whole process (tests); returns the previous setting. */
    public static boolean setPoisoning(boolean on) {
        boolean prev = poison;
        poison = on;
        return prev;
    }

    /** The value poisoned memory holds: NaN for floating dtypes, −2⁶² for int64. */
    public static double poisonValue(DType dtype) { return dtype == DType.INT64 ? -(double) (1L << 62) : Double.NaN; }

    /**
     * Registers a storage the frontend just allocated with the current scope, if any (and not inside
     * {@link #untracked}). Storages of no elements and storages that cannot be released are ignored.
     */
    static void track(Storage s) {
        MemoryScope scope = CURRENT.get();
        if (scope == null || UNTRACKED.get()[0] > 0 || s.length() == 0) return;
        scope.owned.put(s, Boolean.TRUE);
        scope.allocations++;
        scope.bytes += (long) s.length() * s.dtype().byteSize();
    }

    /**
     * Lets {@code t} escape this scope: its storage, if this scope or a scope opened inside it owns
     * it, moves to the scope enclosing this one (or to the garbage collector from the outermost);
     * returns t. A tensor that is already outside (a parameter, an input, one kept before) is left
     * where it is.
     */
    public Tensor keep(Tensor t) {
        checkOpen("keep");
        MemoryScope owner = t == null ? null : ownerWithin(t.storage());
        if (owner != null) {
            owner.owned.remove(t.storage());
            owner.kept++;
            if (parent != null) parent.owned.put(t.storage(), Boolean.TRUE);
        }
        return t;
    }

    /** The scope, from the innermost open one out to this one, that owns {@code s}; null if none of them does. */
    private MemoryScope ownerWithin(Storage s) {
        for (MemoryScope c = CURRENT.get(); c != null; c = c.parent) {
            if (c.owned.containsKey(s)) return c;
            if (c == this) break;
        }
        return null;
    }

    /** {@link #keep(Tensor)} for the innermost open scope of this thread, or t itself outside any scope. */
    public static Tensor keepCurrent(Tensor t) {
        MemoryScope s = CURRENT.get();
        return s == null ? t : s.keep(t);
    }

    /**
     * Returns {@code t}'s storage to its pool now, if this scope or a scope opened inside it owns it;
     * the caller promises that no tensor viewing that storage is used again. Returns whether it did.
     */
    public boolean release(Tensor t) {
        checkOpen("release");
        MemoryScope owner = t == null ? null : ownerWithin(t.storage());
        if (owner == null) return false;
        owner.owned.remove(t.storage());
        owner.released++;
        t.storage().release();
        return true;
    }

    /** Gives back every storage this scope still owns, and makes the enclosing scope current again. */
    @Override public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("MemoryScope '" + name + "' was opened on thread " + owner.getName()
                    + " and must be closed there, not on " + Thread.currentThread().getName());
        if (CURRENT.get() != this)
            throw new IllegalStateException("MemoryScope '" + name + "' closed while an inner scope '"
                    + (CURRENT.get() == null ? "none" : CURRENT.get().name) + "' is still open (close scopes in reverse order)");
        closed = true;
        CURRENT.set(parent);
        List<Storage> toRelease = new ArrayList<>(owned.keySet());
        owned.clear();
        for (Storage s : toRelease) s.release();
        released += toRelease.size();
    }

    private void checkOpen(String op) {
        if (closed) throw new IllegalStateException("MemoryScope." + op + ": scope '" + name + "' is already closed");
    }

    public String name() { return name; }

    /** Storages allocated while this scope was innermost (kept ones included). */
    public long allocations() { return allocations; }

    /** Bytes of those storages. */
    public long allocatedBytes() { return bytes; }

    /** Storages released so far (explicitly or at close). */
    public long releasedCount() { return released; }

    /** Storages handed to the enclosing scope by {@link #keep}. */
    public long keptCount() { return kept; }

    /** Storages this scope still owns (released at close). */
    public int ownedCount() { return owned.size(); }

    @Override public String toString() {
        return "MemoryScope[" + name + ": " + allocations + " allocations, " + bytes + " bytes, " + kept + " kept, " + released
                + " released" + (closed ? ", closed" : "") + "]";
    }
}
