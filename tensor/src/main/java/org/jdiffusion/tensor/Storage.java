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

    /**
     * Gives this storage's memory back to its device's pool ({@link MemoryScope} calls it when a
     * scope closes); the storage must not be used afterwards. Storages of devices without a pool
     * ignore it.
     */
    default void release() {}
}
