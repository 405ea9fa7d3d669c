package org.jdiffusion.bench;

import org.jdiffusion.kernels.cpu.fast.FastConvBackward;
import org.jdiffusion.kernels.cpu.fast.FastElementwise;
import org.jdiffusion.bench.lab.ConvWeightGradV1;
import org.jdiffusion.bench.lab.SiluLanewiseExp;
import org.jdiffusion.bench.lab.TileShapes;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The lab's kernel versions against production, one thread each ({@code bench/src/main/java/org/jdiffusion/bench/lab/README.md}):
 * GEMM register tiles on L1-resident panels (kc = 256), the conv weight-gradient tile of one image
 * of the 3×3 64→64 conv at 28×28 (2·64·576·838 FLOPs), and SiLU over [64, 64, 28, 28] (8 bytes per element).
 * The GEMM versions themselves are in {@link SgemmBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast", "-Djdiffusion.threads=1"})
public class LabBench {
    @Param({"6x2", "8x2", "4x3", "8x3"})
    public String tile;

    @Param({"production", "lab"})
    public String version;

    private static final int KC = 256, COLS = 27 * 30 + 28, LD = (COLS + 15) / 16 * 16, C = 64, O = 64, R = C * 9, N = 64 * 64 * 28 * 28;
    private float[] ap, bp, c, planes, dy, part, x, y;
    private int[] koff;
    private Tensor xt, yt;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom r = new SplittableRandom(11);
        ap = fill(r, 8 * KC);
        bp = fill(r, 3 * TileShapes.L * KC);
        c = new float[8 * 64];
        planes = fill(r, C * 900 + 64);
        // dY rows of LD with zeros past COLS, planes with a guard: the layout production's dW reads
        dy = new float[O * LD];
        for (int o = 0; o < O; o++)
            for (int q = 0; q < COLS; q++) dy[o * LD + q] = (float) r.nextGaussian();
        part = new float[O * R];
        koff = new int[R];
        for (int ch = 0, k = 0; ch < C; ch++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) koff[k++] = ch * 900 + i * 30 + j;
        x = fill(r, N);
        y = new float[N];
        xt = Tensor.of(x, 64, 64, 28, 28);
        yt = Tensor.zeros(64, 64, 28, 28);
    }

    private static float[] fill(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** One micro-kernel call per tile shape (the version parameter is ignored). */
    @Benchmark
    public float[] gemmTile(Work.Flops f) {
        switch (tile) {
            case "8x2" -> TileShapes.k8x2(KC, ap, 0, bp, 0, c, 0, 64);
            case "4x3" -> TileShapes.k4x3(KC, ap, 0, bp, 0, c, 0, 64);
            case "8x3" -> TileShapes.k8x3(KC, ap, 0, bp, 0, c, 0, 64);
            default -> TileShapes.k6x2(KC, ap, 0, bp, 0, c, 0, 64);
        }
        int mr = tile.charAt(0) - '0', nv = tile.charAt(2) - '0';
        f.mflop += 2.0 * mr * nv * TileShapes.L * KC / 1e6;
        return c;
    }

    /** The weight gradient of one image (the tile parameter is ignored). */
    @Benchmark
    public float[] convWeightGradTile(Work.Flops f) {
        if (version.equals("lab")) ConvWeightGradV1.accumulate(dy, 0, LD, O, planes, 0, koff, COLS, part, 0, R);
        else FastConvBackward.accumulate(dy, 0, LD, 0, O, planes, 0, 0, 1, koff, COLS, true, part, 0, R);
        f.mflop += 2.0 * O * R * COLS / 1e6;
        return part;
    }

    /** SiLU with the polynomial exp (production) or lanewise(EXP) (lab); the tile parameter is ignored. */
    @Benchmark
    public Object silu(Work.Bytes b) {
        b.mbyte += 8.0 * N / 1e6;
        if (version.equals("lab")) {
            SiluLanewiseExp.silu(x, y, N);
            return y;
        }
        FastElementwise.unary(UnaryOp.SILU, xt, yt);
        return yt;
    }
}
