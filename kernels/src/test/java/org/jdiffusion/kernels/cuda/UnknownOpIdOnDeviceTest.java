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
 * A unary or binary kernel launched with an op id it has no case for must fail loudly: the device
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
}
