package org.jdiffusion.samples.train;

import org.jdiffusion.autograd.Grad;
import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.kernels.cuda.CudaBackend;
import org.jdiffusion.kernels.cuda.GpuTimer;
import org.jdiffusion.kernels.cuda.MemoryStats;
import org.jdiffusion.kernels.cuda.RequiresCuda;
import org.jdiffusion.nn.io.AtomicFiles;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.tensor.Autocast;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our side of the GPU report's "reference U-Net" table, beside gpu_baseline.py --unet: the
 * reference U-Net ({@code spec/unet-mnist.md}, the network {@code train --model unet} builds) on
 * cuda:0, timed as the PyTorch side times its own: CUDA events around one call, two warm-ups, a
 * 256 MiB memset before every repetition, median of 5 to 50 repetitions filling about 500 ms
 * (kernels' GpuTimer). Rows, in torch.tsv's format (id, status, median_ms, min_ms, reps, detail):
 * <pre>
 *   unet.forward.bB        eval-mode forward under no-grad
 *   unet.train.bB          forward, eps-MSE, backward, fused AdamW step (dropout 0.1 active)
 *   unet.forward.bB.bf16   the same under bf16 autocast (train --precision bf16's scope:
 *   unet.train.bB.bf16     forward and backward; the AdamW step stays float32)
 *   unet.train.bB.after60  the float32 step again, after 60 untimed steps: the caching allocator
 *                          and the collector settled
 * </pre>
 * Each row's detail counts the kernels one call launches, the device allocations made while timing
 * (served by the caching allocator's cache or by the driver) and the JVM's garbage collections then
 * (a tensor's device block returns to the cache only once the collector finds the tensor
 * unreachable); the kernel launches are counted ({@link org.jdiffusion.kernels.cuda.CudaContext#kernelLaunches}).
 * Inputs are random (normal x and eps, uniform t in [0, 1000) and classes in [0, 11)). Runs only
 * when asked ({@code -Djdiffusion.gpu.report=DIR}, as the GPU kit's run.sh does) on a usable GPU;
 * writes DIR/unet.tsv after every row. The batch is 128 unless {@code -Djdiffusion.unet.batch}
 * says otherwise (a tiny batch for a dry run on the CUDA driver emulator). A step that throws is
 * written as an error row and fails the probe once all rows are written.
 */
@RequiresCuda
@EnabledIfSystemProperty(named = "jdiffusion.gpu.report", matches = ".+")
class CudaUNetStepProbe {
    static final Device GPU = Device.cuda(0);
    static final String HEADER = "id\tstatus\tmedian_ms\tmin_ms\treps\tdetail";
    static final double TARGET_MS = 500;

    @Test void timeTheReferenceUNetForwardAndTrainingStep() {
        Path file = Path.of(System.getProperty("jdiffusion.gpu.report")).resolve("unet.tsv");
        int batch = Integer.getInteger("jdiffusion.unet.batch", 128);
        CudaBackend be = (CudaBackend) Backends.of(GPU);
        UNet net = (UNet) Nets.unet(Nets.referenceConfig(10, false), Nets.Kind.UNET, new Generator(0)).module();
        net.to(GPU);
        assertEquals(1_624_577, net.parameterCount(), "the reference U-Net's parameter count (spec/unet-mnist.md)");
        Generator g = new Generator(7);
        Tensor x = Rand.normal(g, 0, 1, DType.FLOAT32, GPU, batch, 1, 28, 28), eps = Rand.normal(g, 0, 1, DType.FLOAT32, GPU, batch, 1, 28, 28);
        Tensor t = Rand.randint(g, 0, 1000, GPU, batch), y = Rand.randint(g, 0, 11, GPU, batch);
        Adam opt = Adam.adamW(net.namedParameters(), 1e-4, 0);
        Variable[] lastLoss = {null};
        GpuTimer timer = new GpuTimer(be);

        List<String> notes = List.of("batch: " + batch, "GEMM mode: " + be.matmulMode() + " (bf16 rows: Autocast)",
                "parameters: " + net.parameterCount());
        List<String> rows = new ArrayList<>();
        String firstError = null;
        for (boolean bf16 : new boolean[]{false, true}) {
            String suffix = bf16 ? ".bf16" : "", mode = bf16 ? "; bf16 autocast" : "";
            Runnable forward = () -> {
                net.eval();
                try (var ng = Grad.noGrad(); Autocast ac = bf16 ? Autocast.bf16() : null; MemoryScope mem = MemoryScope.open("probe forward")) {
                    net.forward(Variable.constant(x), t, y);
                }
            };
            String[][] runs = {{"unet.forward.b" + batch + suffix, "forward, eval mode, no grad" + mode},
                    {"unet.train.b" + batch + suffix, "eps-MSE forward + backward + fused AdamW step, dropout 0.1" + mode}};
            Runnable[] steps = {forward, trainStep(net, opt, x, eps, t, y, bf16, lastLoss)};
            for (int i = 0; i < 2; i++) {
                String error = timeRow(be, timer, runs[i][0], steps[i], 0, batch, runs[i][1], rows);
                if (firstError == null) firstError = error;
                write(file, notes, rows);
            }
        }
        // the float32 step once the caching allocator and the collector have settled
        String id = "unet.train.b" + batch + ".after" + STEADY_AFTER, error = timeRow(be, timer, id,
                trainStep(net, opt, x, eps, t, y, false, lastLoss), STEADY_AFTER, batch, "eps-MSE forward + backward + fused AdamW step, dropout 0.1", rows);
        if (firstError == null) firstError = error;
        write(file, notes, rows);
        assertTrue(firstError == null, firstError);
        double loss = lastLoss[0].item();
        assertTrue(Double.isFinite(loss) && loss > 0, "the last training step's loss is " + loss);
    }

    /** The untimed training steps before the ".afterN" row. */
    static final int STEADY_AFTER = 60;

    /** forward, eps-MSE, backward (under bf16 autocast if asked) and the fused AdamW step; the loss is kept for after the timing. */
    static Runnable trainStep(UNet net, Adam opt, Tensor x, Tensor eps, Tensor t, Tensor y, boolean bf16, Variable[] lastLoss) {
        return () -> {
            try (MemoryScope mem = MemoryScope.open("probe step")) {   // as train runs a step: activations back to the cache
                net.train();
                opt.zeroGrad();
                Variable loss;
                try (Autocast ac = bf16 ? Autocast.bf16() : null) {    // forward and backward, as train --precision bf16
                    loss = LossFunctions.mse(net.forward(Variable.constant(x), t, y), eps);
                    loss.backward();
                }
                opt.step();
                mem.keep(loss.data());
                lastLoss[0] = loss;                                     // read after the timing: no sync inside a step
            }
        };
    }

    /**
     * Runs {@code step} {@code untimed} times, counts one call's kernel launches, times it and adds its row
     * (or an error row); returns the error, or null.
     */
    static String timeRow(CudaBackend be, GpuTimer timer, String id, Runnable step, int untimed, int batch, String what, List<String> rows) {
        try {
            for (int k = 0; k < untimed; k++) step.run();
            long l0 = be.context().kernelLaunches(), s0 = be.context().synchronizations();
            step.run();                                             // one call's kernel launches (for CUDA graphs) and host waits
            long launches = be.context().kernelLaunches() - l0, waits = be.context().synchronizations() - s0;
            List<String> recent = be.context().recentSynchronizations();
            String waitedAt = String.join(", ", recent.subList(Math.max(0, recent.size() - (int) Math.min(waits, 32)), recent.size()));
            MemoryStats m0 = be.memoryStats();
            long[] gc0 = collections();
            GpuTimer.Timing tm = timer.time(List.of(step), TARGET_MS);
            long[] gc1 = collections();
            rows.add(row(id, tm, batch, what + (untimed > 0 ? "; after " + untimed + " untimed steps" : "") + "; " + launches
                    + " kernel launches; " + waits + " host waits" + (waits > 0 ? " (" + waitedAt + ")" : "") + "; " + allocations(m0, be.memoryStats()) + "; " + (gc1[0] - gc0[0]) + " collections, "
                    + (gc1[1] - gc0[1]) + " ms"));
            return null;
        } catch (RuntimeException e) {
            rows.add(String.join("\t", id, "error", "", "", "", oneLine(e.toString())));
            return id + ": " + e;
        }
    }

    /** {collections, milliseconds} of every garbage collector of this JVM so far. */
    static long[] collections() {
        long n = 0, ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
            ms += Math.max(0, gc.getCollectionTime());
        }
        return new long[]{n, ms};
    }

    /** Device allocations while timing: how many the cache served and how many went to the driver (cuMemAlloc). */
    static String allocations(MemoryStats before, MemoryStats after) {
        return String.format(Locale.ROOT, "allocations %d (cache hits %d, driver mallocs %d, driver frees %d)",
                after.allocations() - before.allocations(), after.cacheHits() - before.cacheHits(),
                after.driverMallocs() - before.driverMallocs(), after.driverFrees() - before.driverFrees());
    }

    /** One ok row: times in ms with 5 decimals (as gpu_baseline.py), and the images per second of the median. */
    static String row(String id, GpuTimer.Timing tm, int batch, String what) {
        return String.format(Locale.ROOT, "%s\tok\t%.5f\t%.5f\t%d\t%s; %.0f images/s", id, tm.medianMs(), tm.minMs(), tm.reps(), what,
                batch / tm.medianMs() * 1e3);
    }

    static String tsv(List<String> notes, List<String> rows) {
        StringBuilder s = new StringBuilder();
        for (String n : notes) s.append("# ").append(n).append('\n');
        s.append(HEADER).append('\n');
        for (String r : rows) s.append(r).append('\n');
        return s.toString();
    }

    private static void write(Path file, List<String> notes, List<String> rows) {
        byte[] b = tsv(notes, rows).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    private static String oneLine(String s) { return s.replaceAll("[\\t\\n\\r]+", " "); }
}
