package org.jdiffusion.samples;

import org.jdiffusion.samples.data.BundledMnist;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The MNIST subset for tests (8,000 train / 2,000 test digits in IDX format): the folder named by the
 * system property {@code jdiffusion.mnist.dir} or the variable {@code JDIFFUSION_MNIST}, else the
 * subset that ships inside the program, copied into {@code target/mnist-subset} ({@link BundledMnist}).
 */
public final class SharedData {
    private SharedData() {}

    public static Path mnistDir() {
        String p = System.getProperty("jdiffusion.mnist.dir", System.getenv("JDIFFUSION_MNIST"));
        if (p == null) return BundledMnist.extract(Path.of("target", "mnist-subset").toAbsolutePath());
        Path dir = Path.of(p);
        if (!Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")))
            throw new AssertionError("no MNIST IDX files at " + dir + " (named by jdiffusion.mnist.dir / JDIFFUSION_MNIST)");
        return dir;
    }
}
