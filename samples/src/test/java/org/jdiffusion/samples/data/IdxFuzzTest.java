package org.jdiffusion.samples.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.io.FuzzChecks;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Any bytes as an IDX file, raw or gzip (the reader tells them apart by gzip's magic): the array,
 * or an {@link IdxException} naming the file and the problem ({@link FuzzChecks}; gzip expands
 * at most about 1,032 times, inside the bound). Inputs: {@code IdxFuzzTestInputs/readsOrRejects}.
 */
class IdxFuzzTest {
    @FuzzTest
    void readsOrRejects(byte[] bytes) {
        Path p = FuzzChecks.scratch(".idx", bytes);
        FuzzChecks.acceptsOrRejects(IdxException.class, bytes.length, () -> {
            Idx.Array a = Idx.read(p);
            long n = 1;
            for (int d : a.dims()) n *= d;
            assertEquals(n, a.data().length);
        });
    }
}
