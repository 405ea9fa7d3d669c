package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Device;

/**
 * Registers the {@code cpu} device's backend, chosen by {@code -Djdiffusion.cpu=reference|fast}
 * or {@code JDIFFUSION_CPU}: {@link CpuReferenceBackend} (the default: the scalar reference,
 * bit-for-bit reproducible run to run, which exact resume relies on) or {@link CpuBackend} (the
 * Vector API kernels; faster, but not yet bit-identical between runs in every op).
 */
public final class CpuProvider implements BackendProvider {
    @Override public Device.Type type() { return Device.Type.CPU; }

    @Override public Backend create(Device device) {
        String s = System.getProperty("jdiffusion.cpu", System.getenv().getOrDefault("JDIFFUSION_CPU", "reference")).trim();
        return switch (s) {
            case "reference" -> CpuReferenceBackend.INSTANCE;
            case "fast" -> CpuBackend.INSTANCE;
            default -> throw new IllegalArgumentException("jdiffusion.cpu / JDIFFUSION_CPU must be 'reference' or 'fast', got '" + s + "'");
        };
    }
}
