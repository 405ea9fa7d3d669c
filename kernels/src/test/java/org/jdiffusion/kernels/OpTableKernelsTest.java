package org.jdiffusion.kernels;

import org.jdiffusion.tensor.OpTable;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every kernel the op table names exists: reference and fast classes, CUDA files and launchers. */
class OpTableKernelsTest {
    static final Path CUDA = Path.of("src/main/cuda");

    private static void resolves(String pkg, String name, String what) {
        try {
            Class.forName(pkg + "." + name, false, OpTableKernelsTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            fail("OpTable names " + what + " " + name + ", but " + pkg + "." + name + " does not exist");
        }
    }

    @Test void everyNamedKernelExists() {
        for (OpTable.Entry e : OpTable.ENTRIES) {
            String row = e.methods().toString();
            for (String n : e.reference().names()) resolves("org.jdiffusion.kernels.cpu", n, row + "'s CPU reference");
            for (String n : e.fast().names())
                resolves(n.startsWith("Cpu") ? "org.jdiffusion.kernels.cpu" : "org.jdiffusion.kernels.cpu.fast", n, row + "'s fast kernel");
            for (String n : e.cuda().names()) {
                if (n.endsWith(".cu") || n.endsWith(".cuh")) assertTrue(Files.isRegularFile(CUDA.resolve(n)), row + ": no " + CUDA.resolve(n));
                else resolves("org.jdiffusion.kernels.cuda", n, row + "'s CUDA launcher");
            }
        }
    }

    @Test void everyDeclaredOpHasAConformanceExercise() {
        java.util.Set<String> declared = new java.util.TreeSet<>();
        for (OpTable.Entry e : OpTable.ENTRIES) declared.addAll(e.methods());
        java.util.Set<String> missing = new java.util.TreeSet<>(declared);
        missing.removeAll(BackendConformanceTest.EXERCISES.keySet());
        assertTrue(missing.isEmpty(), "ops the table declares without a conformance exercise in BackendConformanceTest: " + missing);
    }
}
