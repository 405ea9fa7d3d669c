package org.jdiffusion.samples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MNIST subset inside the program: copied out verified, repaired when a copy is damaged, read as MNIST. */
class BundledMnistTest {
    @TempDir Path dir;

    @Test void extractsVerifiedFilesThatReadAsTheSubset() throws Exception {
        Path d = BundledMnist.extract(dir.resolve("subset"));
        for (MnistDownload.Remote f : BundledMnist.FILES) assertEquals(f.sha256(), MnistDownload.sha256(d.resolve(f.name())), f.name());
        Mnist train = Mnist.load(d, Mnist.Split.TRAIN), test = Mnist.load(d, Mnist.Split.TEST);
        assertEquals(8000, train.count());
        assertEquals(2000, test.count());
        int[] perClass = new int[10];
        for (int i = 0; i < train.count(); i++) perClass[train.label(i)]++;
        assertEquals(806, perClass[0], "the README's per-class counts");
        assertEquals(774, perClass[9]);
    }

    @Test void aDamagedCopyIsReplacedAndNoPartialFileRemains() throws Exception {
        Path d = BundledMnist.extract(dir.resolve("subset"));
        Path labels = d.resolve("train-labels-idx1-ubyte.gz");
        Files.write(labels, new byte[]{1, 2, 3});
        BundledMnist.extract(d);
        assertEquals(BundledMnist.FILES.get(1).sha256(), MnistDownload.sha256(labels));
        try (var s = Files.list(d)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "no temporary file left behind");
        }
    }

    @Test void fashionMnistWhenAbsentSaysHowToInstallIt() {
        String prev = System.setProperty("jdiffusion.fashion.dir", dir.resolve("none").toString());
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, FashionMnist::dir);
            assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        } finally {
            if (prev == null) System.clearProperty("jdiffusion.fashion.dir");
            else System.setProperty("jdiffusion.fashion.dir", prev);
        }
    }
}
