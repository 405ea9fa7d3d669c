package org.jdiffusion.nn.io;

/**
 * A safetensors file (or a state dict) that breaks the format's rules or does not fit the model:
 * the message names the file, the tensor and what was expected.
 */
public final class SafetensorsException extends IllegalArgumentException {
    public SafetensorsException(String message) { super(message); }

    public SafetensorsException(String message, Throwable cause) { super(message, cause); }
}
