package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.close;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.f64;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan32;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan64;

/** The fast batched matmul against the float64 reference: odd sizes, transposed and broadcast operands, strided outputs. */
class FastMatmulTest {

    @ParameterizedTest
    @CsvSource({
            "1,1,1,1,plain", "3,7,5,9,plain", "2,49,16,49,plain", "5,13,300,17,a-strided", "4,33,19,70,b-strided",
            "3,64,40,100,b-broadcast", "1,150,257,41,both-strided", "6,9,8,31,out-strided", "2,100,520,65,plain",
            "12,20,30,40,b-broadcast-strided"})
    void matchesReference(int nb, int m, int k, int n, String layout) {
        Generator g = new Generator(1000L * nb + 31L * m + 7L * k + n);
        Tensor a = randn(g, DType.FLOAT32, nb, m, k), b;
        if (layout.startsWith("b-broadcast")) {
            Tensor b2 = randn(g, DType.FLOAT32, k, n);
            if (layout.endsWith("strided")) b2 = strided(b2);
            b = b2.unsqueeze(0).expand(nb, k, n);
        } else {
            b = randn(g, DType.FLOAT32, nb, k, n);
        }
        if (layout.equals("a-strided") || layout.equals("both-strided")) a = strided(a);
        if (layout.equals("b-strided") || layout.equals("both-strided")) b = strided(b);
        Tensor out = layout.equals("out-strided") ? nan32(nb, n, m).transpose(1, 2) : nan32(nb, m, n);
        FAST.matmul(a, b, out);
        Tensor expected = nan64(nb, m, n);
        REF.matmul(f64(a), f64(b), expected);
        close("matmul " + layout, expected, out, 2e-5 * Math.sqrt(k), 1e-4);
    }
}
