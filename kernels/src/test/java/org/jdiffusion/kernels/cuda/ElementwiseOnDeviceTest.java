package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.cpu.CpuReferenceBackend;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;
import static org.jdiffusion.kernels.cuda.OpSuite.input;
import static org.jdiffusion.kernels.cuda.OpSuite.poisoned;
import static org.jdiffusion.kernels.cuda.OpSuite.stridedOn;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fill, copy/cast, unary, binary, where on each device against the CPU reference. */
class ElementwiseOnDeviceTest {
    static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;
    static final DType[] ALL = {DType.FLOAT32, DType.FLOAT64, DType.INT64};
    /** fill and copy/cast also move the 16-bit storage dtypes. */
    static final DType[] STORAGE = DType.values();

    static Stream<Device> devices() { return OpSuite.devices(); }

    static Stream<Arguments> unaryOps() { return devices().flatMap(d -> Stream.of(UnaryOp.values()).map(op -> Arguments.of(d, op))); }

    static Stream<Arguments> binaryOps() { return devices().flatMap(d -> Stream.of(BinaryOp.values()).map(op -> Arguments.of(d, op))); }

    @ParameterizedTest @MethodSource("devices")
    void fillDenseAndStrided(Device d) {
        Backend be = OpSuite.backend(d);
        for (DType dt : STORAGE) {
            Tensor out = poisoned(dt, d, 5, 203);
            be.fill(out, 2.75);
            assertClose(Tensor.full(2.75, dt, Device.CPU, 5, 203), out);
            Tensor view = poisoned(dt, d, 6, 7).transpose(0, 1).slice(0, 1, 7, 2);
            be.fill(view, -3.5);
            assertClose(Tensor.full(-3.5, dt, Device.CPU, 3, 6), view);
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void copyCastsBetweenEveryDtypePairFromStridedAndBroadcastSources(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(101);
        for (DType from : STORAGE) {
            Tensor src = input(g, from, 9, 131).mul(from.isFloating() ? 40 : 1);
            for (DType to : STORAGE) {
                Tensor expected = Tensor.zeros(to, Device.CPU, 9, 131);
                CPU.copy(src, expected);
                for (Tensor s : new Tensor[]{src.to(d), stridedOn(src, d)}) {
                    Tensor out = poisoned(to, d, 9, 131);
                    be.copy(s, out);
                    assertClose(expected, out);
                }
                Tensor row = src.narrow(0, 0, 1);
                Tensor bexp = Tensor.zeros(to, Device.CPU, 9, 131);
                CPU.copy(row.expand(9, 131), bexp);
                Tensor bout = poisoned(to, d, 9, 131);
                be.copy(row.to(d).expand(9, 131), bout);
                assertClose(bexp, bout);
            }
        }
    }

    static boolean positiveDomain(UnaryOp op) { return op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT; }

    @ParameterizedTest @MethodSource("unaryOps")
    void unaryOnDenseOddAndStridedInputs(Device d, UnaryOp op) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(202 + op.ordinal());
        for (DType dt : ALL) {
            {
                if (!dt.isFloating() && op.needsFloating()) continue;
                Tensor x = positiveDomain(op) ? Rand.uniform(g, 0.05, 4, dt, Device.CPU, 7, 151) : input(g, dt, 7, 151).mul(dt.isFloating() ? 2 : 1);
                Tensor expected = Tensor.zeros(dt, Device.CPU, 7, 151);
                CPU.unary(op, x, expected);
                for (Tensor xs : new Tensor[]{x.to(d), stridedOn(x, d), x.to(d).narrow(1, 1, 150)}) {
                    int[] shape = xs.shape();
                    Tensor out = poisoned(dt, d, shape);
                    be.unary(op, xs, out);
                    Tensor exp = shape[1] == 151 ? expected : expected.narrow(1, 1, 150);
                    assertClose(exp, out);
                }
                Tensor inPlace = x.to(d).copy();
                be.unary(op, inPlace, inPlace);
                assertClose(expected, inPlace);
            }
        }
    }

    @ParameterizedTest @MethodSource("binaryOps")
    void binaryWithBroadcastingStridesAndInPlace(Device d, BinaryOp op) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(303 + op.ordinal());
        for (DType dt : ALL) {
            {
                if (!dt.isFloating() && op.needsFloating()) continue;
                Tensor a = operand(g, op, dt, true, 3, 1, 5), b = operand(g, op, dt, false, 4, 1);
                Tensor expected = a.sub(a).add(a).expand(3, 4, 5).copy();  // a broadcast, same dtype
                CPU.binary(op, a.expand(3, 4, 5), b.expand(3, 4, 5), expected);
                Tensor out = poisoned(dt, d, 3, 4, 5);
                be.binary(op, a.to(d).expand(3, 4, 5), b.to(d).expand(3, 4, 5), out);
                assertClose(expected, out);

                Tensor x = operand(g, op, dt, true, 1001), y = operand(g, op, dt, false, 1001);
                Tensor dense = Tensor.zeros(dt, Device.CPU, 1001);
                CPU.binary(op, x, y, dense);
                Tensor dout = poisoned(dt, d, 1001);
                be.binary(op, x.to(d), y.to(d), dout);
                assertClose(dense, dout);
                Tensor sx = stridedOn(x, d), sy = stridedOn(y, d);
                Tensor sout = poisoned(dt, d, 1001);
                be.binary(op, sx, sy, sout);
                assertClose(dense, sout);
                Tensor acc = x.to(d).copy();
                be.binary(op, acc, y.to(d), acc);
                assertClose(dense, acc);
            }
        }
    }

    /** Inputs inside each op's domain: positive bases for pow, non-zero int64 divisors, ties for comparisons. */
    private static Tensor operand(Generator g, BinaryOp op, DType dt, boolean first, int... shape) {
        if (op == BinaryOp.POW) return first ? Rand.uniform(g, 0.1, 3, dt, Device.CPU, shape) : Rand.uniform(g, -2, 2, dt, Device.CPU, shape);
        if (!dt.isFloating()) {
            Tensor t = Rand.randint(g, -20, 20, Device.CPU, shape);
            return op == BinaryOp.DIV && !first ? Tensor.where(t.eq(0), Tensor.scalar(7, dt, Device.CPU), t) : t;
        }
        if (op.isComparison()) return Rand.randint(g, -2, 3, Device.CPU, shape).to(dt);  // equal values occur
        return input(g, dt, shape);
    }

    @ParameterizedTest @MethodSource("devices")
    void integerDivisionByZeroIsReportedByTheOp(Device d) {
        OpSuite.backend(d);
        Tensor a = Tensor.ofLongs(new long[]{7, 8, 9}, 3).to(d), b = Tensor.ofLongs(new long[]{1, 0, 3}, 3).to(d);
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> a.div(b).toHost());
        assertTrue(e.getMessage().contains("div") && e.getMessage().contains("division by zero"), e.getMessage());
        assertClose(Tensor.ofLongs(new long[]{7, 4, 3}, 3), a.div(Tensor.ofLongs(new long[]{1, 2, 3}, 3).to(d)));
    }

    @ParameterizedTest @MethodSource("devices")
    void whereForEveryConditionAndValueDtype(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(404);
        for (DType cd : ALL) {
            Tensor cond = Rand.bernoulli(g, 0.5, cd, Device.CPU, 6, 1);
            for (DType dt : ALL) {
                Tensor a = input(g, dt, 6, 33), b = input(g, dt, 1, 33);
                Tensor expected = Tensor.zeros(dt, Device.CPU, 6, 33);
                CPU.where(cond.expand(6, 33), a, b.expand(6, 33), expected);
                Tensor out = poisoned(dt, d, 6, 33);
                be.where(cond.to(d).expand(6, 33), stridedOn(a, d), b.to(d).expand(6, 33), out);
                assertClose(expected, out);
            }
        }
    }
}
