package org.jdiffusion.samples.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017: 60,000 train and 10,000 test 28×28 grey images of ten
 * clothing classes, MIT licence) in the IDX files that Debian's {@code dataset-fashion-mnist} package
 * installs; read by {@link Mnist} like the digits.
 */
public final class FashionMnist {
    private FashionMnist() {}

    /** Where the Debian package puts the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The installed folder (property {@code jdiffusion.fashion.dir} overrides), or a one-line error saying how to install it. */
    public static Path dir() {
        String p = System.getProperty("jdiffusion.fashion.dir");
        Path dir = p != null ? Path.of(p) : DEBIAN_DIR;
        if (!Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")))
            throw new IllegalArgumentException("--data fashion: Fashion-MNIST is not installed (no " + dir.resolve("train-images-idx3-ubyte.gz")
                    + "); install Debian's package with `apt-get install dataset-fashion-mnist`, or give its IDX files with --data-dir DIR");
        return dir;
    }
}
