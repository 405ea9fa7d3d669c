package org.jdiffusion.kernels;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Optim;
import org.jdiffusion.tensor.Storage;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every input the fused optimizer frontends reject, each with a message naming what was wrong; nothing is written first. */
class OptimBadInputTest {
    private static final AdamHyper H = new AdamHyper(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 1);

    private static void fails(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message should mention '" + f + "': " + e.getMessage());
    }

    private static Tensor r(int... shape) { return TestTensors.randn(TestTensors.gen(Arrays.hashCode(shape)), DType.FLOAT32, shape); }

    private static Tensor r64(int... shape) { return r(shape).to(DType.FLOAT64); }

    private static List<Tensor> l(Tensor... ts) { return new ArrayList<>(Arrays.asList(ts)); }

    /** Storage that claims to live on cuda:0; no backend ever sees it if the frontend checks first. */
    private record ElsewhereStorage(DType dtype, int length) implements Storage {
        @Override public Device device() { return Device.cuda(0); }
    }

    private static void adam(List<Tensor> p, List<Tensor> g, List<Tensor> m, List<Tensor> v) { Optim.adamStep(p, g, m, v, H); }

    @Test void listsOfDifferentLengths() {
        fails(() -> adam(l(r(3), r(4)), l(r(3), r(4)), l(r(3)), l(r(3), r(4))), "adamStep", "2 params, 2 grads, 1 m, 2 v", "one entry per parameter");
        fails(() -> Optim.emaUpdate(l(r(3)), l(), 0.9), "emaUpdate", "1 shadow, 0 params");
    }

    @Test void nullListsElementsAndHyperParameters() {
        fails(() -> adam(l(r(3)), null, l(r(3)), l(r(3))), "adamStep", "the list grads is null");
        fails(() -> adam(l(r(3)), l(r(3)), l(r(3)), l((Tensor) null)), "adamStep", "v[0] is null");
        fails(() -> Optim.adamStep(l(r(3)), l(r(3)), l(r(3)), l(r(3)), null), "adamStep", "hyper-parameters are null");
    }

    @Test void shapesAndDtypesDifferWithinAPosition() {
        fails(() -> adam(l(r(3), r(2, 5)), l(r(3), r(5, 2)), l(r(3), r(2, 5)), l(r(3), r(2, 5))),
                "adamStep", "grads[1] Tensor[5, 2]", "params[1] Tensor[2, 5]", "one shape and dtype at each position");
        fails(() -> adam(l(r(4)), l(r(4)), l(r64(4)), l(r(4))), "m[0] Tensor[4] float64", "params[0] Tensor[4] float32");
        fails(() -> Optim.emaUpdate(l(r(2, 2)), l(r(4)), 0.9), "emaUpdate", "params[0] Tensor[4]", "shadow[0] Tensor[2, 2]");
    }

    @Test void positionsMayDifferInShapeAndDtype() {
        assertDoesNotThrow(() -> adam(l(r(3), r64(2, 2)), l(r(3), r64(2, 2)), l(r(3), r64(2, 2)), l(r(3).abs(), r64(2, 2).abs())));
        assertDoesNotThrow(() -> adam(l(), l(), l(), l()));
    }

    @Test void integerTensorsAreRejected() {
        Tensor i = Tensor.ofLongs(new long[]{1, 2}, 2);
        fails(() -> adam(l(i), l(i.copy()), l(i.copy()), l(i.copy())), "adamStep", "floating dtypes", "params[0] Tensor[2] int64");
        fails(() -> Optim.emaUpdate(l(i), l(i.copy()), 0.5), "emaUpdate", "floating dtypes");
    }

    @Test void tensorsOnAnotherDevice() {
        Tensor elsewhere = new Tensor(new ElsewhereStorage(DType.FLOAT32, 3), new int[]{3}, new int[]{1}, 0);
        fails(() -> adam(l(r(3)), l(elsewhere), l(r(3)), l(r(3))), "adamStep", "grads[0] Tensor[3] float32 cuda:0", "is not on cpu",
                "one device");
        fails(() -> adam(l(r(3), elsewhere), l(r(3), elsewhere), l(r(3), elsewhere), l(r(3), elsewhere)), "params[1]", "not on cpu");
    }

    @Test void nonContiguousTensors() {
        Tensor t = r(4, 3).transpose(0, 1);
        fails(() -> adam(l(r(3, 4)), l(t), l(r(3, 4)), l(r(3, 4))), "adamStep", "grads[0] Tensor[3, 4]", "strides [1, 3]", "not contiguous");
        Tensor every2 = r(8).slice(0, 0, 8, 2);
        fails(() -> Optim.emaUpdate(l(every2), l(r(4)), 0.9), "emaUpdate", "shadow[0]", "not contiguous");
    }

    @Test void writtenTensorsMustNotShareMemory() {
        Tensor p = r(6), g = r(6), v = r(6).abs();
        fails(() -> adam(l(p), l(g), l(p), l(v)), "adamStep", "params[0]", "m[0]", "share memory", "elements [0, 6)");
        fails(() -> adam(l(p), l(p), l(r(6)), l(v)), "params[0]", "grads[0]", "share memory");
        Tensor buf = r(10);
        fails(() -> adam(l(buf.narrow(0, 0, 6), buf.narrow(0, 4, 6)), l(r(6), r(6)), l(r(6), r(6)), l(v, r(6).abs())),
                "params[0]", "params[1]", "elements [4, 6)");
        // read-only operands may share memory; disjoint views of one storage are fine
        Tensor g2 = r(6);
        assertDoesNotThrow(() -> adam(l(buf.narrow(0, 0, 5), buf.narrow(0, 5, 5)), l(g2.narrow(0, 0, 5), g2.narrow(0, 1, 5)),
                l(r(5), r(5)), l(r(5).abs(), r(5).abs())));
        Tensor w = r(4);
        fails(() -> Optim.emaUpdate(l(w), l(w), 0.9), "emaUpdate", "shadow[0]", "params[0]", "share memory");
        assertDoesNotThrow(() -> Optim.emaUpdate(l(r(4), r(4)), l(w, w), 0.9));
    }

    @Test void nothingIsWrittenWhenAPositionIsBad() {
        Tensor p = r(5);
        float[] before = p.toFloatArray();
        fails(() -> adam(l(p, r(3)), l(r(5), r(3)), l(r(5), r(3)), l(r(5).abs(), r(2))), "v[1]");
        assertArrayEquals(before, p.toFloatArray());
    }

    @Test void hyperParametersOutOfRange() {
        fails(() -> new AdamHyper(-1e-3, 0.9, 0.999, 1e-8, 0, true, 1), "adamStep", "learning rate", "-0.001");
        fails(() -> new AdamHyper(Double.POSITIVE_INFINITY, 0.9, 0.999, 1e-8, 0, true, 1), "learning rate must be finite");
        fails(() -> new AdamHyper(1e-3, 1.0, 0.999, 1e-8, 0, true, 1), "beta1 must be in [0, 1), got 1.0");
        fails(() -> new AdamHyper(1e-3, 0.9, -0.1, 1e-8, 0, true, 1), "beta2 must be in [0, 1), got -0.1");
        fails(() -> new AdamHyper(1e-3, 0.9, Double.NaN, 1e-8, 0, true, 1), "beta2", "NaN");
        fails(() -> new AdamHyper(1e-3, 0.9, 0.999, -1e-8, 0, true, 1), "eps must be finite and >= 0");
        fails(() -> new AdamHyper(1e-3, 0.9, 0.999, 1e-8, -0.5, false, 1), "weight decay must be finite and >= 0, got -0.5");
        fails(() -> new AdamHyper(1e-3, 0.9, 0.999, 1e-8, 0, true, 0), "step t counts from 1, got 0");
        fails(() -> Optim.emaUpdate(l(r(3)), l(r(3)), 1.5), "emaUpdate", "decay must be in [0, 1], got 1.5");
        fails(() -> Optim.emaUpdate(l(r(3)), l(r(3)), Double.NaN), "emaUpdate", "decay", "NaN");
    }
}
