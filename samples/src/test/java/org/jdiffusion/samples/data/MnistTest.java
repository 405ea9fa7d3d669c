package org.jdiffusion.samples.data;

import org.jdiffusion.samples.SharedData;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IDX reading (gzip and raw), MNIST splits on the shared set, and every malformed-file error. */
class MnistTest {
    @TempDir Path dir;

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) { gz.write(b); }
        return bos.toByteArray();
    }

    /** n synthetic 4×3 images (pixel k of image i = 13·i + k) and labels i mod 10. */
    static void writeSet(Path dir, String prefix, int n, boolean gz) throws IOException {
        byte[] img = new byte[n * 12], lbl = new byte[n];
        for (int i = 0; i < n; i++) {
            lbl[i] = (byte) (i % 10);
            for (int k = 0; k < 12; k++) img[i * 12 + k] = (byte) (13 * i + k);
        }
        byte[] a = Idx.encode(new int[]{n, 4, 3}, img), b = Idx.encode(new int[]{n}, lbl);
        String ext = gz ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + ext), gz ? gzip(a) : a);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), gz ? gzip(b) : b);
    }

    @Test void sharedSetLoads() {
        Path d = SharedData.mnistDir();
        Mnist train = Mnist.load(d, Mnist.Split.TRAIN), test = Mnist.load(d, Mnist.Split.TEST);
        assertEquals(8000, train.count());
        assertEquals(2000, test.count());
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
        int[] perClass = new int[10];
        for (int i = 0; i < test.count(); i++) perClass[test.label(i)]++;
        assertArrayEquals(new int[]{195, 225, 204, 203, 170, 164, 237, 197, 201, 204}, perClass);
        // digits: mostly background with some ink
        int ink = 0;
        for (int k = 0; k < 784; k++) if ((train.images()[k] & 0xff) > 128) ink++;
        assertTrue(ink > 40 && ink < 400, "ink pixels " + ink);
        Tensor x = train.batch(new int[]{0, 5});
        assertArrayEquals(new int[]{2, 1, 28, 28}, x.shape());
        assertEquals(-1.0, x.min().item());
        assertEquals(1.0, x.max().item());
    }

    @Test void gzipAndRawReadAlike() throws IOException {
        Path a = Files.createDirectory(dir.resolve("a")), b = Files.createDirectory(dir.resolve("b"));
        writeSet(a, "train", 7, true);
        writeSet(b, "train", 7, false);
        Mnist x = Mnist.load(a, Mnist.Split.TRAIN), y = Mnist.load(b, Mnist.Split.TRAIN);
        assertArrayEquals(x.images(), y.images());
        assertArrayEquals(x.labels(), y.labels());
        assertEquals(4, x.rows());
        assertEquals(3, x.cols());
        assertEquals(6, x.label(6));
        assertEquals((13 * 5 + 2) / 127.5f - 1f, x.batch(new int[]{5}).toFloatArray()[2]);
        assertArrayEquals(new long[]{3, 0}, x.batchLabels(new int[]{3, 0}).toLongArray());
        writeSet(b, "test", 3, false);
        assertEquals(3, Mnist.load(b, Mnist.Split.TEST).count());
        writeSet(b, "t10k", 2, false);
        assertEquals(2, Mnist.load(b, Mnist.Split.TEST).count(), "the official t10k name is preferred");
    }

    private String idxError(byte[] content, boolean gz) throws IOException {
        Path p = dir.resolve("f" + Arrays.hashCode(content) + (gz ? ".gz" : ""));
        Files.write(p, gz ? gzip(content) : content);
        return assertThrows(IdxException.class, () -> Idx.read(p)).getMessage();
    }

    @Test void malformedIdxFilesAreNamed() throws IOException {
        byte[] good = Idx.encode(new int[]{2, 2, 2}, new byte[8]);
        for (boolean gz : new boolean[]{false, true}) {
            assertTrue(idxError(new byte[]{0, 0}, gz).contains("inside the 4-byte IDX magic"));
            assertTrue(idxError("PK\3\4xxxxxxxx".getBytes(), gz).contains("not an IDX file (magic 50 4b 03 04"));
            byte[] floats = good.clone();
            floats[2] = 0x0D;
            assertTrue(idxError(floats, gz).contains("element type 0x0d (float) is not supported (expected 0x08, unsigned byte)"));
            byte[] nd = good.clone();
            nd[3] = 0;
            assertTrue(idxError(nd, gz).contains("declares 0 dimensions"));
            assertTrue(idxError(Arrays.copyOf(good, 9), gz).contains("file ends inside the sizes of its 3 dimensions"));
            String m = idxError(Arrays.copyOf(good, good.length - 3), gz);
            assertTrue(m.contains("truncated: sizes [2, 2, 2] need 8 data bytes, the file holds 5"), m);
            assertTrue(idxError(Arrays.copyOf(good, good.length + 2), gz).contains("2 bytes after the 8 data bytes"));
            byte[] neg = good.clone();
            neg[4] = (byte) 0xff;
            assertTrue(idxError(neg, gz).contains("negative size"));
        }
        byte[] gz = gzip(good);
        Path broken = dir.resolve("broken.gz");
        Files.write(broken, Arrays.copyOf(gz, gz.length / 2));
        assertTrue(assertThrows(IdxException.class, () -> Idx.read(broken)).getMessage().contains("corrupt gzip stream"));
        assertTrue(assertThrows(IdxException.class, () -> Idx.read(dir.resolve("none"))).getMessage().contains("no such file"));
    }

    @Test void inconsistentSetsAreNamed() throws IOException {
        Path d = Files.createDirectory(dir.resolve("bad"));
        String m = assertThrows(IllegalArgumentException.class, () -> Mnist.load(d, Mnist.Split.TRAIN)).getMessage();
        assertTrue(m.contains("no MNIST train images in " + d + ": expected train-images-idx3-ubyte[.gz]") && m.contains("--download"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mnist.load(d, Mnist.Split.TEST)).getMessage();
        assertTrue(m.contains("expected t10k-images-idx3-ubyte[.gz] or test-images-idx3-ubyte[.gz]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mnist.load(d.resolve("nope"), Mnist.Split.TRAIN)).getMessage();
        assertTrue(m.contains("does not exist"), m);

        writeSet(d, "train", 5, false);
        Files.write(d.resolve("train-labels-idx1-ubyte"), Idx.encode(new int[]{4}, new byte[4]));
        m = assertThrows(IdxException.class, () -> Mnist.load(d, Mnist.Split.TRAIN)).getMessage();
        assertTrue(m.contains("holds 4 labels but") && m.contains("holds 5 images"), m);
        Files.write(d.resolve("train-labels-idx1-ubyte"), Idx.encode(new int[]{5}, new byte[]{1, 2, 10, 3, 4}));
        m = assertThrows(IdxException.class, () -> Mnist.load(d, Mnist.Split.TRAIN)).getMessage();
        assertTrue(m.contains("label 10 at index 2 is not a digit 0-9"), m);
        Files.write(d.resolve("train-labels-idx1-ubyte"), Idx.encode(new int[]{5, 1}, new byte[5]));
        m = assertThrows(IdxException.class, () -> Mnist.load(d, Mnist.Split.TRAIN)).getMessage();
        assertTrue(m.contains("labels must have 1 dimension [count], got [5, 1]"), m);
        Files.write(d.resolve("train-images-idx3-ubyte"), Idx.encode(new int[]{5, 12}, new byte[60]));
        m = assertThrows(IdxException.class, () -> Mnist.load(d, Mnist.Split.TRAIN)).getMessage();
        assertTrue(m.contains("images must have 3 dimensions [count, rows, cols], got [5, 12]"), m);
    }
}
