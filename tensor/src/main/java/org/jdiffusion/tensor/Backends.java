package org.jdiffusion.tensor;

import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the {@link Backend} of a device. Backends are provided by the {@code kernels} module through
 * {@link BackendProvider} (registered in META-INF/services); providers load lazily, so a machine
 * without a GPU never touches CUDA, and asking for an absent device is one clear error.
 */
public final class Backends {
    private Backends() {}

    private static final ConcurrentHashMap<Device, Backend> CACHE = new ConcurrentHashMap<>();
    private static volatile List<BackendProvider> providers;

    public static Backend of(Device device) {
        Backend b = CACHE.get(device);
        if (b != null) return b;
        return CACHE.computeIfAbsent(device, Backends::create);
    }

    private static Backend create(Device device) {
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : providers()) {
            if (p.type() != device.type()) continue;
            try {
                return p.create(device);
            } catch (RuntimeException | LinkageError e) {
                why.append("\n  ").append(p.getClass().getSimpleName()).append(": ").append(e.getMessage());
            }
        }
        if (why.isEmpty())
            throw new IllegalStateException("no backend for device " + device + ": no provider of type "
                    + device.type() + " on the class path (is jdiffusion-kernels a dependency?)");
        throw new IllegalStateException("device " + device + " is not available:" + why);
    }

    /** Whether a backend for this device can be created here (never throws). */
    public static boolean isAvailable(Device device) {
        try {
            of(device);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static List<BackendProvider> providers() {
        List<BackendProvider> p = providers;
        if (p == null) {
            p = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get).toList();
            providers = p;
        }
        return p;
    }
}
