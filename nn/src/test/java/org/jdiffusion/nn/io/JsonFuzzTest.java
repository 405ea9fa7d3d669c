package org.jdiffusion.nn.io;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Any text through the JSON reader: a value, or a {@link Json.ParseException} with its position
 * ({@link FuzzChecks}); every string of an accepted document survives {@link Json#quote} and a
 * second parse unchanged. Inputs: {@code JsonFuzzTestInputs/parsesOrRejects}.
 */
class JsonFuzzTest {
    @FuzzTest
    void parsesOrRejects(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        FuzzChecks.acceptsOrRejects(Json.ParseException.class, bytes.length, () -> roundTrips(Json.parse(text)));
    }

    private static void roundTrips(Object v) {
        switch (v) {
            case String s -> assertEquals(s, Json.parse(Json.quote(s)));
            case Map<?, ?> m -> m.forEach((k, x) -> { roundTrips(k); roundTrips(x); });
            case List<?> l -> l.forEach(JsonFuzzTest::roundTrips);
            default -> { }
        }
    }
}
