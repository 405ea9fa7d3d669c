package org.jdiffusion.nn.io;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The default file system with faults injected on demand, for testing what a write does when the
 * disk fills up or a permission goes away part-way, without doing either to the real disk:
 * {@link #diskFullAfter} makes writes fail with "No space left on device" once that many more
 * bytes have been written; {@link #denyWrites} makes opening a file for writing fail, and
 * {@link #denyRenames} makes a rename fail, with "Permission denied". Paths from {@link #path}
 * reach the real files underneath.
 */
public final class FaultyFileSystem extends FileSystem {
    private final FileSystem real = FileSystems.getDefault();
    private final Provider provider = new Provider();
    private volatile long bytesLeft = Long.MAX_VALUE;
    private volatile boolean denyWrites, denyRenames;

    /** This file system's view of a real path. */
    public Path path(Path real) { return new FPath(real); }

    public FaultyFileSystem diskFullAfter(long bytes) { bytesLeft = bytes; return this; }

    public FaultyFileSystem denyWrites(boolean on) { denyWrites = on; return this; }

    public FaultyFileSystem denyRenames(boolean on) { denyRenames = on; return this; }

    /** Clears every fault. */
    public FaultyFileSystem heal() { bytesLeft = Long.MAX_VALUE; denyWrites = false; denyRenames = false; return this; }

    private static Path unwrap(Path p) {
        if (p instanceof FPath f) return f.p;
        throw new IllegalArgumentException("not a path of the faulty file system: " + p);
    }

    private int spend(int n) throws IOException {
        synchronized (this) {
            if (bytesLeft < n) {
                bytesLeft = 0;
                throw new IOException("No space left on device");
            }
            bytesLeft -= n;
            return n;
        }
    }

    // ---- FileSystem ----------------------------------------------------------------------------

    @Override public FileSystemProvider provider() { return provider; }
    @Override public void close() {}
    @Override public boolean isOpen() { return true; }
    @Override public boolean isReadOnly() { return false; }
    @Override public String getSeparator() { return real.getSeparator(); }
    @Override public Iterable<Path> getRootDirectories() {
        List<Path> r = new ArrayList<>();
        for (Path p : real.getRootDirectories()) r.add(new FPath(p));
        return r;
    }
    @Override public Iterable<FileStore> getFileStores() { return real.getFileStores(); }
    @Override public Set<String> supportedFileAttributeViews() { return real.supportedFileAttributeViews(); }
    @Override public Path getPath(String first, String... more) { return new FPath(real.getPath(first, more)); }
    @Override public PathMatcher getPathMatcher(String syntax) { return real.getPathMatcher(syntax); }
    @Override public UserPrincipalLookupService getUserPrincipalLookupService() { return real.getUserPrincipalLookupService(); }
    @Override public WatchService newWatchService() { throw new UnsupportedOperationException(); }

    /** A real path seen through this file system. */
    private final class FPath implements Path {
        final Path p;

        FPath(Path p) { this.p = p; }

        private Path w(Path q) { return q == null ? null : new FPath(q); }

        @Override public FileSystem getFileSystem() { return FaultyFileSystem.this; }
        @Override public boolean isAbsolute() { return p.isAbsolute(); }
        @Override public Path getRoot() { return w(p.getRoot()); }
        @Override public Path getFileName() { return w(p.getFileName()); }
        @Override public Path getParent() { return w(p.getParent()); }
        @Override public int getNameCount() { return p.getNameCount(); }
        @Override public Path getName(int i) { return w(p.getName(i)); }
        @Override public Path subpath(int a, int b) { return w(p.subpath(a, b)); }
        @Override public boolean startsWith(Path o) { return o instanceof FPath f && p.startsWith(f.p); }
        @Override public boolean endsWith(Path o) { return o instanceof FPath f && p.endsWith(f.p); }
        @Override public Path normalize() { return w(p.normalize()); }
        @Override public Path resolve(Path o) { return w(p.resolve(unwrap(o))); }
        @Override public Path relativize(Path o) { return w(p.relativize(unwrap(o))); }
        @Override public URI toUri() { return p.toUri(); }
        @Override public Path toAbsolutePath() { return w(p.toAbsolutePath()); }
        @Override public Path toRealPath(LinkOption... o) throws IOException { return w(p.toRealPath(o)); }
        @Override public WatchKey register(WatchService s, WatchEvent.Kind<?>[] k, WatchEvent.Modifier... m) { throw new UnsupportedOperationException(); }
        @Override public int compareTo(Path o) { return p.compareTo(unwrap(o)); }
        @Override public boolean equals(Object o) { return o instanceof FPath f && p.equals(f.p); }
        @Override public int hashCode() { return p.hashCode(); }
        @Override public String toString() { return p.toString(); }
    }

    // ---- the provider: every call reaches the real file system, unless a fault says otherwise --

    private final class Provider extends FileSystemProvider {
        private FileSystemProvider r() { return real.provider(); }

        @Override public String getScheme() { return "faulty"; }
        @Override public FileSystem newFileSystem(URI uri, Map<String, ?> env) { throw new UnsupportedOperationException(); }
        @Override public FileSystem getFileSystem(URI uri) { return FaultyFileSystem.this; }
        @Override public Path getPath(URI uri) { return new FPath(r().getPath(uri)); }

        private void checkOpen(Path p, Set<? extends OpenOption> o) throws IOException {
            if (denyWrites && (o.contains(StandardOpenOption.WRITE) || o.contains(StandardOpenOption.APPEND)))
                throw new AccessDeniedException(unwrap(p).toString(), null, "Permission denied");
        }

        @Override public SeekableByteChannel newByteChannel(Path p, Set<? extends OpenOption> o, FileAttribute<?>... a) throws IOException {
            return newFileChannel(p, o, a);
        }

        @Override public FileChannel newFileChannel(Path p, Set<? extends OpenOption> o, FileAttribute<?>... a) throws IOException {
            checkOpen(p, o);
            return new Channel(r().newFileChannel(unwrap(p), o, a));
        }

        @Override public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
            DirectoryStream<Path> d = r().newDirectoryStream(unwrap(dir), q -> filter.accept(new FPath(q)));
            return new DirectoryStream<>() {
                @Override public Iterator<Path> iterator() {
                    Iterator<Path> it = d.iterator();
                    return new Iterator<>() {
                        @Override public boolean hasNext() { return it.hasNext(); }
                        @Override public Path next() { return new FPath(it.next()); }
                    };
                }

                @Override public void close() throws IOException { d.close(); }
            };
        }

        @Override public void createDirectory(Path dir, FileAttribute<?>... a) throws IOException { r().createDirectory(unwrap(dir), a); }
        @Override public void delete(Path p) throws IOException { r().delete(unwrap(p)); }
        @Override public void copy(Path s, Path t, CopyOption... o) throws IOException { r().copy(unwrap(s), unwrap(t), o); }

        @Override public void move(Path s, Path t, CopyOption... o) throws IOException {
            if (denyRenames) throw new AccessDeniedException(unwrap(s).toString(), unwrap(t).toString(), "Permission denied");
            r().move(unwrap(s), unwrap(t), o);
        }

        @Override public boolean isSameFile(Path a, Path b) throws IOException { return r().isSameFile(unwrap(a), unwrap(b)); }
        @Override public boolean isHidden(Path p) throws IOException { return r().isHidden(unwrap(p)); }
        @Override public FileStore getFileStore(Path p) throws IOException { return r().getFileStore(unwrap(p)); }
        @Override public void checkAccess(Path p, AccessMode... m) throws IOException { r().checkAccess(unwrap(p), m); }
        @Override public <V extends FileAttributeView> V getFileAttributeView(Path p, Class<V> t, LinkOption... o) {
            return r().getFileAttributeView(unwrap(p), t, o);
        }
        @Override public <A extends BasicFileAttributes> A readAttributes(Path p, Class<A> t, LinkOption... o) throws IOException {
            return r().readAttributes(unwrap(p), t, o);
        }
        @Override public Map<String, Object> readAttributes(Path p, String attrs, LinkOption... o) throws IOException {
            return r().readAttributes(unwrap(p), attrs, o);
        }
        @Override public void setAttribute(Path p, String attr, Object v, LinkOption... o) throws IOException {
            r().setAttribute(unwrap(p), attr, v, o);
        }
    }

    /** A real channel whose writes spend the disk's remaining bytes. */
    private final class Channel extends FileChannel {
        private final FileChannel c;

        Channel(FileChannel c) { this.c = c; }

        /** Writes what fits; throws once nothing does, as a full disk does. */
        private int writeSome(ByteBuffer b, long pos) throws IOException {
            int n;
            synchronized (FaultyFileSystem.this) {
                n = (int) Math.min(b.remaining(), bytesLeft);
                if (n == 0 && b.hasRemaining()) spend(1);
            }
            ByteBuffer part = b.slice().limit(n);
            int w = pos < 0 ? c.write(part) : c.write(part, pos);
            spend(w);
            b.position(b.position() + w);
            return w;
        }

        @Override public int read(ByteBuffer dst) throws IOException { return c.read(dst); }
        @Override public long read(ByteBuffer[] d, int off, int len) throws IOException { return c.read(d, off, len); }
        @Override public int write(ByteBuffer src) throws IOException { return writeSome(src, -1); }
        @Override public long write(ByteBuffer[] s, int off, int len) throws IOException {
            long n = 0;
            for (int i = off; i < off + len; i++) n += write(s[i]);
            return n;
        }
        @Override public long position() throws IOException { return c.position(); }
        @Override public FileChannel position(long p) throws IOException { c.position(p); return this; }
        @Override public long size() throws IOException { return c.size(); }
        @Override public FileChannel truncate(long size) throws IOException { c.truncate(size); return this; }
        @Override public void force(boolean meta) throws IOException { c.force(meta); }
        @Override public long transferTo(long pos, long n, WritableByteChannel t) throws IOException { return c.transferTo(pos, n, t); }
        @Override public long transferFrom(ReadableByteChannel s, long pos, long n) throws IOException {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, 1 << 16));
            long done = 0;
            while (done < n) {
                b.clear().limit((int) Math.min(b.capacity(), n - done));
                if (s.read(b) <= 0) break;
                b.flip();
                while (b.hasRemaining()) done += writeSome(b, pos + done);
            }
            return done;
        }
        @Override public int read(ByteBuffer dst, long pos) throws IOException { return c.read(dst, pos); }
        @Override public int write(ByteBuffer src, long pos) throws IOException { return writeSome(src, pos); }
        @Override public MappedByteBuffer map(MapMode m, long pos, long size) { throw new UnsupportedOperationException("map"); }
        @Override public FileLock lock(long pos, long size, boolean shared) throws IOException { return c.lock(pos, size, shared); }
        @Override public FileLock tryLock(long pos, long size, boolean shared) throws IOException { return c.tryLock(pos, size, shared); }
        @Override protected void implCloseChannel() throws IOException { c.close(); }
    }
}
