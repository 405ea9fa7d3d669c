package org.jdiffusion.samples.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.io.FuzzChecks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Any bytes as a {@code .npy} file: the array, or an {@link NpyException} naming the problem
 * ({@link FuzzChecks}); an accepted array encodes back to a file that decodes to the same array.
 * Inputs: {@code NpyFuzzTestInputs/decodesOrRejects}.
 */
class NpyFuzzTest {
    @FuzzTest
    void decodesOrRejects(byte[] bytes) {
        FuzzChecks.acceptsOrRejects(NpyException.class, bytes.length, () -> {
            NpyArray a = Npy.decode("fuzz.npy", bytes);
            NpyArray b = Npy.decode("again.npy", Npy.encode(a));
            assertArrayEquals(a.shape(), b.shape());
            assertArrayEquals(a.data(), b.data());
        });
    }
}
