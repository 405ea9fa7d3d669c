package org.jdiffusion.bench;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The host's cost of one op on cuda:0: the backend's dispatch (checks, geometry packing) and the
 * kernel launch through JCuda, on 64-element float32 tensors with the output allocated once, so no
 * allocation and almost no device work. A U-Net training step launches about 1,600 kernels, so each
 * microsecond here is about 1.6 ms a step. Run it on the CUDA driver emulator with
 * {@code JD_EMU_SKIP_KERNELS=1} (launches accepted, nothing run) to see the host side alone, or on a GPU,
 * where the queue of launches may also wait on the device.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CudaLaunchBench {
    private Backend be;
    private Tensor a, b, out, geomA, geomOut;

    @Setup(Level.Trial)
    public void setup() {
        Device gpu = Device.cuda(0);
        be = Backends.of(gpu);
        Generator g = new Generator(1);
        a = Rand.normal(g, 0, 1, DType.FLOAT32, gpu, 64);
        b = Rand.normal(g, 0, 1, DType.FLOAT32, gpu, 64);
        out = Tensor.zeros(DType.FLOAT32, gpu, 64);
        // a broadcast, strided add: the kernel that takes a packed geometry (an int[] struct argument)
        geomA = Rand.normal(g, 0, 1, DType.FLOAT32, gpu, 8, 16).transpose(0, 1);
        geomOut = Tensor.zeros(DType.FLOAT32, gpu, 16, 8);
    }

    /** A dense add: pointer and size arguments. */
    @Benchmark
    public Tensor denseAdd() {
        be.binary(BinaryOp.ADD, a, b, out);
        return out;
    }

    /** A strided add: a packed geometry struct among the arguments. */
    @Benchmark
    public Tensor stridedAdd() {
        be.binary(BinaryOp.ADD, geomA, geomA, geomOut);
        return geomOut;
    }

    @TearDown(Level.Trial)
    public void sync() { out.to(Device.CPU); }   // a synchronisation point: every launch has run (or failed loudly)
}
