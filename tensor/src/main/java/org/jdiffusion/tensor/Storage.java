package org.jdiffusion.tensor;

/**
 * A flat buffer of {@link #length()} elements of one dtype on one device. Tensors are views into
 * storage (shape, strides, offset). The host cannot read a device storage directly: data crosses
 * only through {@link Backend#toHost} and {@link Backend#fromHost}.
 */
public interface Storage {
    Device device();

    DType dtype();

    int length();
}
