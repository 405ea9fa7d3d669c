package org.jdiffusion.samples.train;

import org.jdiffusion.dist.Communicator;
import org.jdiffusion.dist.Communicators;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The training loop through the NCCL communicator on cuda:0 without a GPU: the CUDA driver emulator
 * and the stand-in libnccl.so.2 the dist module's tests build (whose one-rank all-reduce leaves the
 * buffer as it is, which is the sum over one rank). Buckets on device memory, the loss over the
 * bootstrap, the weight check: the same losses and checkpoint as the plain one-process run on the
 * same device. Runs in the cuda-emulator test execution (samples/pom.xml).
 */
class DataParallelOnEmulatorTest {
    @TempDir Path dir;

    @Test void ncclOnOneEmulatedGpuTrainsExactlyAsOneProcess() throws Exception {
        Device gpu = Device.cuda(0);
        Assumptions.assumeTrue(Backends.isAvailable(gpu), "no CUDA driver (real or the emulator of kernels/target/cuda-emu)");
        String stub = System.getenv("JDIFFUSION_NCCL");
        Assumptions.assumeTrue(stub != null && Files.isRegularFile(Path.of(stub)),
                "no stand-in NCCL at JDIFFUSION_NCCL=" + stub + " (the dist module's tests build it)");
        List<Double> plain = run(gpu, null, dir.resolve("plain")), nccl;
        try (Communicator c = Communicators.open(Communicators.Kind.NCCL, gpu, Map.of(), 60)) {
            assertEquals("nccl", c.name());
            nccl = run(gpu, c, dir.resolve("nccl"));
        }
        assertEquals(plain, nccl);
        assertArrayEquals(Files.readAllBytes(dir.resolve("plain").resolve(Trainer.CHECKPOINT)),
                Files.readAllBytes(dir.resolve("nccl").resolve(Trainer.CHECKPOINT)));
    }

    private static List<Double> run(Device device, Communicator c, Path out) {
        RunOutputs.ensureDir(out);
        TrainSettings s = DataParallelProbe.settings(4, 8);
        Trainer t = c == null ? new Trainer(s, DataParallelProbe.data(), out, device) : new Trainer(s, DataParallelProbe.data(), out, device, c, 512);
        List<Double> losses = new ArrayList<>();
        t.run(null, (tr, step, l) -> losses.add(l));
        return losses;
    }
}
