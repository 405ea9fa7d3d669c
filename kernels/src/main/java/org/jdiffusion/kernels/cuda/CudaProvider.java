package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Device;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Registers the CUDA backend for {@code cuda:N} devices. Nothing CUDA is touched until a cuda
 * device is asked for; then the driver, the device's context and its kernels load once, and a
 * machine without them gets one clear IllegalStateException (e.g. "cuda:0 is not available: no
 * NVIDIA driver (libcuda.so.1 not found)").
 */
public final class CudaProvider implements BackendProvider {
    private static final ConcurrentHashMap<Device, CudaBackend> BACKENDS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Device, String> FAILURES = new ConcurrentHashMap<>();

    @Override public Device.Type type() { return Device.Type.CUDA; }

    @Override public Backend create(Device device) {
        if (device.type() != Device.Type.CUDA) throw new IllegalArgumentException("CudaProvider: not a cuda device: " + device);
        CudaBackend b = BACKENDS.get(device);
        if (b != null) return b;
        synchronized (BACKENDS) {
            String failed = FAILURES.get(device);
            if (failed != null) throw new IllegalStateException(failed);
            try {
                return BACKENDS.computeIfAbsent(device, d -> new CudaBackend(CudaContext.open(d)));
            } catch (IllegalStateException e) {
                FAILURES.put(device, e.getMessage());
                throw e;
            }
        }
    }
}
