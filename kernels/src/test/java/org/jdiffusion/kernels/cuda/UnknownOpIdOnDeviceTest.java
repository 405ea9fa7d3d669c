package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A unary, binary, reduction or random kernel launched with an op or distribution id it has no case for must fail loudly: the device
 * error flag is set and the next synchronisation throws naming the id, where the kernels once
 * returned their input unchanged. The backend never makes such a launch (its ids come from the
 * generated op_ids.cuh), so the test launches one on purpose; it runs on a GPU and on the driver emulator.
 */
@RequiresCuda
class UnknownOpIdOnDeviceTest {
    static final Device GPU = Device.cuda(0);

    static CudaBackend backend() { return (CudaBackend) Backends.of(GPU); }

    private static void expectUnknown(int id, DType dt, boolean dense) {
        CudaBackend be = backend();
        Tensor x = OpSuite.input(new Generator(id), dt, 8, 6).to(GPU);
        Tensor in = dense ? x : x.transpose(0, 1);
        Tensor out = OpSuite.poisoned(dt, GPU, in.shape());
        CudaElementwise.launchUnary(be.context(), "test", id, in, out);
        IllegalStateException e = assertThrows(IllegalStateException.class, be::synchronize);
        assertTrue(e.getMessage().contains("op id " + id) && e.getMessage().contains("no case"), e.getMessage());
        be.synchronize();  // the flag was cleared with the report: the device works on
    }

    @Test void anIdPastTheLastUnaryOpFailsAtTheNextSynchronisation() {
        int id = UnaryOp.values().length;
        expectUnknown(id, DType.FLOAT32, true);
        expectUnknown(id, DType.FLOAT32, false);
        expectUnknown(id + 100, DType.FLOAT64, true);
        expectUnknown(-1, DType.INT64, true);
    }

    @Test void aFloatingOnlyIdOnInt64FailsAsWell() {
        expectUnknown(CudaOpIds.id(UnaryOp.EXP), DType.INT64, false);
    }

    /** The reduction kernels (one block per output, per chunk, the finishing pass, one thread per output) and the random fill. */
    @Test void reductionsAndRandomDrawsFailOnAnUnknownIdToo() {
        CudaBackend be = backend();
        CudaContext c = be.context();
        Tensor x = OpSuite.input(new Generator(3), DType.FLOAT32, 4, 6).to(GPU), out = OpSuite.poisoned(DType.FLOAT32, GPU, 4);
        int[] outer = CudaGeometry.of(new int[]{4}, new int[]{6}, new int[]{1}).pack("test"), inner = CudaGeometry.of(new int[]{6}, new int[]{1}).pack("test");
        long flag = c.errorFlag().address(), px = ((CudaStorage) x.storage()).address(), po = ((CudaStorage) out.storage()).address();
        int bad = org.jdiffusion.tensor.ReduceOp.values().length;
        c.launch("test", KernelFamily.REDUCE.of(DType.FLOAT32), new LaunchConfig(4, 1, 32), bad, outer, inner, 6, 6, px, po, 0L, 0L, 0L, flag);
        expectFailure(be, bad);
        c.launch("test", KernelFamily.REDUCE_THREAD.of(DType.FLOAT32), new LaunchConfig(1, 1, 32), bad, outer, 4, inner, 6, px, po, 0L, flag);
        expectFailure(be, bad);
        c.launch("test", KernelFamily.REDUCE_FINISH.of(DType.FLOAT32), new LaunchConfig(4, 1, 32), -3, outer, 1, px, px, po, 0L, flag);
        expectFailure(be, -3);
        int[] g = CudaGeometry.of(new int[]{4}, new int[]{1}).pack("test");
        c.launch("test", KernelFamily.RANDOM.of(DType.FLOAT32), LaunchConfig.elementwise(4, c.multiprocessors()), 9, g, 4, 1L, 0L, 0.0, 1.0,
                0L, 1L, po, flag);
        expectFailure(be, 9);
    }

    private static void expectFailure(CudaBackend be, int id) {
        IllegalStateException e = assertThrows(IllegalStateException.class, be::synchronize);
        assertTrue(e.getMessage().contains("op id " + id) && e.getMessage().contains("no case"), e.getMessage());
        be.synchronize();
    }
}
