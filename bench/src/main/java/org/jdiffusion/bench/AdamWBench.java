package org.jdiffusion.bench;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.kernels.cpu.fast.FastAdamW;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One AdamW step over the reference U-Net's 1,624,577 parameters (245 tensors): the fused kernel
 * ({@link FastAdamW}, 28 bytes per parameter) and nn's optimizer, which composes it from tensor ops.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class AdamWBench {
    private final List<Tensor> p = new ArrayList<>(), g = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
    private FastAdamW.Config config;
    private Adam composite;
    private long step, count;

    @Setup(Level.Trial)
    public void setup() {
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(7));
        Generator gen = new Generator(8);
        for (Variable x : net.parameters()) {
            p.add(x.data());
            Tensor grad = Rand.normal(gen, x.data().shape());
            g.add(grad);
            x.setGrad(grad);
            m.add(Tensor.zeros(x.data().shape()));
            v.add(Tensor.zeros(x.data().shape()));
            count += x.data().numel();
        }
        config = new FastAdamW.Config(1e-4, 0.9, 0.999, 1e-8, 0.01);
        composite = Adam.adamW(net.namedParameters(), 1e-4, 0.01);
    }

    @Benchmark
    public List<Tensor> fused(Work.Bytes b) {
        FastAdamW.step(p, g, m, v, config, ++step);
        b.mbyte += 28.0 * count / 1e6;
        return p;
    }

    @Benchmark
    public Adam composite(Work.Bytes b) {
        composite.step();
        b.mbyte += 28.0 * count / 1e6;
        return composite;
    }
}
