package org.jdiffusion.nn.unet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.io.FuzzChecks;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Any text as a checkpoint's {@code model_config}: a config, or an IllegalArgumentException naming
 * the bad key ({@link FuzzChecks}); an accepted config round-trips through {@link UNetConfig#toJson}
 * and its parameter count is computed without building the network.
 * Inputs: {@code UNetConfigFuzzTestInputs/parsesOrRejects}.
 */
class UNetConfigFuzzTest {
    @FuzzTest
    void parsesOrRejects(byte[] bytes) {
        String json = new String(bytes, StandardCharsets.UTF_8);
        FuzzChecks.acceptsOrRejects(IllegalArgumentException.class, bytes.length, () -> {
            UNetConfig c = UNetConfig.fromJson(json);
            assertEquals(c, UNetConfig.fromJson(c.toJson()));
            c.parameterCount();
        });
    }
}
