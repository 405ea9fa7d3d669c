package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Device;

/** Registers {@link CpuBackend} for the {@code cpu} device. */
public final class CpuProvider implements BackendProvider {
    @Override public Device.Type type() { return Device.Type.CPU; }

    @Override public Backend create(Device device) { return CpuBackend.INSTANCE; }
}
