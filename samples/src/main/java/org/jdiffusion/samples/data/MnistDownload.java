package org.jdiffusion.samples.data;

import org.jdiffusion.nn.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Fetches the four official MNIST files into a folder and verifies each against its published
 * size and SHA-256 before it takes its final name (streamed to a temporary file, hashed on the way,
 * renamed atomically only when it matches). A file already present with the right checksum is
 * kept; mirrors are tried in order.
 */
public final class MnistDownload {
    private MnistDownload() {}

    /** One remote file: its name, SHA-256 (hex) and size in bytes. */
    public record Remote(String name, String sha256, long size) {}

    /** The official distribution's files (LeCun, Cortes, Burges), as every mirror serves them. */
    public static final List<Remote> OFFICIAL = List.of(
            new Remote("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
            new Remote("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
            new Remote("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
            new Remote("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542));

    public static final List<URI> MIRRORS = List.of(
            URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
            URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"));

    /** The default cache folder: $XDG_CACHE_HOME/jdiffusion/mnist, else ~/.cache/jdiffusion/mnist. */
    public static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jdiffusion").resolve("mnist");
    }

    /** Fetches every missing or mismatching file of {@code files} into {@code dir}; returns {@code dir}. */
    public static Path fetch(Path dir, List<URI> mirrors, List<Remote> files, Consumer<String> log) {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
        for (Remote r : files) {
            Path target = dir.resolve(r.name());
            if (Files.isRegularFile(target) && sha256(target).equals(r.sha256())) {
                log.accept(r.name() + ": present, checksum ok");
                continue;
            }
            List<String> failures = new ArrayList<>();
            boolean done = false;
            for (URI m : mirrors) {
                URI uri = m.resolve(r.name());
                try {
                    download(http, uri, target, r);
                    log.accept(r.name() + ": " + r.size() + " bytes from " + uri + ", SHA-256 ok");
                    done = true;
                    break;
                } catch (DownloadException e) {
                    failures.add(uri + ": " + e.getMessage());
                }
            }
            if (!done)
                throw new IllegalStateException("could not fetch " + r.name() + " from any mirror:\n  " + String.join("\n  ", failures));
        }
        return dir;
    }

    private static final class DownloadException extends RuntimeException {
        DownloadException(String m) { super(m); }
    }

    private static void download(HttpClient http, URI uri, Path target, Remote r) {
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DownloadException("request failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("interrupted");
        }
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) throw new DownloadException("HTTP " + resp.statusCode());
            AtomicFiles.write(target, ch -> {
                MessageDigest md = digest();
                byte[] buf = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > r.size()) throw new DownloadException("more than the expected " + r.size() + " bytes");
                    md.update(buf, 0, n);
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    while (b.hasRemaining()) ch.write(b);
                }
                if (total != r.size()) throw new DownloadException("got " + total + " bytes, expected " + r.size());
                String got = HexFormat.of().formatHex(md.digest());
                if (!got.equals(r.sha256())) throw new DownloadException("SHA-256 mismatch: expected " + r.sha256() + ", got " + got);
            });
        } catch (IOException | UncheckedIOException e) {
            throw new DownloadException("transfer failed: " + e.getMessage());
        }
    }

    public static String sha256(Path p) {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }
}
