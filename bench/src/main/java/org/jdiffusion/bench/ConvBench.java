package org.jdiffusion.bench;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
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

import java.util.concurrent.TimeUnit;

/**
 * conv2d forward, input gradient, weight gradient and all three together, batch 64:
 * "3x3" 64→64 channels at 28×28 pad 1 (the target), "3x3s2" 32→32 stride 2 (the U-Net's
 * downsampling), "1x1" 128→64 at 14×14 (a skip), "3x3at14" and "3x3at7" 64→64 at the lower
 * resolutions. FLOPs 2·N·O·C·kH·kW·Ho·Wo per pass.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class ConvBench {
    @Param({"3x3", "3x3s2", "1x1", "3x3at14", "3x3at7"})
    public String shape;

    @Param({"fast", "reference"})
    public String backend;

    private Backend be;
    private Tensor x, w, bias, y, dy, dx, dw;
    private Conv2dParams p;
    private double mflop;

    @Setup(Level.Trial)
    public void setup() {
        be = Work.backend(backend);
        Generator g = new Generator(4);
        int c, o, hw, k, s, pad;
        switch (shape) {
            case "3x3s2" -> { c = 32; o = 32; hw = 28; k = 3; s = 2; pad = 1; }
            case "1x1" -> { c = 128; o = 64; hw = 14; k = 1; s = 1; pad = 0; }
            case "3x3at14" -> { c = 64; o = 64; hw = 14; k = 3; s = 1; pad = 1; }
            case "3x3at7" -> { c = 64; o = 64; hw = 7; k = 3; s = 1; pad = 1; }
            default -> { c = 64; o = 64; hw = 28; k = 3; s = 1; pad = 1; }
        }
        p = Conv2dParams.of(s, pad);
        int ho = p.outH(hw, k);
        x = Work.randn(g, 64, c, hw, hw);
        w = Work.randn(g, o, c, k, k);
        bias = Work.randn(g, o);
        dy = Work.randn(g, 64, o, ho, ho);
        y = Tensor.zeros(64, o, ho, ho);
        dx = Tensor.zeros(64, c, hw, hw);
        dw = Tensor.zeros(o, c, k, k);
        mflop = 2.0 * 64 * o * c * k * k * ho * ho / 1e6;
    }

    @Benchmark
    public Tensor forward(Work.Flops f) {
        be.conv2d(x, w, bias, p, y);
        f.mflop += mflop;
        return y;
    }

    @Benchmark
    public Tensor backwardInput(Work.Flops f) {
        be.conv2dBackwardInput(dy, w, p, dx);
        f.mflop += mflop;
        return dx;
    }

    @Benchmark
    public Tensor backwardWeight(Work.Flops f) {
        be.conv2dBackwardWeight(dy, x, p, dw);
        f.mflop += mflop;
        return dw;
    }

    @Benchmark
    public Tensor forwardBackward(Work.Flops f) {
        be.conv2d(x, w, bias, p, y);
        be.conv2dBackwardInput(dy, w, p, dx);
        be.conv2dBackwardWeight(dy, x, p, dw);
        f.mflop += 3 * mflop;
        return dw;
    }
}
