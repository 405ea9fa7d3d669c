package org.jdiffusion.autograd;

import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;

/**
 * Each fused op (forward and backward kernel) against its composite definition written with the
 * primitive differentiable ops: same output and same gradients for the same upstream gradient.
 */
class FusedVsCompositeTest {
    private static void assertAgree(Function<Variable[], Variable> fused, Function<Variable[], Variable> composite, Tensor... inputs) {
        Variable[] a = new Variable[inputs.length], b = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) { a[i] = Variable.param(inputs[i]); b[i] = Variable.param(inputs[i]); }
        Variable ya = fused.apply(a), yb = composite.apply(b);
        TestTensors.assertClose(yb.data(), ya.data(), 1e-10, 1e-9);
        Tensor up = Rand.normal(new Generator(99), 0, 1, DType.FLOAT64, Device.CPU, ya.shape());
        ya.backward(up);
        yb.backward(up);
        for (int i = 0; i < inputs.length; i++) TestTensors.assertClose(b[i].grad(), a[i].grad(), 1e-10, 1e-9);
    }

    private static Variable normalize(Variable xr, int[] dims, double eps) {
        Variable centered = xr.sub(xr.mean(dims, true));
        return centered.mul(PointwiseFunctions.rsqrt(ReduceFunctions.var(xr, dims, 0, true).add(eps)));
    }

    @Test void groupNorm() {
        int n = 2, c = 6, g = 3;
        assertAgree(v -> NormFunctions.groupNorm(v[0], v[1], v[2], g, 1e-5),
                v -> normalize(v[0].reshape(n, g, -1), new int[]{2}, 1e-5).reshape(v[0].shape())
                        .mul(v[1].reshape(1, c, 1, 1)).add(v[2].reshape(1, c, 1, 1)),
                strided(randn(1, n, c, 3, 4)), randn(2, c), randn(3, c));
    }

    @Test void layerNorm() {
        int[] last2 = {-2, -1};
        assertAgree(v -> NormFunctions.layerNorm(v[0], v[1], v[2], 2, 1e-5),
                v -> normalize(v[0], last2, 1e-5).mul(v[1]).add(v[2]),
                randn(4, 2, 3, 4), randn(5, 3, 4), randn(6, 3, 4));
    }

    @Test void softmaxAndLogSoftmax() {
        int[] d = {1};
        assertAgree(v -> NormFunctions.softmax(v[0], 1), v -> v[0].sub(ReduceFunctions.logsumexp(v[0], d, true)).exp(), strided(randn(7, 3, 5)));
        assertAgree(v -> NormFunctions.logSoftmax(v[0], 1), v -> v[0].sub(ReduceFunctions.logsumexp(v[0], d, true)), randn(8, 3, 5));
    }

    @Test void attentionWithAMask() {
        double scale = 0.6;
        Tensor mask = randn(9, 1, 1, 3, 5);
        int[] last = {-1};
        assertAgree(v -> NormFunctions.attention(v[0], v[1], v[2], mask, scale),
                v -> {
                    Variable s = v[0].matmul(v[1].transpose(-1, -2)).mul(scale).add(Variable.constant(mask));
                    return s.sub(ReduceFunctions.logsumexp(s, last, true)).exp().matmul(v[2]);
                },
                randn(10, 2, 2, 3, 4), strided(randn(11, 2, 2, 5, 4)), randn(12, 2, 2, 5, 3));
    }
}
