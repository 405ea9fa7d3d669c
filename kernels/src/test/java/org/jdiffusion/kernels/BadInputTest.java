package org.jdiffusion.kernels;

import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Linalg;
import org.jdiffusion.tensor.Storage;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Each bad input raises the documented exception type with a message naming the op and what was wrong. */
class BadInputTest {
    private static final Device CPU = Device.CPU;

    /** Asserts the exception type and that its message contains every fragment. */
    private static <T extends Throwable> void fails(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        String m = e.getMessage();
        for (String f : fragments) assertTrue(m != null && m.contains(f), "message should mention '" + f + "': " + m);
    }

    /** Storage that claims to live on cuda:0; no backend ever sees it if the frontend checks first. */
    private record ElsewhereStorage(DType dtype, int length) implements Storage {
        @Override public Device device() { return Device.cuda(0); }
    }

    private static Tensor onCuda(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        int[] st = new int[shape.length];
        for (int d = shape.length - 1, s = 1; d >= 0; s *= shape[d], d--) st[d] = s;
        return new Tensor(new ElsewhereStorage(DType.FLOAT32, n), shape, st, 0);
    }

    private static Tensor f32(int... shape) { return TestTensors.randn(TestTensors.gen(shape.length * 31L + 7), DType.FLOAT32, shape); }

    @Test
    void broadcastShapeMismatchNamesBothShapes() {
        fails(IllegalArgumentException.class, () -> f32(3, 4).add(f32(2, 4)), "add", "[3, 4]", "[2, 4]", "cannot be broadcast");
        fails(IllegalArgumentException.class, () -> f32(3, 1, 5).mul(f32(4, 2)), "mul", "[3, 1, 5]", "[4, 2]");
        fails(IllegalArgumentException.class, () -> Tensor.where(f32(2, 1), f32(3), f32(4)), "where", "condition [2, 1]", "a [3]", "b [4]");
        fails(IllegalArgumentException.class, () -> f32(3).addInPlace(f32(2, 3)), "addInPlace", "[2, 3]", "[3]", "target");
        fails(IllegalArgumentException.class, () -> f32(2, 3).copyFrom(f32(3, 3)), "copyFrom", "[3, 3]", "[2, 3]");
    }

    @Test
    void dtypeMismatchNamesBothDtypes() {
        Tensor a = f32(2, 3), b = f32(2, 3).to(DType.FLOAT64);
        fails(IllegalArgumentException.class, () -> a.add(b), "add", "dtype mismatch", "float32", "float64");
        fails(IllegalArgumentException.class, () -> a.subInPlace(b), "subInPlace", "float32", "float64");
        fails(IllegalArgumentException.class, () -> Tensor.where(a, a, b), "where", "float32", "float64");
        fails(IllegalArgumentException.class, () -> Linalg.matmul(a, b.transpose(0, 1)), "matmul", "float32", "float64");
    }

    @Test
    void deviceMismatchIsRejectedBeforeDispatch() {
        Tensor cpu = f32(2, 3), cuda = onCuda(2, 3);
        // IllegalArgumentException from the frontend's check, not IllegalStateException from a missing backend
        fails(IllegalArgumentException.class, () -> cpu.add(cuda), "add", "different devices", "cpu", "cuda:0");
        fails(IllegalArgumentException.class, () -> cuda.mul(cpu), "mul", "different devices", "cuda:0", "cpu");
        fails(IllegalArgumentException.class, () -> cpu.addInPlace(cuda), "addInPlace", "cuda:0");
        fails(IllegalArgumentException.class, () -> Tensor.where(cpu, cuda, cuda), "where", "cuda:0");
        fails(IllegalArgumentException.class, () -> cpu.copyFrom(cuda), "copyFrom", "cuda:0");
        fails(IllegalArgumentException.class, () -> Linalg.matmul(cpu, onCuda(3, 2)), "matmul", "cuda:0");
    }

    @Test
    void anOpOnADeviceWithoutABackendFailsNamingTheDevice() {
        assumeFalse(Backends.isAvailable(Device.cuda(0)), "this machine has a CUDA backend");
        fails(IllegalStateException.class, () -> onCuda(2).exp(), "cuda:0");
        fails(IllegalStateException.class, () -> Backends.of(Device.cuda(0)), "cuda:0");
        fails(IllegalStateException.class, () -> Tensor.zeros(DType.FLOAT32, Device.cuda(0), 3), "cuda:0");
    }

    @Test
    void outOfRangeDimsAndIndices() {
        Tensor t = f32(2, 3, 4);
        fails(IllegalArgumentException.class, () -> t.sum(new int[]{5}, false), "sum", "dim 5", "[2, 3, 4]", "-3..2");
        fails(IllegalArgumentException.class, () -> t.argmax(-4, false), "argmax", "dim -4", "[2, 3, 4]");
        fails(IllegalArgumentException.class, () -> t.mean(new int[]{1, 1}, false), "given twice");
        fails(IllegalArgumentException.class, () -> t.select(3, 0), "select", "dim 3", "[2, 3, 4]");
        fails(IllegalArgumentException.class, () -> t.select(1, 3), "select", "index 3", "size 3", "[2, 3, 4]");
        fails(IllegalArgumentException.class, () -> t.select(1, -4), "select", "index -4", "size 3");
        fails(IllegalArgumentException.class, () -> t.narrow(2, 2, 3), "narrow", "[2, 5)", "size 4", "[2, 3, 4]");
        fails(IllegalArgumentException.class, () -> t.narrow(-5, 0, 1), "narrow", "dim -5");
        fails(IllegalArgumentException.class, () -> t.slice(0, 0, 2, 0), "slice", "step", "0");
        fails(IllegalArgumentException.class, () -> t.transpose(0, 3), "transpose", "dim 3");
        fails(IllegalArgumentException.class, () -> t.permute(0, 1), "permute", "[0, 1]", "[2, 3, 4]");
        fails(IllegalArgumentException.class, () -> t.permute(0, 1, 1), "permute", "repeated");
        fails(IllegalArgumentException.class, () -> t.squeeze(1), "squeeze", "size 3", "expected 1");
        fails(IllegalArgumentException.class, () -> t.unsqueeze(4), "unsqueeze", "dim 4");
        fails(IllegalArgumentException.class, () -> t.size(3), "size", "dim 3");
        fails(IllegalArgumentException.class, () -> t.flatten(2, 1), "flatten", "after");
    }

    @Test
    void floatingOnlyOpsRejectInt64() {
        Tensor l = Tensor.ofLongs(new long[]{1, 2, 3}, 3);
        fails(IllegalArgumentException.class, l::exp, "exp", "floating", "int64");
        fails(IllegalArgumentException.class, l::sigmoid, "sigmoid", "int64");
        fails(IllegalArgumentException.class, () -> l.pow(l), "pow", "int64");
        fails(IllegalArgumentException.class, () -> l.unaryInPlace(UnaryOp.LOG), "log", "int64");
        fails(IllegalArgumentException.class, () -> l.mean(new int[]{}, false), "mean", "int64");
        fails(IllegalArgumentException.class, () -> l.logsumexp(new int[]{0}, false), "logsumexp", "int64");
        fails(ArithmeticException.class, () -> l.div(Tensor.ofLongs(new long[]{1, 0, 1}, 3)), "div", "division by zero");
    }

    @Test
    void writingIntoAnExpandedViewIsRefused() {
        Tensor e = f32(3, 1).expand(3, 4);
        fails(IllegalArgumentException.class, () -> e.addInPlace(f32(3, 4)), "addInPlace", "broadcast (expanded) view", "[3, 4]");
        fails(IllegalArgumentException.class, () -> e.copyFrom(f32(3, 4)), "copyFrom", "expanded");
        fails(IllegalArgumentException.class, () -> e.fillInPlace(1), "fill", "expanded");
        fails(IllegalArgumentException.class, () -> e.unaryInPlace(UnaryOp.EXP), "exp", "expanded");
        fails(IllegalArgumentException.class, () -> f32(3).expand(4), "expand", "[3]", "[4]");
        fails(IllegalArgumentException.class, () -> f32(2, 3).expand(3), "expand", "fewer dims");
    }

    @Test
    void impossibleViewsAndCountMismatches() {
        Tensor tr = f32(3, 4).transpose(0, 1);
        fails(IllegalArgumentException.class, () -> tr.view(12), "view", "[4, 3]", "strides [1, 4]", "[12]", "reshape()");
        fails(IllegalArgumentException.class, () -> f32(2, 3).reshape(4), "reshape", "[2, 3]", "6 elements", "[4]");
        fails(IllegalArgumentException.class, () -> f32(2, 3).view(4, -1), "view", "[2, 3]", "[4, -1]");
        fails(IllegalArgumentException.class, () -> f32(2, 3).view(-1, -1), "view", "only one -1");
        fails(IllegalArgumentException.class, () -> f32(2, 3).reshape(-2, 3), "reshape", "invalid size -2");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT32, CPU, 0, 3).view(-1, 0), "view", "[-1, 0]");
        fails(IllegalArgumentException.class, () -> new Tensor(tr.storage(), new int[]{2, 2}, new int[]{1}, 0), "[2, 2]", "[1]", "rank");
    }

    @Test
    void reductionsWithNothingToReduce() {
        fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT32, CPU, 2, 0).max(new int[]{1}, false), "max", "size 0", "[2, 0]");
        fails(IllegalArgumentException.class, () -> f32(1, 4).var(new int[]{0}, 1, false), "var", "1 elements", "correction 1");
    }

    @Test
    void badFactoriesAndDevices() {
        fails(IllegalArgumentException.class, () -> Device.parse("gpu"), "'gpu'", "cpu, cuda or cuda:N");
        fails(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT32, CPU, 2, -3), "zeros", "negative", "[2, -3]");
        fails(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0, DType.FLOAT32, CPU), "arange", "step");
        fails(IllegalArgumentException.class, () -> Tensor.ofLongs(new long[]{1, 2}, 3), "fromHost", "2 values", "[3]");
        fails(IllegalArgumentException.class, () -> f32(2).item(), "item", "[2]");
    }
}
