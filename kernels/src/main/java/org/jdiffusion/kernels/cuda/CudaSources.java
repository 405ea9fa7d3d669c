package org.jdiffusion.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The kernel sources as shipped in the jar ({@code org/jdiffusion/kernels/cuda/src/}) and the
 * built fatbin. The build compiles every {@code .cu} file as one translation unit; the NVRTC
 * fallback compiles the same unit from {@link #umbrella()} with the files as in-memory headers.
 */
final class CudaSources {
    private CudaSources() {}

    static final String RESOURCE_DIR = "/org/jdiffusion/kernels/cuda/";
    static final String FATBIN = RESOURCE_DIR + "jdiffusion.fatbin";

    /** Every file of kernels/src/main/cuda (CudaSourcesTest keeps this list complete). */
    static final List<String> FILES = List.of(
            "attention.cu", "common.cuh", "conv.cu", "elementwise.cu", "gemm.cu", "gemm.cuh", "index.cu", "norm.cu", "op_ids.cuh", "optim.cu", "random.cu", "reduce.cu", "resample.cu", "softmax.cu");

    /** The translation unit: one #include per .cu file, in name order (as the build generates it). */
    static String umbrella() {
        StringBuilder b = new StringBuilder("// every kernel file in one translation unit\n");
        for (String f : FILES) if (f.endsWith(".cu")) b.append("#include \"").append(f).append("\"\n");
        return b.toString();
    }

    /** The text of one source file, or null when the jar lacks it. */
    static String source(String file) {
        byte[] b = resource(RESOURCE_DIR + "src/" + file);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The fatbin built by nvcc, or null when the build ran without nvcc. */
    static byte[] fatbin() { return resource(FATBIN); }

    private static byte[] resource(String path) {
        try (InputStream in = CudaSources.class.getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        }
    }
}
