package org.jdiffusion.bench;

import org.jdiffusion.tensor.Backend;
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
 * Softmax over the U-Net's attention scores [B·heads, T, T] (8 bytes per element forward, 12
 * backward) and fused attention at its shapes, q, k, v as [B, H, T, D] views of one qkv tensor
 * [B, 3, H, D, T] (T = 49 at 7×7, heads 4, D 16): 4·B·H·T²·D FLOPs forward, twice that backward.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class SoftmaxAttentionBench {
    @Param({"49", "196"})
    public int t;

    @Param({"fast", "reference"})
    public String backend;

    private Backend be;
    private Tensor s, sy, sdy, sdx, q, k, v, out, lse, dout, dq, dk, dv;
    private double mflop, mbyte;

    @Setup(Level.Trial)
    public void setup() {
        be = Work.backend(backend);
        Generator g = new Generator(6);
        int b = 64, h = 4, d = 16;
        s = Work.randn(g, b * h, t, t);
        sdy = Work.randn(g, b * h, t, t);
        sy = Tensor.zeros(b * h, t, t);
        sdx = Tensor.zeros(b * h, t, t);
        be.softmax(s, 2, false, sy);
        Tensor qkv = Work.randn(g, b, 3, h, d, t);
        q = qkv.select(1, 0).transpose(2, 3);
        k = qkv.select(1, 1).transpose(2, 3);
        v = qkv.select(1, 2).transpose(2, 3);
        out = Tensor.zeros(b, h, t, d);
        lse = Tensor.zeros(b, h, t);
        dout = Work.randn(g, b, h, t, d);
        dq = Tensor.zeros(b, h, t, d);
        dk = Tensor.zeros(b, h, t, d);
        dv = Tensor.zeros(b, h, t, d);
        be.attention(q, k, v, null, 0.25, out, lse);
        mflop = 4.0 * b * h * t * t * d / 1e6;
        mbyte = 4.0 * b * h * t * t / 1e6;
    }

    @Benchmark
    public Tensor softmaxForward(Work.Bytes c) {
        be.softmax(s, 2, false, sy);
        c.mbyte += 2 * mbyte;
        return sy;
    }

    @Benchmark
    public Tensor softmaxBackward(Work.Bytes c) {
        be.softmaxBackward(sdy, sy, 2, false, sdx);
        c.mbyte += 3 * mbyte;
        return sdx;
    }

    @Benchmark
    public Tensor attentionForward(Work.Flops f) {
        be.attention(q, k, v, null, 0.25, out, lse);
        f.mflop += mflop;
        return out;
    }

    @Benchmark
    public Tensor attentionBackward(Work.Flops f) {
        be.attentionBackward(dout, q, k, v, null, 0.25, out, lse, dq, dk, dv);
        f.mflop += 2 * mflop;
        return dq;
    }
}
