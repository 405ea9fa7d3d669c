package org.jdiffusion.nn.io;

import org.jdiffusion.nn.Linear;
import org.jdiffusion.nn.Module;
import org.jdiffusion.nn.Sequential;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.optim.Ema;
import org.jdiffusion.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes that fail part-way (disk full, permission gone) keep the previous file and say which file and why. */
class AtomicFilesFaultTest {
    @TempDir Path dir;
    final FaultyFileSystem fs = new FaultyFileSystem();

    private static void bytes(Path p, byte[] b) {
        AtomicFiles.write(p, ch -> { ByteBuffer bb = ByteBuffer.wrap(b); while (bb.hasRemaining()) ch.write(bb); });
    }

    private void assertOnlyTarget(String name) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.List.of(name), s.map(p -> p.getFileName().toString()).toList(), "a temporary file was left behind");
        }
    }

    @Test void aFullDiskPartWayKeepsThePreviousFileAndNamesItAndTheReason() throws IOException {
        Path real = dir.resolve("out.bin"), p = fs.path(real);
        byte[] old = "the previous content".getBytes();
        bytes(p, old);
        fs.diskFullAfter(1000);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> bytes(p, new byte[5000]));
        assertTrue(e.getMessage().startsWith("cannot write " + real.toAbsolutePath() + ": No space left on device"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(the previous out.bin is unchanged)"), e.getMessage());
        assertArrayEquals(old, Files.readAllBytes(real));
        assertOnlyTarget("out.bin");
    }

    @Test void aPermissionLostBeforeTheRenameKeepsThePreviousFile() throws IOException {
        Path real = dir.resolve("a.txt"), p = fs.path(real);
        bytes(p, new byte[]{1, 2, 3});
        fs.denyRenames(true);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> bytes(p, new byte[]{9}));
        assertTrue(e.getMessage().contains("cannot write " + real.toAbsolutePath() + ": Permission denied"), e.getMessage());
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(real));
        assertOnlyTarget("a.txt");
    }

    @Test void aFolderThatCannotBeWrittenIsNamedAndNothingIsCreated() throws IOException {
        Path real = dir.resolve("new.txt");
        fs.denyWrites(true);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> bytes(fs.path(real), new byte[]{1}));
        assertTrue(e.getMessage().contains("Permission denied") && e.getMessage().endsWith("(nothing was written there)"), e.getMessage());
        try (Stream<Path> s = Files.list(dir)) { assertEquals(0, s.count()); }
    }

    @Test void aCheckpointCutShortByAFullDiskLeavesTheLastOneLoadable() {
        Generator g = new Generator(1);
        Module m = new Sequential(new Linear(8, 16, g), new Linear(16, 4, g));
        Adam opt = Adam.adam(m.namedParameters(), 1e-3);
        Ema ema = new Ema(m, 0.9, 0);
        Path real = dir.resolve("checkpoint.safetensors"), p = fs.path(real);
        TrainingCheckpoint.save(p, m, ema, opt, 7, Map.of(), "{}");
        for (long budget : new long[]{0, 8, 300, 2000}) {   // in the length, the header, the tensors
            fs.diskFullAfter(budget);
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> TrainingCheckpoint.save(p, m, ema, opt, 8, Map.of(), "{}"));
            assertTrue(e.getMessage().contains(real.toAbsolutePath() + ": No space left on device"), e.getMessage());
            fs.heal();
            TrainingCheckpoint ck = TrainingCheckpoint.read(real);
            assertEquals(7, ck.step());
            ck.restore(m, ema, opt);
        }
    }
}
