package org.jdiffusion.samples.cli;

/** A bad flag, value or input path: the program reports it with exit status 2 and no stack trace. */
public class UsageException extends RuntimeException {
    public UsageException(String message) { super(message); }
}
