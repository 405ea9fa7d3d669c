package org.jdiffusion.tensor;

/** Creates the backend for devices of one type; found by {@link Backends} through ServiceLoader. */
public interface BackendProvider {
    Device.Type type();

    /** The backend of {@code device}; throws with the reason when the device is not usable here. */
    Backend create(Device device);
}
