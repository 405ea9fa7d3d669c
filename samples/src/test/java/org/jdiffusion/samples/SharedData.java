package org.jdiffusion.samples;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's shared MNIST subset (8,000 train / 2,000 test digits in IDX format): the folder
 * named by the system property {@code jdiffusion.mnist.dir} or the variable {@code JDIFFUSION_MNIST},
 * else {@code <repo>/../shared/data/mnist} as a CI clone has it. Tests that need it are skipped
 * when it is absent, except under CI, where its absence is a failure.
 */
public final class SharedData {
    private SharedData() {}

    public static Path mnistDir() {
        String p = System.getProperty("jdiffusion.mnist.dir", System.getenv("JDIFFUSION_MNIST"));
        Path dir = p != null ? Path.of(p) : Path.of("").toAbsolutePath().getParent().resolve("../shared/data/mnist").normalize();
        boolean there = Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"));
        if (!there && System.getenv("CI") != null)
            throw new AssertionError("the shared MNIST set is missing at " + dir + " (CI clones the repository with shared/ beside it)");
        Assumptions.assumeTrue(there, "no shared MNIST set at " + dir + "; set -Djdiffusion.mnist.dir=DIR or JDIFFUSION_MNIST");
        return dir;
    }
}
