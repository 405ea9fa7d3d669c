package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceTest {

    @Test
    void parsesTheUsualNames() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.CPU, Device.parse(" CPU "));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(0), Device.parse("cuda:0"));
        assertEquals(Device.cuda(3), Device.parse("CUDA:3"));
        assertTrue(Device.CPU.isCpu());
        assertFalse(Device.cuda(1).isCpu());
    }

    @Test
    void printsWhatItParses() {
        for (String s : new String[]{"cpu", "cuda:0", "cuda:7"}) assertEquals(s, Device.parse(s).toString());
    }

    @Test
    void rejectsUnknownNamesNamingTheInputAndTheChoices() {
        for (String s : new String[]{"gpu", "cuda:x", "cuda:", "cpu:0", ""}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Device.parse(s));
            assertTrue(e.getMessage().contains("'" + s + "'") && e.getMessage().contains("cpu, cuda or cuda:N"), e.getMessage());
        }
    }

    @Test
    void rejectsBadIndices() {
        var e = assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:-1"));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> new Device(Device.Type.CPU, 1));
        assertTrue(f.getMessage().contains("cpu has only index 0"), f.getMessage());
    }
}
