package org.jdiffusion.samples.data;

/** A malformed or unsupported IDX file; the message names the file and what was expected. */
public final class IdxException extends IllegalArgumentException {
    public IdxException(String message) { super(message); }
}
