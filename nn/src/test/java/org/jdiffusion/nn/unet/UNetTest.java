package org.jdiffusion.nn.unet;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.Gradcheck;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.ModuleGradcheck;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference U-Net's exact structure, and the behaviour of small ones. */
class UNetTest {
    /** A small conditional U-Net with attention at its lowest resolution. */
    static UNetConfig tiny(double dropout) {
        return new UNetConfig(1, 8, 8, List.of(1, 2), 1, List.of(4), 2, dropout, 3, 16, 4, false);
    }

    private static List<String[]> specParameters() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (var in = UNetTest.class.getResourceAsStream("/unet-mnist-params.txt")) {
            assertNotNull(in, "test resource unet-mnist-params.txt");
            var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) if (!line.isBlank() && !line.startsWith("#")) rows.add(line.split(" "));
        }
        return rows;
    }

    @Test void defaultNetworkHasTheSpecsNamesShapesAndCount() throws IOException {
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(0));
        assertEquals(1_624_577L, net.parameterCount());
        List<String[]> spec = specParameters();
        assertEquals(245, spec.size());
        Map<String, Variable> ps = net.namedParameters();
        List<String> names = new ArrayList<>(ps.keySet());
        for (int i = 0; i < spec.size(); i++) {
            assertEquals(spec.get(i)[0], names.get(i), "parameter " + i);
            int[] shape = java.util.Arrays.stream(spec.get(i)[1].split(",")).mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(shape, ps.get(spec.get(i)[0]).shape(), spec.get(i)[0] + " shape " + Shapes.str(shape));
        }
        assertEquals(spec.size(), names.size());
        assertTrue(net.namedBuffers().isEmpty());
    }

    @Test void theConfigCountsItsParametersAsTheBuiltNetworkHasThem() {
        for (UNetConfig c : List.of(UNetConfig.mnistSmall(), UNetConfig.mnistSmall().withNumClasses(0).withLearnedVariance(true),
                new UNetConfig(3, 16, 8, List.of(1, 3, 2), 2, List.of(16, 4), 2, 0.0, 5, 12, 4, false)))
            assertEquals(new UNet(c, new Generator(0)).parameterCount(), c.parameterCount(), c.toString());
        assertThrows(IllegalArgumentException.class, () -> new UNetConfig(1, 28, 1 << 20, List.of(4), 1, List.of(), 4, 0, 0, 4, 8, false));
    }

    @Test void learnedVarianceDoublesTheOutputAndUnconditionalDropsTheClassTable() {
        UNet lv = new UNet(UNetConfig.mnistSmall().withLearnedVariance(true), new Generator(0));
        assertArrayEquals(new int[]{2, 32, 3, 3}, lv.namedParameters().get("out.2.weight").shape());
        UNet unc = new UNet(UNetConfig.mnistSmall().withNumClasses(0), new Generator(0));
        assertFalse(unc.namedParameters().containsKey("cemb.weight"));
        assertEquals(1_624_577L - 11 * 128, unc.parameterCount());
    }

    @Test void defaultForwardShape() {
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(1));
        net.eval();
        Tensor x = Rand.normal(new Generator(2), 2, 1, 28, 28);
        try (var ng = Grad.noGrad()) {
            Variable out = net.forward(Variable.constant(x), Tensor.ofLongs(new long[]{0, 999}, 2), Tensor.ofLongs(new long[]{3, 10}, 2));
            assertArrayEquals(new int[]{2, 1, 28, 28}, out.shape());
            for (float v : out.data().toFloatArray()) assertTrue(Float.isFinite(v));
        }
    }

    @Test void timeFeaturesFollowTheSpec() {
        Tensor f = UNet.timeFeatures(Tensor.ofLongs(new long[]{0, 7, 500}, 3), 32, DType.FLOAT64);
        assertArrayEquals(new int[]{3, 32}, f.shape());
        double[] v = f.toDoubleArray();
        for (int b = 0; b < 3; b++) {
            double t = new double[]{0, 7, 500}[b];
            for (int i = 0; i < 16; i++) {
                double fi = Math.exp(-Math.log(10000) * i / 16);
                assertEquals(Math.sin(t * fi), v[b * 32 + i], 1e-12, "sin " + i);
                assertEquals(Math.cos(t * fi), v[b * 32 + 16 + i], 1e-12, "cos " + i);
            }
        }
    }

    @Test void missingClassMeansTheNullClass() {
        UNet net = new UNet(tiny(0), new Generator(3));
        net.eval();
        Tensor x = Rand.normal(new Generator(4), 2, 1, 8, 8), t = Tensor.ofLongs(new long[]{5, 50}, 2);
        try (var ng = Grad.noGrad()) {
            float[] none = net.forward(Variable.constant(x), t, null).data().toFloatArray();
            float[] nullId = net.forward(Variable.constant(x), t, Tensor.ofLongs(new long[]{3, 3}, 2)).data().toFloatArray();
            float[] cls = net.forward(Variable.constant(x), t, Tensor.ofLongs(new long[]{0, 1}, 2)).data().toFloatArray();
            assertArrayEquals(nullId, none);
            assertFalse(java.util.Arrays.equals(none, cls));
        }
    }

    @Test void resBlockGradients() {
        ResBlock r = new ResBlock(4, 6, 3, 2, 0.0, new Generator(5));
        Generator g = new Generator(6);
        r.namedParameters().forEach((k, v) -> v.data().addInPlace(Rand.uniform(g, -0.2, 0.2, v.dtype(), Device.CPU, v.shape())));
        ModuleGradcheck.check("ResBlock", r, (m, vs) -> ((ResBlock) m).forward(vs[0], vs[1]),
                Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 2, 4, 3, 3), Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 2, 3));
        ResBlock same = new ResBlock(4, 4, 3, 2, 0.0, new Generator(7));
        assertFalse(same.namedParameters().containsKey("skip.weight"));
        ModuleGradcheck.check("ResBlock identity skip", same, (m, vs) -> ((ResBlock) m).forward(vs[0], vs[1]),
                Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 1, 4, 2, 2), Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 1, 3));
    }

    @Test void unetInputGradientAndEveryParameterReached() {
        UNet net = new UNet(tiny(0), new Generator(8));
        net.to(DType.FLOAT64);
        Tensor t = Tensor.ofLongs(new long[]{3}, 1), y = Tensor.ofLongs(new long[]{1}, 1);
        Gradcheck.check("UNet wrt x", vs -> net.forward(vs[0], t, y), Rand.normal(new Generator(9), 0, 1, DType.FLOAT64, Device.CPU, 1, 1, 8, 8));
        net.zeroGrad();
        Variable out = net.forward(Variable.constant(Rand.normal(new Generator(10), 0, 1, DType.FLOAT64, Device.CPU, 2, 1, 8, 8)),
                Tensor.ofLongs(new long[]{1, 9}, 2), Tensor.ofLongs(new long[]{0, 2}, 2));
        org.jdiffusion.autograd.ReduceFunctions.sum(org.jdiffusion.autograd.PointwiseFunctions.square(out)).backward();
        net.namedParameters().forEach((k, v) -> {
            assertNotNull(v.grad(), k + " has a gradient");
            if (!k.equals("cemb.weight")) assertTrue(v.grad().abs().max().item() > 0, k + " has a non-zero gradient");
        });
    }

    @Test void badInputsAreNamed() {
        UNet net = new UNet(tiny(0), new Generator(11));
        Variable x = Variable.constant(Tensor.zeros(2, 1, 8, 8));
        Tensor t = Tensor.ofLongs(new long[]{1, 2}, 2);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.forward(Variable.constant(Tensor.zeros(2, 1, 9, 9)), t, null))
                .getMessage().contains("x must be [B, 1, 8, 8]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.forward(x, Tensor.ofLongs(new long[]{1}, 1), null))
                .getMessage().contains("t must be [2]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.forward(x, t, Tensor.zeros(2)))
                .getMessage().contains("y must be int64 [2]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> net.forward(x, t, Tensor.ofLongs(new long[]{0, 4}, 2)))
                .getMessage().contains("class ids must lie in [0, 3] (3 = no class), got values in [0, 4]"));
        UNet unc = new UNet(tiny(0).withNumClasses(0), new Generator(12));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> unc.forward(x, t, Tensor.ofLongs(new long[]{0, 1}, 2)))
                .getMessage().contains("unconditional"));
    }

    @Test void configValidationAndJson() {
        UNetConfig c = UNetConfig.mnistSmall();
        assertEquals(c, UNetConfig.fromJson(c.toJson()));
        assertEquals(tiny(0.25).withLearnedVariance(true), UNetConfig.fromJson(tiny(0.25).withLearnedVariance(true).toJson()));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new UNetConfig(1, 30, 32, List.of(1, 2, 2), 2, List.of(7), 4, 0.1, 10, 128, 6, false));
        assertTrue(e.getMessage().contains("imageSize 30 must be divisible by 2^(levels-1) = 4"), e.getMessage());
        assertTrue(e.getMessage().contains("not divisible by groups 6"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson("{\"in_channels\":1}")).getMessage().contains("missing key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(c.toJson().replace("}", ",\"x\":1}")))
                .getMessage().contains("unknown key \"x\""));
    }
}
