package org.jdiffusion.dist;

import org.jdiffusion.kernels.cuda.CudaBackend;
import org.jdiffusion.kernels.cuda.CudaStorage;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NcclCommunicator's own code on CUDA tensors, without a GPU: the CUDA driver emulator gives real
 * device allocations, streams and events, the stand-in libnccl.so.2 logs what NCCL would be asked.
 * Runs in the cuda-emulator test execution (LD_LIBRARY_PATH at the emulator); skipped where no CUDA
 * driver, real or emulated, is present.
 */
class NcclOnEmulatorTest {
    @Test void collectivesReachNcclWithTheTensorsPointersAndTheirStreams() throws Exception {
        Device gpu = Device.cuda(0);
        Assumptions.assumeTrue(Backends.isAvailable(gpu), "no CUDA driver (real or the emulator of kernels/target/cuda-emu)");
        Nccl nccl = NcclStub.load(NcclStub.build());
        CudaBackend be = (CudaBackend) Backends.of(gpu);
        NcclCommunicator c = NcclCommunicator.init(nccl, new LocalCommunicator(), gpu, 30);
        Tensor big = Tensor.zeros(DType.FLOAT32, gpu, 100);
        Tensor view = big.narrow(0, 10, 50);
        long base = ((CudaStorage) big.storage()).address();
        c.allReduceSumAsync(view).await();
        c.broadcast(big, 0);
        double host = c.allReduceSum(2.5);   // host values go over the bootstrap, not NCCL
        be.synchronize();
        c.close();
        assertEquals(2.5, host);
        String log = NcclStub.log(nccl);
        String view0 = "0x" + Long.toHexString(base + 10 * 4);
        assertTrue(log.contains("initRank nranks=1 rank=0"), log);
        String ar = log.lines().filter(l -> l.startsWith("allReduce")).findFirst().orElseThrow();
        assertTrue(ar.startsWith("allReduce send=" + view0 + " recv=" + view0 + " count=50 dtype=7 op=0 comm_ok=1 stream=0x"), log);
        String bc = log.lines().filter(l -> l.startsWith("broadcast")).findFirst().orElseThrow();
        String compute = "0x" + Long.toHexString(be.currentStream().nativeHandle());
        assertEquals("broadcast send=0x" + Long.toHexString(base) + " recv=0x" + Long.toHexString(base) + " count=100 dtype=7 root=0 comm_ok=1 stream="
                + compute, bc);
        assertNotEquals(compute, ar.replaceAll(".*stream=", ""), "the all-reduce runs on a stream of its own");
        assertEquals(1, log.lines().filter(l -> l.startsWith("allReduce")).count(), "one NCCL all-reduce (the host scalar went elsewhere):\n" + log);
        assertTrue(log.contains("destroy comm_ok=1"), log);
        assertTrue(c.collectiveSeconds() >= 0);
    }
}
