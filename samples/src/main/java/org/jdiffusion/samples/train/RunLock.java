package org.jdiffusion.samples.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One run per folder: {@code train} holds an exclusive lock on {@code RUN/.lock} (the operating
 * system's advisory file lock) for as long as it runs, and writes its process id, host and start
 * time into the file. A second run into the same folder finds the lock held and stops at once,
 * naming that process. The operating system releases the lock when its process ends however it
 * ends (kill -9 included), so a lock file left by a killed run is stale: the next run takes it
 * over and says whose it was.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final String previous;

    private RunLock(FileChannel channel, FileLock lock, String previous) {
        this.channel = channel;
        this.lock = lock;
        this.previous = previous;
    }

    /** A folder that another live run holds. */
    public static final class HeldException extends IllegalStateException {
        HeldException(String message) { super(message); }
    }

    /** Takes the folder's lock or throws {@link HeldException} naming its holder. */
    public static RunLock acquire(Path runDir) {
        Path file = runDir.resolve(FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                String holder = read(ch);
                ch.close();
                throw new HeldException("train: the run folder " + runDir + " is in use by another run: "
                        + (holder.isBlank() ? "a process that has not yet written its id" : holder)
                        + " (wait for it to finish, stop it, or choose another -o)");
            }
            String previous = read(ch);
            ch.truncate(0);
            ByteBuffer b = ByteBuffer.wrap(describe(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b, b.position());
            ch.force(true);
            return new RunLock(ch, lock, previous);
        } catch (IOException e) {
            if (ch != null) try { ch.close(); } catch (IOException ignored) { }
            throw new UncheckedIOException("train: cannot lock the run folder " + runDir + " (" + file + "): " + e.getMessage(), e);
        }
    }

    /**
     * What the lock file said when this run took it over from a run that ended without releasing
     * it (killed), or null when there was none.
     */
    public String staleHolder() { return previous.isBlank() ? null : previous; }

    /** The line to print when a stale lock was taken over, or null. */
    public String takeOverNote() {
        if (staleHolder() == null) return null;
        long pid = pidOf(previous);
        boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return "train: took over the lock left by " + previous + (alive ? "" : ", which is no longer running");
    }

    @Override public void close() {
        try {
            channel.truncate(0);
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }

    static String describe(long pid) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        return "process " + pid + " on " + host + ", started " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private static long pidOf(String holder) {
        String[] w = holder.split(" ");
        try {
            return w.length > 1 && w[0].equals("process") ? Long.parseLong(w[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(FileChannel ch) throws IOException {
        long n = Math.min(ch.size(), 4096);
        ByteBuffer b = ByteBuffer.allocate((int) n);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) { }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
    }
}
