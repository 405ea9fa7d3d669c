package org.jdiffusion.samples.train;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.io.FuzzChecks;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Any text as the run settings a training checkpoint carries ({@code config}, read by
 * {@code train --resume}): settings that pass the same checks as {@code train}'s flags, or an
 * IllegalArgumentException naming the bad entry ({@link FuzzChecks}); accepted settings round-trip.
 * Inputs: {@code TrainSettingsFuzzTestInputs/readsOrRejects}.
 */
class TrainSettingsFuzzTest {
    @FuzzTest
    void readsOrRejects(byte[] bytes) {
        String json = new String(bytes, StandardCharsets.UTF_8);
        FuzzChecks.acceptsOrRejects(IllegalArgumentException.class, bytes.length, () -> {
            TrainSettings s = TrainSettings.fromJson(json);
            assertEquals(s, TrainSettings.fromJson(s.toJson()));
            s.spec(s.isMnist() ? 10 : 0);
        });
    }
}
