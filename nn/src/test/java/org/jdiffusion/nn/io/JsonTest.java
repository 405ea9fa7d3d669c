package org.jdiffusion.nn.io;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @Test void parsesEveryKind() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null], \"b\": {\"c\": \"x\\u00e9\\n\\ud83d\\ude00\"}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2L, a.get(1));
        assertEquals(3.5, a.get(2));
        assertEquals(1000.0, a.get(3));
        assertEquals(true, a.get(4));
        assertSame(Json.NULL, a.get(6));
        assertEquals("xé\n😀", ((Map<?, ?>) m.get("b")).get("c"));
    }

    @Test void quoteRoundTrips() {
        String s = "tab\t quote\" back\\ ctrl\u0001 é 😀";
        assertEquals(s, Json.parse(Json.quote(s)));
        assertEquals(Map.of("k", "v\"1"), Json.parse(Json.writeStringMap(Map.of("k", "v\"1"))));
    }

    @Test void rejectsWhatTheGrammarForbids() {
        for (String bad : new String[]{"", "{", "{\"a\":1,}", "[1,]", "01", "1.", "-", "\"\\x\"", "\"a\u0001\"", "{a:1}",
                "'a'", "[1] 2", "tru", "\"\\ud800\"", "1e", "{\"a\" 1}", "NaN"}) {
            var e = assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid JSON at character"), e.getMessage());
        }
    }

    @Test void rejectsDuplicateKeysAndDeepNesting() {
        var e = assertThrows(Json.ParseException.class, () -> Json.parse("{\"k\":1,\"k\":2}"));
        assertTrue(e.getMessage().contains("duplicate key \"k\""), e.getMessage());
        var d = assertThrows(Json.ParseException.class, () -> Json.parse("[".repeat(100_000)));
        assertTrue(d.getMessage().contains("nesting deeper"), d.getMessage());
    }

    @Test void integersThatOverflowAreRejected() {
        var e = assertThrows(Json.ParseException.class, () -> Json.parse("[9223372036854775808]"));
        assertTrue(e.getMessage().contains("does not fit in 64 bits"), e.getMessage());
        assertEquals(Long.MAX_VALUE, ((List<?>) Json.parse("[9223372036854775807]")).get(0));
    }
}
