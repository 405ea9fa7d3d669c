package org.jdiffusion.dist;

import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The program {@link MpiCommunicatorTest} starts under {@code mpirun}: each rank checks the
 * collectives against values it computes itself and prints one "ok ..." line per check (or dies
 * with the mismatch), or plays a rank that stalls or dies.
 */
public final class MpiProbe {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        double timeout = args.length > 1 ? Double.parseDouble(args[1]) : 60;
        MpiCommunicator c = MpiCommunicator.init(timeout);
        int r = c.rank(), n = c.size();
        switch (mode) {
            case "collectives" -> collectives(c, r, n);
            case "stall" -> {
                if (r == 1) Thread.sleep(600_000);
                c.allReduceSum(Tensor.zeros(4));
            }
            case "die" -> {
                if (r == 1) Runtime.getRuntime().halt(7);
                c.allReduceSum(Tensor.zeros(4));
                c.barrier(timeout);
            }
            case "nccl-id" -> {
                // NcclCommunicator's bootstrap without a GPU: the stand-in library of NcclStub
                Nccl nccl = new Nccl(NativeLibrary.open(Nccl.search(args[2], java.util.List.of())));
                NcclCommunicator.join(nccl, c, () -> {});
                for (String line : NcclStub.log(nccl).split("\n")) System.out.println("stub " + r + ": " + line);
            }
            default -> throw new IllegalArgumentException(mode);
        }
        c.close();
    }

    private static void collectives(MpiCommunicator c, int r, int n) {
        // all-reduce: every rank draws every rank's values from its own stream and sums them locally in rank order
        int len = 1000;
        Tensor mine = Rand.normal(new Generator(100 + r), len);
        double[] expect = new double[len];
        for (int k = 0; k < n; k++) {
            float[] v = Rand.normal(new Generator(100 + k), len).toFloatArray();
            for (int i = 0; i < len; i++) expect[i] += v[i];
        }
        Tensor sum = mine.copy();
        c.allReduceSum(sum);
        float[] got = sum.toFloatArray();
        double worst = 0;
        for (int i = 0; i < len; i++) worst = Math.max(worst, Math.abs(got[i] - expect[i]) / Math.max(1e-3, Math.abs(expect[i])));
        check(worst < 1e-5, "all-reduce float32 relative error " + worst);
        System.out.println("ok allreduce-f32 rank " + r + " hash " + Arrays.hashCode(got));
        // an in-place all-reduce on a view with an offset, and float64
        Tensor big = Tensor.of(new double[]{-1, r + 1, 2 * (r + 1), -1}, 4);
        c.allReduceSum(big.narrow(0, 1, 2));
        double tri = n * (n + 1) / 2.0;
        check(Arrays.equals(big.toDoubleArray(), new double[]{-1, tri, 2 * tri, -1}), "float64 view all-reduce " + Arrays.toString(big.toDoubleArray()));
        check(c.allReduceSum(r + 0.5) == tri - n / 2.0, "scalar all-reduce");
        System.out.println("ok allreduce-f64-view rank " + r);
        // async: two in flight at once
        Tensor a = Tensor.of(new float[]{r}, 1), b = Tensor.of(new float[]{1}, 1);
        Communicator.Request ra = c.allReduceSumAsync(a), rb = c.allReduceSumAsync(b);
        rb.await();
        ra.await();
        check(a.item() == tri - n && b.item() == n, "async all-reduces " + a.item() + " " + b.item());
        System.out.println("ok allreduce-async rank " + r);
        // broadcast from the last rank
        Tensor bt = Tensor.of(new float[]{r, r, r}, 3);
        c.broadcast(bt, n - 1);
        check(Arrays.equals(bt.toFloatArray(), new float[]{n - 1, n - 1, n - 1}), "broadcast " + Arrays.toString(bt.toFloatArray()));
        byte[] s = c.broadcastBytes(r == 0 ? "hello from rank 0".getBytes(StandardCharsets.UTF_8) : null, 0);
        check(new String(s, StandardCharsets.UTF_8).equals("hello from rank 0"), "byte broadcast");
        System.out.println("ok broadcast rank " + r);
        c.barrier(30);
        System.out.println("ok barrier rank " + r + " of " + n + " " + c.version());
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError("rank check failed: " + what);
    }
}
