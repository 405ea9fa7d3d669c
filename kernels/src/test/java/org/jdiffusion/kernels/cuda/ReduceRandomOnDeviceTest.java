package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.cpu.CpuReferenceBackend;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;
import static org.jdiffusion.kernels.cuda.OpSuite.input;
import static org.jdiffusion.kernels.cuda.OpSuite.poisoned;
import static org.jdiffusion.kernels.cuda.OpSuite.stridedOn;

/** Reductions (every op, dim set and launch shape) and Philox random fills on each device against the CPU reference. */
class ReduceRandomOnDeviceTest {
    static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;
    static final DType[] ALL = {DType.FLOAT32, DType.FLOAT64, DType.INT64};

    static Stream<Device> devices() { return OpSuite.devices(); }

    static Stream<Arguments> reduceOps() { return devices().flatMap(d -> Stream.of(ReduceOp.values()).map(op -> Arguments.of(d, op))); }

    private static void check(Backend be, Device d, ReduceOp op, Tensor x, Tensor onDevice, int[] dims) {
        int[] kshape = x.shape();
        for (int k : dims) kshape[k] = 1;
        DType outType = op.isArg() ? DType.INT64 : x.dtype();
        Tensor expected = Tensor.zeros(outType, Device.CPU, kshape);
        CPU.reduce(op, x, dims, expected);
        Tensor out = poisoned(outType, d, kshape);
        be.reduce(op, onDevice, dims, out);
        assertClose(expected, out);
    }

    @ParameterizedTest @MethodSource("reduceOps")
    void reduceOverEveryDimSetOnDenseAndStridedInputs(Device d, ReduceOp op) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(505 + op.ordinal());
        int[][] dimSets = {{0, 1, 2}, {0}, {1}, {2}, {0, 2}, {1, 2}};
        for (DType dt : ALL) {
                Tensor x = dt.isFloating() ? input(g, dt, 5, 37, 9) : Rand.randint(g, -3, 4, Device.CPU, 5, 37, 9);  // ties for arg ops
                for (int[] dims : dimSets) {
                    if (op.isArg() && dims.length != 1) continue;
                    check(be, d, op, x, x.to(d), dims);
                    check(be, d, op, x, stridedOn(x, d), dims);
                }
            }
    }

    @ParameterizedTest @MethodSource("devices")
    void longReductionsSplitIntoChunksAndManyShortOnesUseAThreadEach(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(606);
        for (DType dt : new DType[]{DType.FLOAT32, DType.INT64}) {
            Tensor longRows = input(g, dt, 2, 300_001);
            Tensor shortRows = input(g, dt, 40_000, 5);
            for (ReduceOp op : ReduceOp.values()) {
                check(be, d, op, longRows, longRows.to(d), new int[]{1});
                check(be, d, op, shortRows, shortRows.to(d), new int[]{1});
            }
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void nanPropagatesThroughMaxAndWinsArgmax(Device d) {
        Backend be = OpSuite.backend(d);
        Tensor x = Tensor.of(new double[]{1, Double.NaN, 5, 2, 9, 9, -1, 3, Double.NaN}, 3, 3);
        for (ReduceOp op : ReduceOp.values()) check(be, d, op, x, x.to(d), new int[]{1});
    }

    @ParameterizedTest @MethodSource("devices")
    void philoxFillsMatchTheReferenceBitForBit(Device d) {
        Backend be = OpSuite.backend(d);
        long seed = 0x5DEECE66DL, offset = (1L << 32) - 7;  // counters cross the 32-bit boundary
        for (DType dt : ALL)
            for (Philox.Distribution dist : Philox.Distribution.values()) {
                if (dt == DType.INT64 && dist != Philox.Distribution.INTEGER && dist != Philox.Distribution.BERNOULLI) continue;
                double a = switch (dist) { case UNIFORM -> -2; case NORMAL -> 0.5; case INTEGER -> -1000; case BERNOULLI -> 0.3; };
                double b = switch (dist) { case UNIFORM -> 3; case NORMAL -> 2; case INTEGER -> 1_000_000_007; case BERNOULLI -> 0; };
                Tensor expected = Tensor.zeros(dt, Device.CPU, 33, 65);
                CPU.random(dist, seed, offset, a, b, expected);
                Tensor out = poisoned(dt, d, 33, 65);
                be.random(dist, seed, offset, a, b, out);
                // every distribution bit for bit, normals too (Philox.log and Philox.cos2Pi on both sides)
                double rtol = 0;
                assertClose(expected, out, 0, rtol);
                // a transposed output still takes counters in its own row-major order
                Tensor texp = Tensor.zeros(dt, Device.CPU, 65, 33).transpose(0, 1);
                CPU.random(dist, seed, offset, a, b, texp);
                Tensor tout = poisoned(dt, d, 65, 33).transpose(0, 1);
                be.random(dist, seed, offset, a, b, tout);
                assertClose(texp.contiguous(), tout, 0, rtol);
            }
    }
}
