package org.jdiffusion.nn.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe file replacement: the content goes to a temporary file in the target's directory,
 * is forced to disk, then renamed over the target in one atomic step. A crash at any point leaves
 * either the old file or the new one, never a mix, and so does a failure part-way (a full disk, a
 * permission gone): the temporary file is removed and the error names the target, the reason and
 * that the previous file is unchanged. Works on any {@link java.nio.file.FileSystem} whose paths
 * it is given (the tests inject faults through one).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of a file through a channel. */
    @FunctionalInterface
    public interface Content { void writeTo(FileChannel ch) throws IOException; }

    public static void write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                content.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically", e);
            }
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + abs + ": " + why(e) + (Files.exists(abs)
                    ? " (the previous " + abs.getFileName() + " is unchanged)" : " (nothing was written there)"), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    /** The failure in words: the reason, and the file it concerned when that is not the target (the temporary file, the folder). */
    private static String why(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null)
            return f.getReason() + " (" + f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ")";
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** Makes the rename durable where the platform allows opening a directory (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not possible on this platform; the rename itself is still atomic
        }
    }
}
