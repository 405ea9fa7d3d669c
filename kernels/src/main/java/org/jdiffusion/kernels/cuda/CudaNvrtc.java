package org.jdiffusion.kernels.cuda;

import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;
import jcuda.nvrtc.nvrtcResult;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Run-time compilation of the kernel sources with NVRTC (JCuda's {@code JNvrtc}, which needs
 * {@code libnvrtc.so.12}): the path for drivers older than CUDA 13, which cannot load nvcc 13's
 * fatbin. Produces PTX for the device's compute capability (or the newest one NVRTC knows).
 */
final class CudaNvrtc {
    private CudaNvrtc() {}

    record Compiled(byte[] ptx, String description) {}

    static Compiled compile(int ccMajor, int ccMinor) {
        try {
            JNvrtc.setExceptionsEnabled(false);
        } catch (LinkageError e) {
            String m = String.valueOf(e.getMessage());
            throw new IllegalStateException(m.contains("libnvrtc")
                    ? "NVRTC is not installed (libnvrtc.so.12 not found; install the CUDA 12 NVRTC runtime)"
                    : "JCuda's NVRTC bindings could not be loaded (" + m.lines().findFirst().orElse(m) + ")");
        }
        int[] maj = new int[1], min = new int[1];
        JNvrtc.nvrtcVersion(maj, min);
        List<String> names = new ArrayList<>(), texts = new ArrayList<>();
        for (String f : CudaSources.FILES) {
            String s = CudaSources.source(f);
            if (s == null) throw new IllegalStateException("the kernel source " + f + " is missing from the jar");
            names.add(f);
            texts.add(s);
        }
        Set<Integer> archs = new LinkedHashSet<>(List.of(ccMajor * 10 + ccMinor, 90, 89, 86, 80));
        archs.removeIf(a -> a > ccMajor * 10 + ccMinor);
        String lastLog = "";
        for (int arch : archs) {
            nvrtcProgram prog = new nvrtcProgram();
            check(JNvrtc.nvrtcCreateProgram(prog, CudaSources.umbrella(), "jdiffusion.cu", names.size(),
                    texts.toArray(String[]::new), names.toArray(String[]::new)), "nvrtcCreateProgram");
            try {
                String[] opts = {"--gpu-architecture=compute_" + arch, "-std=c++17"};
                int rc = JNvrtc.nvrtcCompileProgram(prog, opts.length, opts);
                if (rc == nvrtcResult.NVRTC_ERROR_INVALID_OPTION) {
                    lastLog = "compute_" + arch + " is not supported by NVRTC " + maj[0] + "." + min[0];
                    continue;
                }
                if (rc != nvrtcResult.NVRTC_SUCCESS) {
                    String[] log = new String[1];
                    JNvrtc.nvrtcGetProgramLog(prog, log);
                    throw new IllegalStateException("NVRTC " + maj[0] + "." + min[0] + " failed to compile the kernels for compute_" + arch
                            + " (" + nvrtcResult.stringFor(rc) + "):\n" + log[0]);
                }
                String[] ptx = new String[1];
                check(JNvrtc.nvrtcGetPTX(prog, ptx), "nvrtcGetPTX");
                byte[] text = ptx[0].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                byte[] z = java.util.Arrays.copyOf(text, text.length + 1);  // NUL-terminated for cuModuleLoadData
                return new Compiled(z, "NVRTC " + maj[0] + "." + min[0] + " (PTX for compute_" + arch + ", compiled at run time)");
            } finally {
                JNvrtc.nvrtcDestroyProgram(prog);
            }
        }
        throw new IllegalStateException("NVRTC " + maj[0] + "." + min[0] + " supports no architecture of this device (sm_" + ccMajor + ccMinor
                + "): " + lastLog);
    }

    private static void check(int rc, String what) {
        if (rc != nvrtcResult.NVRTC_SUCCESS) throw new IllegalStateException(what + " failed: " + nvrtcResult.stringFor(rc));
    }
}
