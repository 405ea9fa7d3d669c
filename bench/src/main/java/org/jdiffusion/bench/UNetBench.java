package org.jdiffusion.bench;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.MemoryScope;
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

import java.util.concurrent.TimeUnit;

/**
 * The reference U-Net ("mnist-small", 1,624,577 parameters) at batch 64: one forward pass in eval
 * mode without a graph, and one training step (forward, MSE loss, backward, AdamW). About 36 GFLOP
 * forward (0.56 GFLOP per image, nearly all of it convolution) and 3× that per step. The fork gets
 * a young generation that holds a step's activations and a pre-touched heap (see bench/README.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast", "-XX:+UseParallelGC", "-Xms12g", "-Xmx12g", "-Xmn9g",
        "-XX:+AlwaysPreTouch"})
public class UNetBench {
    private UNet net;
    private Adam opt;
    private Tensor x, t, y, noise;

    @Setup(Level.Trial)
    public void setup() {
        net = new UNet(UNetConfig.mnistSmall(), new Generator(9));
        opt = Adam.adamW(net.namedParameters(), 1e-4, 0.01);
        Generator g = new Generator(10);
        x = Rand.uniform(g, -1, 1, DType.FLOAT32, Device.CPU, 64, 1, 28, 28);
        t = Rand.randint(g, 0, 1000, Device.CPU, 64);
        y = Rand.randint(g, 0, 11, Device.CPU, 64);
        noise = Rand.normal(g, 64, 1, 28, 28);
    }

    /** The forward in a {@link MemoryScope}, as sampling runs it: activations go back to the pool; returns out[0]. */
    @Benchmark
    public double forward() {
        net.eval();
        try (var scope = Grad.noGrad(); MemoryScope mem = MemoryScope.open("forward")) {
            return net.forward(Variable.constant(x), t, y).data().flatten(0, -1).select(0, 0).item();
        }
    }

    /** One step in a {@link MemoryScope}, as {@code train} runs it; returns the loss. */
    @Benchmark
    public double trainingStep() {
        net.train();
        try (MemoryScope mem = MemoryScope.open("train step")) {
            Variable loss = LossFunctions.mse(net.forward(Variable.constant(x), t, y), noise);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            return loss.item();
        }
    }
}
