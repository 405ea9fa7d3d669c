package org.jdiffusion.bench.dist;

import org.jdiffusion.dist.Communicator;
import org.jdiffusion.dist.Communicators;
import org.jdiffusion.kernels.cuda.CudaBackend;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * The time of one sum-all-reduce of float32 gradients across the ranks of an {@code mpirun} job
 * (MPI on the CPU, NCCL on CUDA), for the data-parallel scaling report. Not a JMH benchmark: JMH
 * runs each rank's loop for a time, and collectives need every rank to run the same number of
 * them, so this times a fixed count. Each repetition starts after a barrier; a row per size gives
 * rank 0's median and minimum over the repetitions, the algorithm bandwidth (bytes / time) and the
 * bus bandwidth, algbw × 2(N−1)/N, the figure nccl-tests reports, which a ring all-reduce keeps
 * constant as N grows.
 *
 * <pre>mpirun -np N java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp bench/target/benchmarks.jar org.jdiffusion.bench.dist.AllReduceTiming [cpu|cuda] [REPS] [FLOATS...]</pre>
 *
 * The default sizes are the reference U-Net's gradient (1,624,577 floats, 6.5 MB), the tiny
 * U-Net's, a 1 MiB bucket and a 4 KiB message (latency).
 */
public final class AllReduceTiming {
    private AllReduceTiming() {}

    public static void main(String[] args) {
        Device device = args.length > 0 ? Device.parse(args[0]) : Device.CPU;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] sizes = args.length > 2 ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[]{1_624_577, 164_689, 262_144, 1_024};
        var env = System.getenv();
        if (!device.isCpu()) device = Device.cuda(device.index() + Communicators.launcherLocalRank(env));
        // on CUDA always NCCL (one rank: NCCL on one device, bootstrapped without MPI)
        Communicators.Kind kind = device.isCpu() ? Communicators.Kind.AUTO : Communicators.Kind.NCCL;
        try (Communicator c = Communicators.open(kind, device, env, 120)) {
            int n = c.size();
            if (c.rank() == 0)
                System.out.println("ranks\tcomm\tdevice\tbytes\tmedian_ms\tmin_ms\talgbw_GBps\tbusbw_GBps");
            for (int size : sizes) {
                Tensor t = Tensor.zeros(DType.FLOAT32, device, size);
                double[] ms = new double[reps];
                for (int r = -3; r < reps; r++) {   // three untimed warm-up repetitions
                    c.barrier(120);
                    long t0 = System.nanoTime();
                    c.allReduceSumAsync(t).await();
                    if (t.backend() instanceof CudaBackend cb) cb.synchronize();
                    if (r >= 0) ms[r] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(ms);
                double med = ms[reps / 2], bytes = 4.0 * size, algbw = bytes / (med * 1e-3) / 1e9;
                if (c.rank() == 0)
                    System.out.println(String.format(Locale.ROOT, "%d\t%s\t%s\t%.0f\t%.3f\t%.3f\t%.3f\t%.3f", n, c.name(), device, bytes, med, ms[0],
                            algbw, algbw * (n > 1 ? 2.0 * (n - 1) / n : 1)));
            }
        }
    }
}
