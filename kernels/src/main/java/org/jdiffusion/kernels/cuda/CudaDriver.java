package org.jdiffusion.kernels.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * The process-wide CUDA driver: loads JCuda's JNI library (which needs only the driver's
 * {@code libcuda.so.1}), runs {@code cuInit} once and remembers the outcome, so a machine without
 * a GPU pays one failed load and then gets the same clear message for every {@code cuda} device.
 * The only class besides the backend's own that names JCuda, and it is reached only when a
 * {@code cuda} device is asked for.
 */
final class CudaDriver {
    private CudaDriver() {}

    /** The driver's version (e.g. 13000 for CUDA 13.0) and device count. */
    record Info(int version, int deviceCount) {
        String versionString() { return version / 1000 + "." + version % 1000 / 10; }
    }

    private static Info info;
    private static String failure;

    /** The driver, initialised on first use; throws the same clear message on every call when it is absent. */
    static synchronized Info get(String device) {
        if (info != null) return info;
        if (failure == null) {
            try {
                info = init();
                return info;
            } catch (LinkageError e) {
                failure = explain(e);
            } catch (IllegalStateException e) {
                failure = e.getMessage();
            }
        }
        throw new IllegalStateException(device + " is not available: " + failure);
    }

    private static Info init() {
        JCudaDriver.setExceptionsEnabled(false);
        int rc = JCudaDriver.cuInit(0);
        if (rc != CUresult.CUDA_SUCCESS)
            throw new IllegalStateException(rc == CUresult.CUDA_ERROR_NO_DEVICE
                    ? "no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE); the NVIDIA driver is installed but sees no GPU"
                    : "the NVIDIA driver failed to initialise (cuInit: " + name(rc) + ")");
        int[] v = new int[1], n = new int[1];
        check(JCudaDriver.cuDriverGetVersion(v), "cuDriverGetVersion");
        check(JCudaDriver.cuDeviceGetCount(n), "cuDeviceGetCount");
        if (n[0] == 0) throw new IllegalStateException("no CUDA device (the driver reports 0 devices)");
        return new Info(v[0], n[0]);
    }

    private static String explain(LinkageError e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("libcuda.so")) return "no NVIDIA driver (libcuda.so.1 not found)";
        String first = m.lines().findFirst().orElse(m);
        return "the JCuda driver bindings could not be loaded (" + e.getClass().getSimpleName() + ": " + first + ")";
    }

    /** The CUresult's name, e.g. CUDA_ERROR_ILLEGAL_ADDRESS. */
    static String name(int rc) {
        String[] s = new String[1];
        if (JCudaDriver.cuGetErrorName(rc, s) == CUresult.CUDA_SUCCESS && s[0] != null) return s[0];
        return CUresult.stringFor(rc);
    }

    /** Throws an IllegalStateException naming the call when rc is not CUDA_SUCCESS. */
    static void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) throw new IllegalStateException(what + " failed: " + name(rc) + describe(rc));
    }

    private static String describe(int rc) {
        String[] s = new String[1];
        if (JCudaDriver.cuGetErrorString(rc, s) == CUresult.CUDA_SUCCESS && s[0] != null) return " (" + s[0] + ")";
        return "";
    }
}
