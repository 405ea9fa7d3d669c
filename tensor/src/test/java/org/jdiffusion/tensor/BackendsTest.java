package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tensor module alone carries no backend: asking for one is a clear error, never a fallback. */
class BackendsTest {

    @Test
    void noProviderOnTheClassPathIsNamed() {
        var e = assertThrows(IllegalStateException.class, () -> Backends.of(Device.CPU));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("jdiffusion-kernels"), e.getMessage());
        assertFalse(Backends.isAvailable(Device.CPU));
        assertFalse(Backends.isAvailable(Device.cuda(0)));
    }

    @Test
    void creatingATensorWithoutABackendFailsClearly() {
        var e = assertThrows(IllegalStateException.class, () -> Tensor.zeros(2, 3));
        assertTrue(e.getMessage().contains("no backend for device cpu"), e.getMessage());
    }
}
