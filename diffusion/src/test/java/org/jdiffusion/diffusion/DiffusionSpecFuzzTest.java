package org.jdiffusion.diffusion;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.io.FuzzChecks;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Any checkpoint metadata (the input's lines, {@code key=value}) through
 * {@link DiffusionSpec#fromMetadata} and the noise schedule it describes, as {@code sample} and
 * {@code eval} read them: a spec and its schedule, or an IllegalArgumentException naming the key
 * ({@link FuzzChecks}); an accepted spec round-trips through {@link DiffusionSpec#toMetadata}.
 * Inputs: {@code DiffusionSpecFuzzTestInputs/readsOrRejects}.
 */
class DiffusionSpecFuzzTest {
    @FuzzTest
    void readsOrRejects(byte[] bytes) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq >= 0) meta.put(line.substring(0, eq), line.substring(eq + 1));
        }
        FuzzChecks.acceptsOrRejects(IllegalArgumentException.class, bytes.length, () -> {
            DiffusionSpec s = DiffusionSpec.fromMetadata(meta);
            assertEquals(s, DiffusionSpec.fromMetadata(s.toMetadata()));
            NoiseSchedule ns = s.noiseSchedule();
            assertEquals(s.timesteps(), ns.timesteps());
        });
    }
}
