package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the CUDA backend appears through {@link Backends}: registered everywhere, usable only with a GPU, one clear error otherwise. */
class CudaProviderTest {
    @Test void bothProvidersAreRegistered() {
        List<Device.Type> types = Backends.providers().stream().map(BackendProvider::type).toList();
        assertTrue(types.contains(Device.Type.CPU) && types.contains(Device.Type.CUDA), types.toString());
    }

    @Test void withoutAGpuCudaDevicesFailWithOneClearMessageAndTheCpuKeepsWorking() {
        Assumptions.assumeFalse(CudaCondition.available(), "cuda:0 is usable on this machine");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.of(Device.cuda(0)));
        String m = e.getMessage();
        assertTrue(m.contains("cuda:0 is not available"), m);
        boolean knownCause = m.contains("no NVIDIA driver (libcuda.so.1 not found)") || m.contains("no CUDA device")
                || m.contains("cannot load the jdiffusion CUDA kernels") || m.contains("failed to initialise");
        assertTrue(knownCause, "the message should say what is missing: " + m);
        if (m.contains("libcuda")) assertTrue(m.contains("no NVIDIA driver (libcuda.so.1 not found)"), m);
        // the failure is remembered, not retried with a different story
        IllegalStateException again = assertThrows(IllegalStateException.class, () -> Backends.of(Device.cuda(0)));
        assertEquals(m, again.getMessage());
        assertFalse(Backends.isAvailable(Device.cuda(0)));
        IllegalStateException alloc = assertThrows(IllegalStateException.class, () -> Tensor.zeros(DType.FLOAT32, Device.cuda(1), 3));
        assertTrue(alloc.getMessage().contains("cuda:1 is not available"), alloc.getMessage());
        Tensor t = Tensor.of(new float[]{1, 2, 3}, 3);
        IllegalStateException move = assertThrows(IllegalStateException.class, () -> t.to(Device.cuda(0)));
        assertTrue(move.getMessage().contains("cuda:0"), move.getMessage());
        assertArrayEquals(new float[]{2, 4, 6}, t.add(t).toFloatArray());
        assertEquals(6.0, t.sum().item());
        assertTrue(CudaProvider.devices().isEmpty() || CudaProvider.unavailableReason() == null);
    }

    @Test void deviceDiscoveryNeverThrows() {
        List<Device> devices = CudaProvider.devices();
        if (CudaProvider.unavailableReason() != null) assertTrue(devices.isEmpty(), devices.toString());
        for (int i = 0; i < devices.size(); i++) assertEquals(Device.cuda(i), devices.get(i));
    }

    @Test @RequiresCuda
    void aDeviceIndexBeyondTheMachineIsNamedWithTheDevicesThereAre() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.of(Device.cuda(99)));
        assertTrue(e.getMessage().contains("cuda:99 is not available: this machine has"), e.getMessage());
    }
}
