package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Device;

/**
 * Registers the {@code cpu} device's backend, chosen by {@code -Djdiffusion.cpu=fast|reference}
 * or {@code JDIFFUSION_CPU}: {@link CpuBackend} (the default: the Vector API kernels for float32,
 * the reference for other dtypes) or {@link CpuReferenceBackend} (the scalar oracle). Both give
 * the same bits on every call with the same inputs and thread count, which exact resume relies on;
 * the fast kernels' bits can change with the thread count (it sets how work is split).
 */
public final class CpuProvider implements BackendProvider {
    @Override public Device.Type type() { return Device.Type.CPU; }

    @Override public Backend create(Device device) {
        String s = System.getProperty("jdiffusion.cpu", System.getenv().getOrDefault("JDIFFUSION_CPU", "fast")).trim();
        return switch (s) {
            case "reference" -> CpuReferenceBackend.INSTANCE;
            case "fast" -> CpuBackend.INSTANCE;
            default -> throw new IllegalArgumentException("jdiffusion.cpu / JDIFFUSION_CPU must be 'fast' or 'reference', got '" + s + "'");
        };
    }
}
