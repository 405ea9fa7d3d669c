package org.jdiffusion.kernels.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jdiffusion kernel module of one device, loaded once: nvcc's fatbin when the driver runs
 * CUDA 13 or newer, else the same sources compiled at run time by NVRTC; {@link #source()} says
 * which. When neither works the error lists what each path lacked.
 */
final class CudaKernels {
    /** Drivers from this version (CUDA 13.0, driver 580) load the nvcc 13 fatbin. */
    static final int FATBIN_MIN_DRIVER = 13000;

    private final CUmodule module;
    private final String source;
    private final ConcurrentHashMap<String, CUfunction> functions = new ConcurrentHashMap<>();

    private CudaKernels(CUmodule module, String source) {
        this.module = module;
        this.source = source;
    }

    /** How the kernels were loaded, e.g. "fatbin built by nvcc (SASS sm_90)". */
    String source() { return source; }

    static CudaKernels load(String device, CudaDriver.Info driver, int ccMajor, int ccMinor) {
        List<String> failures = new ArrayList<>();
        byte[] fatbin = CudaSources.fatbin();
        if (fatbin == null) {
            failures.add("the built-in fatbin is missing: this jar was built without nvcc (its kernels are missing)");
        } else if (driver.version() < FATBIN_MIN_DRIVER) {
            failures.add("the built-in fatbin (nvcc 13) needs a CUDA 13 driver (version 580 or newer); this driver supports CUDA "
                    + driver.versionString());
        } else {
            CUmodule m = new CUmodule();
            int rc = JCudaDriver.cuModuleLoadData(m, fatbin);
            if (rc == CUresult.CUDA_SUCCESS) {
                return new CudaKernels(m, "fatbin built by nvcc (SASS sm_80/86/89/90, PTX compute_90) on a CUDA " + driver.versionString() + " driver");
            }
            failures.add("loading the built-in fatbin failed: " + CudaDriver.name(rc));
        }
        try {
            CudaNvrtc.Compiled c = CudaNvrtc.compile(ccMajor, ccMinor);
            CUmodule m = new CUmodule();
            CudaDriver.check(JCudaDriver.cuModuleLoadData(m, c.ptx()), "cuModuleLoadData (NVRTC PTX)");
            return new CudaKernels(m, c.description());
        } catch (RuntimeException | LinkageError e) {
            failures.add("the NVRTC fallback failed: " + e.getMessage());
        }
        throw new IllegalStateException(device + " cannot load the jdiffusion CUDA kernels:\n  - " + String.join("\n  - ", failures));
    }

    CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f != null) return f;
        return functions.computeIfAbsent(name, n -> {
            CUfunction fn = new CUfunction();
            int rc = JCudaDriver.cuModuleGetFunction(fn, module, n);
            if (rc != CUresult.CUDA_SUCCESS)
                throw new IllegalStateException("kernel " + n + " is missing from the loaded module (" + source + "): " + CudaDriver.name(rc));
            return fn;
        });
    }
}
