package org.jdiffusion.nn.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The property every fuzz target checks for a reader of outside bytes: on any input it either
 * returns or throws the reader's documented exception type with a non-blank message; it never
 * throws anything else (no NullPointerException, ArithmeticException, OutOfMemoryError, ...), never
 * allocates more than {@link #BYTES_PER_INPUT_BYTE} bytes per input byte plus {@link #FIXED_BYTES}
 * (counted by the JVM for the calling thread: every allocation, including garbage), and never
 * takes longer than {@link #MAX_MILLIS}. A declared size is therefore only believed once it has
 * been checked against the input's size. Fuzz tests run in Jazzer's regression mode with the
 * ordinary tests (their committed inputs only) and in its fuzzing mode under {@code -Dfuzz}.
 */
public final class FuzzChecks {
    private FuzzChecks() {}

    /** Allocation allowed per byte of input: parsing JSON into maps, lists and boxed numbers costs a few dozen. */
    public static final long BYTES_PER_INPUT_BYTE = 256;
    /** Allocation allowed whatever the input: buffers, the model a checkpoint is restored into. */
    public static final long FIXED_BYTES = 32L << 20;
    /** Time allowed for one input. */
    public static final long MAX_MILLIS = 10_000;

    /** A reader call that may throw anything. */
    @FunctionalInterface
    public interface Body { void run() throws Exception; }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Runs {@code body} on an input of {@code inputBytes} bytes and checks the property above;
     * returns true when the body returned normally (the input was accepted).
     */
    public static boolean acceptsOrRejects(Class<? extends Exception> documented, long inputBytes, Body body) {
        long bound = BYTES_PER_INPUT_BYTE * inputBytes + FIXED_BYTES;
        Outcome o = measure(documented, body);
        // the first call of a reader loads (and under the fuzzer instruments) its classes on this
        // thread, which the counter sees: a run over a bound is repeated once and judged on the repeat
        if (o.allocated > bound || o.millis > MAX_MILLIS) o = measure(documented, body);
        if (o.allocated > bound)
            throw new AssertionError("allocated " + o.allocated + " bytes for an input of " + inputBytes + " bytes (bound " + bound + ")");
        if (o.millis > MAX_MILLIS)
            throw new AssertionError("took " + o.millis + " ms for an input of " + inputBytes + " bytes (bound " + MAX_MILLIS + " ms)");
        return o.accepted;
    }

    private record Outcome(boolean accepted, long allocated, long millis) {}

    private static Outcome measure(Class<? extends Exception> documented, Body body) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        boolean accepted;
        try {
            body.run();
            accepted = true;
        } catch (Throwable t) {
            if (!documented.isInstance(t))
                throw new AssertionError("expected only " + documented.getSimpleName() + ", got " + t, t);
            if (t.getMessage() == null || t.getMessage().isBlank())
                throw new AssertionError(documented.getSimpleName() + " without a message", t);
            accepted = false;
        }
        return new Outcome(accepted, THREADS.getCurrentThreadAllocatedBytes() - before, (System.nanoTime() - t0) / 1_000_000);
    }

    /** One scratch file per fuzzing thread, rewritten with each input (for readers that take a path). */
    public static Path scratch(String suffix, byte[] bytes) {
        try {
            Path p = SCRATCH.get().resolve("input" + suffix);
            Files.write(p, bytes);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final ThreadLocal<Path> SCRATCH = ThreadLocal.withInitial(() -> {
        try {
            Path d = Files.createTempDirectory("jd-fuzz");
            d.toFile().deleteOnExit();
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    });
}
