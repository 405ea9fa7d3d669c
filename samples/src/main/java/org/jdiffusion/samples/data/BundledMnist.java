package org.jdiffusion.samples.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The 10,000-digit MNIST subset that ships inside the program (8,000 train / 2,000 test digits as
 * IDX gzip files, 1.6 MB; source, licence and checksums in {@code mnist-subset/README.md} beside
 * the files), so {@code train} and {@code eval} work on a fresh clone without a network. On first
 * use the files are copied out of the jar into {@code $XDG_CACHE_HOME/jdiffusion/mnist-subset} (or
 * {@code ~/.cache/…}), each written to a temporary file, checked against its SHA-256 and renamed into
 * place; later runs check the copies and use them.
 */
public final class BundledMnist {
    private BundledMnist() {}

    /** The shipped files with their SHA-256. */
    public static final List<MnistDownload.Remote> FILES = List.of(
            new MnistDownload.Remote("train-images-idx3-ubyte.gz", "5f481ea5788996b8bb14061f62273aadbe3a57b5207a0fb8393f7fee7258ef41", 1290068),
            new MnistDownload.Remote("train-labels-idx1-ubyte.gz", "f51474a909a60649e84e0f6805f71f251f1422699aaa979f537dbe9e997c0f0b", 4102),
            new MnistDownload.Remote("test-images-idx3-ubyte.gz", "15cf63cf49763e3ac18e468426898e5797b718070f0f411f1e0b78e07b96a698", 323634),
            new MnistDownload.Remote("test-labels-idx1-ubyte.gz", "67e484dea0428603ea655e4a9ece4118534ed74b3cf23615428e4f9cbc43d549", 1061));

    private static final String RESOURCES = "/org/jdiffusion/samples/data/mnist-subset/";

    /** What commands print when they fall back to it. */
    public static final String DESCRIPTION = "the bundled MNIST subset (8,000 train / 2,000 test digits; --data-dir DIR for other IDX files, "
            + "--download for the official 70,000)";

    /** The default folder the subset is copied to. */
    public static Path defaultDir() { return MnistDownload.defaultCache().resolveSibling("mnist-subset"); }

    /** The subset as a folder of IDX files, copied out of the program into {@link #defaultDir()} when needed. */
    public static synchronized Path dir() { return extract(defaultDir()); }

    /** Copies every shipped file that is missing or differs into {@code dir}; returns dir. */
    public static Path extract(Path dir) {
        try {
            Files.createDirectories(dir);
            for (MnistDownload.Remote f : FILES) {
                Path target = dir.resolve(f.name());
                if (Files.isRegularFile(target) && Files.size(target) == f.size() && MnistDownload.sha256(target).equals(f.sha256())) continue;
                Path tmp = Files.createTempFile(dir, f.name(), ".part");
                try {
                    try (InputStream in = BundledMnist.class.getResourceAsStream(RESOURCES + f.name())) {
                        if (in == null) throw new IllegalStateException("the program lacks its bundled " + f.name() + " (a broken build?)");
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    String got = MnistDownload.sha256(tmp);
                    if (!got.equals(f.sha256()))
                        throw new IllegalStateException("the bundled " + f.name() + " has SHA-256 " + got + ", expected " + f.sha256());
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the bundled MNIST subset into " + dir + ": " + e.getMessage(), e);
        }
    }
}
