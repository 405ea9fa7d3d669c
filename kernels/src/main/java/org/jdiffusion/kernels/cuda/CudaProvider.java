package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Device;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

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

    /** The CUDA devices of this machine (none without a driver or GPU; never throws). */
    public static List<Device> devices() {
        try {
            int n = CudaDriver.get("cuda").deviceCount();
            return IntStream.range(0, n).mapToObj(Device::cuda).toList();
        } catch (RuntimeException | LinkageError e) {
            return List.of();
        }
    }

    /** Why no CUDA device is usable here, or null when the driver loads (the kernels load with each device). */
    public static String unavailableReason() {
        try {
            CudaDriver.get("cuda");
            return null;
        } catch (RuntimeException | LinkageError e) {
            return e.getMessage();
        }
    }

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
