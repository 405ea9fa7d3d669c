package org.jdiffusion.samples.io;

/** A malformed or unsupported {@code .npy} file; the message names the file and the problem. */
public final class NpyException extends IllegalArgumentException {
    public NpyException(String message) { super(message); }
}
