package org.jdiffusion.bench;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Backend;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One AdamW step and one EMA update over the reference U-Net's 1,624,577 parameters (245 tensors)
 * through the backend ops ({@code Backend.adamStep}, 28 bytes per parameter; {@code emaUpdate},
 * 12 bytes) of the chosen CPU backend ({@code fast}: {@code FastAdamW}/{@code FastEma};
 * {@code reference}: float64 scalar), and nn's {@link Adam} optimizer, which makes the same call
 * after collecting its parameters and state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class AdamWBench {
    @Param({"fast"})
    public String backend;

    private final List<Tensor> p = new ArrayList<>(), g = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
    private final List<Tensor> shadow = new ArrayList<>();
    private Backend be;
    private Adam optimizer;
    private long step, count;

    @Setup(Level.Trial)
    public void setup() {
        be = Work.backend(backend);
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(7));
        Generator gen = new Generator(8);
        for (Variable x : net.parameters()) {
            p.add(x.data());
            Tensor grad = Rand.normal(gen, x.data().shape());
            g.add(grad);
            x.setGrad(grad);
            m.add(Tensor.zeros(x.data().shape()));
            v.add(Tensor.zeros(x.data().shape()));
            shadow.add(x.data().copy());
            count += x.data().numel();
        }
        optimizer = Adam.adamW(net.namedParameters(), 1e-4, 0.01);
    }

    @Benchmark
    public List<Tensor> adamStep(Work.Bytes b) {
        be.adamStep(p, g, m, v, new AdamHyper(1e-4, 0.9, 0.999, 1e-8, 0.01, true, ++step));
        b.mbyte += 28.0 * count / 1e6;
        return p;
    }

    @Benchmark
    public List<Tensor> emaUpdate(Work.Bytes b) {
        be.emaUpdate(shadow, p, 0.9999);
        b.mbyte += 12.0 * count / 1e6;
        return shadow;
    }

    @Benchmark
    public Adam optimizerStep(Work.Bytes b) {
        optimizer.step();
        b.mbyte += 28.0 * count / 1e6;
        return optimizer;
    }
}
