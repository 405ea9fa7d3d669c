package org.jdiffusion.kernels.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the CUDA kernels on the CPU: {@code scripts/cuda-host-check.sh} compiles attention.cu, gemm.cu,
 * conv.cu and the memory-bound kernels with shared memory or shuffles (optim.cu, norm.cu, softmax.cu,
 * reduce.cu)
 * with the host C++ compiler under {@code scripts/cuda-host/cuda_host.h} (threads as fibers;
 * __syncthreads, shuffles and mma.sync as barriers; cp.async and the TF32/bf16 mma emulated per the
 * PTX ISA) and checks every variant against float64 references, launched as the Java launchers size
 * them. This is what tests the tensor-core GEMM's fragment layouts, the double buffering's and the
 * block reductions' barriers where no GPU exists;
 * {@code MatmulConvOnDeviceTest} and {@code AttentionOnDeviceTest} are the real tests on a GPU.
 * Skipped, with the reason, only where no C++ compiler is installed.
 */
class HostEmulatedKernelsTest {
    static final Path SCRIPT = Path.of("scripts/cuda-host-check.sh");

    @Test void attentionKernelsMatchTheFloat64Reference() throws Exception { check("attention"); }

    @Test void gemmAndConvolutionKernelsMatchTheFloat64Reference() throws Exception { check("gemm"); }

    @Test void adamAndEmaKernelsMatchTheFloat64Reference() throws Exception { check("optim"); }

    @Test void normAndSoftmaxKernelsMatchTheFloat64Reference() throws Exception { check("norm"); }

    @Test void reductionKernelsMatchTheFloat64Reference() throws Exception { check("reduce"); }

    private static void check(String which) throws IOException, InterruptedException {
        String cxx = System.getenv().getOrDefault("CXX", "g++");
        Assumptions.assumeTrue(onPath(cxx), "no C++ compiler (" + cxx + ") on the PATH: the host emulation of the kernels cannot build");
        Path log = Files.createTempFile("cuda-host-" + which, ".log");
        try {
            Process p = new ProcessBuilder("bash", SCRIPT.toString(), which).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(15, TimeUnit.MINUTES), "cuda-host-check " + which + " did not finish in 15 minutes");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "cuda-host-check " + which + " failed:\n" + out);
            long passes = out.lines().filter(l -> l.equals("all passed")).count();
            assertEquals(which.equals("attention") || which.equals("optim") ? 1 : 2, passes, "every run reports 'all passed':\n" + out);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean onPath(String exe) {
        if (exe.contains("/")) return Files.isExecutable(Path.of(exe));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) return true;
        return false;
    }
}
