package org.jdiffusion.samples.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.io.FuzzChecks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * The input's bytes gzip-compressed and read as an IDX file: the fuzzer works on the decompressed
 * IDX content, which mutating gzip bytes rarely reaches. Same property as {@link IdxFuzzTest}.
 * Inputs: {@code IdxGzipFuzzTestInputs/readsOrRejects}.
 */
class IdxGzipFuzzTest {
    @FuzzTest
    void readsOrRejects(byte[] bytes) {
        Path p = FuzzChecks.scratch(".idx.gz", gzip(bytes));
        FuzzChecks.acceptsOrRejects(IdxException.class, bytes.length, () -> Idx.read(p));
    }

    static byte[] gzip(byte[] b) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(bos)) {
            z.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }
}
