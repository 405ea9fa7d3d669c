package org.jdiffusion.tensor;

/**
 * A seeded position in the Philox stream. Each draw of n elements takes counters
 * [offset, offset + n) and advances the offset by n, so (seed, offset) is the whole state: save it
 * with {@link #state()} and restore it with {@link #restore} to replay a run exactly.
 */
public final class Generator {
    public record State(long seed, long offset) {}

    private final long seed;
    private long offset;

    public Generator(long seed) { this(seed, 0); }

    public Generator(long seed, long offset) {
        this.seed = seed;
        this.offset = offset;
    }

    public long seed() { return seed; }

    public long offset() { return offset; }

    public State state() { return new State(seed, offset); }

    public static Generator restore(State s) { return new Generator(s.seed(), s.offset()); }

    /** Reserves n counters and returns the first. */
    public long advance(long n) {
        long start = offset;
        offset += n;
        return start;
    }

    /** A generator on an independent stream: keyed by a hash of (seed, stream). */
    public Generator fork(long stream) {
        long h = seed * 0x9E3779B97F4A7C15L + stream;
        h ^= h >>> 33; h *= 0xFF51AFD7ED558CCDL; h ^= h >>> 33; h *= 0xC4CEB9FE1A85EC53L; h ^= h >>> 33;
        return new Generator(h);
    }

    @Override public String toString() { return "Generator(seed=" + seed + ", offset=" + offset + ")"; }
}
