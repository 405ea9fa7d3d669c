package org.jdiffusion.nn.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.tensor.Tensor;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Any bytes as a safetensors file: the header and the body are read, or a
 * {@link SafetensorsException} names what is wrong ({@link FuzzChecks}); an accepted file's
 * header agrees with its tensors. Inputs: {@code SafetensorsFuzzTestInputs/readsOrRejects}.
 */
class SafetensorsFuzzTest {
    @FuzzTest
    void readsOrRejects(byte[] bytes) {
        Path p = FuzzChecks.scratch(".safetensors", bytes);
        FuzzChecks.acceptsOrRejects(SafetensorsException.class, bytes.length, () -> {
            Safetensors.Contents c = Safetensors.read(p);
            SafetensorsHeader h = Safetensors.readHeader(p);
            assertEquals(h.entries().size(), c.tensors().size());
            for (SafetensorsHeader.Entry e : h.entries()) {
                Tensor t = c.tensors().get(e.name());
                assertArrayEquals(e.shape(), t.shape());
                assertEquals(e.byteCount(), (long) t.numel() * e.dtype().byteSize());
            }
        });
    }
}
