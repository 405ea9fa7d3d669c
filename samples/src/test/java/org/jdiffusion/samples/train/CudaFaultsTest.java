package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.kernels.cuda.CudaBackend;
import org.jdiffusion.kernels.cuda.CudaOutOfMemoryException;
import org.jdiffusion.kernels.cuda.MemoryStats;
import org.jdiffusion.kernels.cuda.RequiresCuda;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Device faults on the CUDA driver emulator started with {@code JD_EMU_MEMORY=268435456} (256 MiB)
 * and {@code JD_EMU_FAIL_LAUNCH=fill_dense_f64} (the samples module's surefire execution
 * {@code cuda-emulator-faults}): an allocation that does not fit empties the allocator's cache and
 * retries; one that cannot fit names the bytes requested, in use and cached; a failed launch names
 * the kernel and its arguments; after either, the model's last good state is saved and reads back
 * bit for bit. Skipped anywhere else.
 */
@RequiresCuda
class CudaFaultsTest {
    @TempDir Path dir;
    static final Device CUDA = Device.parse("cuda:0");
    static final long MIB = 1 << 20;

    private static Map<String, float[]> host(Map<String, Tensor> state) {
        Map<String, float[]> m = new LinkedHashMap<>();
        state.forEach((k, v) -> m.put(k, ((HostStorage.F32) v.toHost()).data().clone()));
        return m;
    }

    private static void assertSame(Map<String, float[]> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        want.forEach((k, v) -> assertArrayEquals(v, ((HostStorage.F32) got.get(k).toHost()).data(), k));
    }

    @Test void afterAnOutOfMemoryAndAFailedLaunchTheLastGoodStateIsSaved() {
        assumeTrue("fill_dense_f64".equals(System.getenv("JD_EMU_FAIL_LAUNCH")), "runs in the cuda-emulator-faults execution");
        // poison mode fills every uninitialised float64 tensor with fill_dense_f64, the launch this run makes fail
        boolean poison = MemoryScope.setPoisoning(false);
        try {
            run();
        } finally {
            MemoryScope.setPoisoning(poison);
        }
    }

    private void run() {
        CudaBackend cuda = (CudaBackend) Backends.of(CUDA);
        Generator g = new Generator(5);
        TimeMlp model = new TimeMlp(2, g);
        model.to(CUDA);
        Adam opt = Adam.adam(model.namedParameters(), 1e-2);
        Variable x = Variable.constant(Rand.normal(g, 16, 2).to(CUDA));
        Tensor t = Tensor.full(3, DType.INT64, CUDA, 16);
        for (int i = 0; i < 2; i++) {                        // two good training steps
            opt.zeroGrad();
            model.forward(x, t).square().mean().backward();
            opt.step();
        }
        Map<String, float[]> good = host(model.stateDict());

        // 150 MiB in use, then dropped: 200 MiB more do not fit until the cache is emptied
        Tensor a = Tensor.zeros(DType.FLOAT32, CUDA, (int) (150 * MIB / 4));
        a = null;
        long retries = cuda.memoryStats().oomRetries(), frees = cuda.memoryStats().driverFrees();
        Tensor c = Tensor.zeros(DType.FLOAT32, CUDA, (int) (200 * MIB / 4));
        MemoryStats s = cuda.memoryStats();
        assertTrue(s.oomRetries() > retries && s.driverFrees() > frees, "empty the cache and retry: " + s);
        assertEquals(200 * MIB / 4, c.numel());

        var oom = assertThrows(CudaOutOfMemoryException.class, () -> Tensor.zeros(DType.FLOAT32, CUDA, (int) (100 * MIB / 4)));
        String m = oom.getMessage();
        // 100 MiB round up to the allocator's 112 MiB bucket, 200 MiB to 224 MiB
        assertTrue(m.startsWith("cuda:0 out of memory: tried to allocate 112.00 MiB (104857600 bytes requested)"), m);
        assertTrue(m.contains("allocated 224.") && m.contains("(cached 0 B") && m.contains("free of 256.00 MiB"), m);
        c = null;

        Path ck = dir.resolve("after-oom.safetensors");
        TrainingCheckpoint.save(ck, model, null, opt, 2, Map.of(), "");
        assertSame(good, TrainingCheckpoint.read(ck).model());

        var launch = assertThrows(IllegalStateException.class, () -> Tensor.full(1.5, DType.FLOAT64, CUDA, 8));
        m = launch.getMessage();
        assertTrue(m.startsWith("fill on cuda:0: launching kernel fill_dense_f64 with ") && m.contains(" and arguments (8, 0x")
                && m.endsWith(", 1.5) failed: CUDA_ERROR_LAUNCH_FAILED"), m);
        ck = dir.resolve("after-launch.safetensors");
        TrainingCheckpoint.save(ck, model, null, opt, 2, Map.of(), "");
        assertSame(good, TrainingCheckpoint.read(ck).model());
    }
}
