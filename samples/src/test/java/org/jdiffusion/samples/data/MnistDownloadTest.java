package org.jdiffusion.samples.data;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --download against a local HTTP server on 127.0.0.1: verified files land, bad ones never do. */
class MnistDownloadTest {
    @TempDir Path dir;
    HttpServer server;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();
    URI base;

    @BeforeEach void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/mnist/", ex -> {
            requests.incrementAndGet();
            byte[] body = served.get(ex.getRequestURI().getPath().substring("/mnist/".length()));
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) { o.write(body); }
            }
            ex.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mnist/");
    }

    @AfterEach void stop() { server.stop(0); }

    static String sha(byte[] b) throws Exception { return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)); }

    /** A synthetic MNIST-format set served under the official names, with its own manifest. */
    private List<MnistDownload.Remote> serveSynthetic() throws Exception {
        Path tmp = Files.createTempDirectory(dir, "src");
        MnistTest.writeSet(tmp, "train", 6, true);
        MnistTest.writeSet(tmp, "t10k", 3, true);
        List<MnistDownload.Remote> manifest = new ArrayList<>();
        for (String n : new String[]{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            byte[] b = Files.readAllBytes(tmp.resolve(n));
            served.put(n, b);
            manifest.add(new MnistDownload.Remote(n, sha(b), b.length));
        }
        return manifest;
    }

    @Test void fetchesVerifiesAndKeepsVerifiedFiles() throws Exception {
        List<MnistDownload.Remote> manifest = serveSynthetic();
        Path cache = dir.resolve("cache");
        List<String> log = new ArrayList<>();
        MnistDownload.fetch(cache, List.of(base), manifest, log::add);
        assertEquals(4, requests.get());
        assertEquals(6, Mnist.load(cache, Mnist.Split.TRAIN).count());
        assertEquals(3, Mnist.load(cache, Mnist.Split.TEST).count());
        assertTrue(log.getFirst().contains("SHA-256 ok"), log.toString());
        // second run: everything present and verified, nothing fetched
        MnistDownload.fetch(cache, List.of(base), manifest, log::add);
        assertEquals(4, requests.get());
        assertTrue(log.getLast().contains("present, checksum ok"), log.toString());
        try (var files = Files.list(cache)) {
            assertEquals(4, files.count(), "no temporary files left behind");
        }
    }

    @Test void checksumMismatchIsRejectedAndNothingLands() throws Exception {
        List<MnistDownload.Remote> manifest = serveSynthetic();
        byte[] evil = served.get("train-labels-idx1-ubyte.gz").clone();
        evil[evil.length / 2] ^= 1;
        served.put("train-labels-idx1-ubyte.gz", evil);
        Path cache = dir.resolve("cache");
        String m = assertThrows(IllegalStateException.class, () -> MnistDownload.fetch(cache, List.of(base), manifest, s -> { })).getMessage();
        assertTrue(m.contains("could not fetch train-labels-idx1-ubyte.gz from any mirror") && m.contains("SHA-256 mismatch: expected "
                + manifest.get(1).sha256()), m);
        assertFalse(Files.exists(cache.resolve("train-labels-idx1-ubyte.gz")));
        try (var files = Files.list(cache)) {
            assertEquals(1, files.count(), "only the verified first file, no temporary file");
        }
    }

    @Test void fallsBackToTheNextMirrorAndReportsEach() throws Exception {
        List<MnistDownload.Remote> manifest = serveSynthetic();
        URI missing = base.resolve("/elsewhere/");
        Path cache = dir.resolve("cache");
        MnistDownload.fetch(cache, List.of(missing, base), manifest, s -> { });
        assertArrayEquals(served.get("t10k-images-idx3-ubyte.gz"), Files.readAllBytes(cache.resolve("t10k-images-idx3-ubyte.gz")));

        served.clear();
        Path other = dir.resolve("other");
        String m = assertThrows(IllegalStateException.class, () -> MnistDownload.fetch(other, List.of(missing, base), manifest, s -> { })).getMessage();
        assertTrue(m.contains("/elsewhere/train-images-idx3-ubyte.gz: HTTP 404") && m.contains("/mnist/train-images-idx3-ubyte.gz: HTTP 404"), m);
    }

    @Test void wrongSizeAndTheOfficialManifest() throws Exception {
        // the official checksums reject anything but the real files
        served.put("train-images-idx3-ubyte.gz", new byte[100]);
        String m = assertThrows(IllegalStateException.class,
                () -> MnistDownload.fetch(dir.resolve("c"), List.of(base), MnistDownload.OFFICIAL.subList(0, 1), s -> { })).getMessage();
        assertTrue(m.contains("got 100 bytes, expected 9912422"), m);
        assertEquals(4, MnistDownload.OFFICIAL.size());
        for (MnistDownload.Remote r : MnistDownload.OFFICIAL) assertTrue(r.sha256().matches("[0-9a-f]{64}"), r.toString());
    }
}
