package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures the memory-bound kernels' achieved bandwidth against the driver's device-to-device copy
 * on the same GPU, for the GPU kit's run.sh (kernels/scripts/gpu-run.sh). Runs only when it asks
 * ({@code -Djdiffusion.gpu.report=DIR}) and a GPU is usable; asserts nothing, writes
 * DIR/bandwidth.tsv (op, bytes, ms, GB/s) and DIR/device.txt. Bytes are each op's compulsory
 * traffic: every input read once, every output written once.
 */
@RequiresCuda
@EnabledIfSystemProperty(named = "jdiffusion.gpu.report", matches = ".+")
class CudaBandwidthProbe {
    static final Device GPU = Device.cuda(0);
    static final int WARMUP = 2, RUNS = 10;

    record Row(String op, long bytes, double ms) {
        double gbs() { return bytes / (ms * 1e6); }
    }

    private final CudaBackend be = CudaRuntimeTest.backend();
    private final List<Row> rows = new ArrayList<>();

    /** Best device time of RUNS runs, in ms. */
    private double time(Runnable op) {
        for (int i = 0; i < WARMUP; i++) op.run();
        be.synchronize();
        double best = Double.MAX_VALUE;
        try (CudaEvent start = be.newEvent(true); CudaEvent end = be.newEvent(true)) {
            for (int i = 0; i < RUNS; i++) {
                start.record(be.currentStream());
                op.run();
                end.record(be.currentStream());
                best = Math.min(best, end.elapsedSince(start));
            }
        }
        be.synchronize();
        return best;
    }

    /** t cut into k contiguous, disjoint pieces. */
    private static List<Tensor> slices(Tensor t, int k) {
        List<Tensor> out = new ArrayList<>();
        int len = t.numel() / k;
        for (int i = 0; i < k; i++) out.add(t.narrow(0, i * len, len));
        return out;
    }

    private void measure(String op, long bytes, Runnable r) { rows.add(new Row(op, bytes, time(r))); }

    @Test void measureMemoryBoundKernels() throws IOException {
        Path dir = Path.of(System.getProperty("jdiffusion.gpu.report"));
        Files.createDirectories(dir);
        int n = 1 << 26, side = 1 << 13;   // 64 Mi elements = 256 MiB of float32
        long f = 4L * n;
        Tensor a = Rand.normal(new Generator(1), 0, 1, DType.FLOAT32, GPU, n), b = Rand.normal(new Generator(2), 0, 1, DType.FLOAT32, GPU, n);
        Tensor out = Tensor.zeros(DType.FLOAT32, GPU, n), out64 = Tensor.zeros(DType.FLOAT64, GPU, n);
        Tensor sq = a.view(side, side), sqOut = out.view(side, side);
        CudaStorage sa = (CudaStorage) a.storage(), so = (CudaStorage) out.storage();

        measure("d2d memcpy (reference)", 2 * f, () -> be.copyDeviceToDevice(sa, so, f));
        measure("fill f32", f, () -> be.fill(out, 1.5));
        measure("copy f32 dense", 2 * f, () -> be.copy(a, out));
        measure("copy f32 transposed", 2 * f, () -> be.copy(sq.transpose(0, 1), sqOut));
        measure("cast f32->f64", 3 * f, () -> be.copy(a, out64));
        measure("unary relu f32", 2 * f, () -> be.unary(UnaryOp.RELU, a, out));
        measure("unary exp f32", 2 * f, () -> be.unary(UnaryOp.EXP, a, out));
        measure("unary gelu f32", 2 * f, () -> be.unary(UnaryOp.GELU, a, out));
        measure("binary add f32 dense", 3 * f, () -> be.binary(BinaryOp.ADD, a, b, out));
        Tensor row = b.narrow(0, 0, side);
        measure("binary add f32 row broadcast", 2 * f, () -> be.binary(BinaryOp.ADD, sq, row.expand(side, side), sqOut));
        measure("where f32", 4 * f, () -> be.where(a, a, b, out));
        Tensor scalar = Tensor.zeros(DType.FLOAT32, GPU);
        measure("sum f32 all", f, () -> be.reduce(ReduceOp.SUM, a, new int[]{0}, scalar.view(1)));
        Tensor rowsOut = Tensor.zeros(DType.FLOAT32, GPU, side, 1), colsOut = Tensor.zeros(DType.FLOAT32, GPU, 1, side);
        measure("sum f32 last dim", f, () -> be.reduce(ReduceOp.SUM, sq, new int[]{1}, rowsOut));
        measure("sum f32 first dim", f, () -> be.reduce(ReduceOp.SUM, sq, new int[]{0}, colsOut));
        Tensor argOut = Tensor.zeros(DType.INT64, GPU, side, 1);
        measure("argmax f32 last dim", f, () -> be.reduce(ReduceOp.ARGMAX, sq, new int[]{1}, argOut));
        Tensor x2 = a.view(1 << 16, 1 << 10), o2 = out.view(1 << 16, 1 << 10);
        measure("softmax f32 [65536, 1024]", 2 * f, () -> be.softmax(x2, 1, false, o2));
        Tensor mean = Tensor.zeros(DType.FLOAT32, GPU, 1 << 16), rstd = Tensor.zeros(DType.FLOAT32, GPU, 1 << 16);
        measure("layerNorm f32 [65536, 1024]", 2 * f, () -> be.layerNorm(x2, null, null, 1, 1e-5, o2, mean, rstd));
        Tensor x4 = a.view(64, 256, 64, 64), o4 = out.view(64, 256, 64, 64);
        Tensor gm = Tensor.zeros(DType.FLOAT32, GPU, 64, 32), gr = Tensor.zeros(DType.FLOAT32, GPU, 64, 32);
        measure("groupNorm f32 [64, 256, 64, 64] G=32", 2 * f, () -> be.groupNorm(x4, null, null, 32, 1e-5, o4, gm, gr));
        Tensor ids = Rand.randint(new Generator(3), 0, 1 << 16, GPU, 1 << 16);
        measure("indexSelect f32 rows of [65536, 1024]", 2 * f + 8L * (1 << 16), () -> be.indexSelect(x2, 0, ids, o2));
        Tensor small = a.narrow(0, 0, n / 4).view(16, 64, 128, 128);
        measure("upsampleNearest x2 f32 [16, 64, 128, 128]", f / 4 + f, () -> be.upsampleNearest(small, 2, 2, out.view(16, 64, 256, 256)));
        measure("avgPool2d k2 s2 f32 [16, 64, 256, 256]", f + f / 4,
                () -> be.avgPool2d(a.view(16, 64, 256, 256), 2, 2, out.narrow(0, 0, n / 4).view(16, 64, 128, 128)));
        int parts = 256;                                                   // the multi-tensor optimizer ops over 256 tensors of 256 Ki
        List<Tensor> ps = slices(a, parts), gs = slices(b, parts), ms = slices(out, parts),
                vs = slices(Tensor.zeros(DType.FLOAT32, GPU, n), parts);
        AdamHyper h = new AdamHyper(1e-4, 0.9, 0.999, 1e-8, 0.01, true, 1);
        measure("adamStep f32, 256 tensors of 256 Ki", 7 * f, () -> be.adamStep(ps, gs, ms, vs, h));
        measure("emaUpdate f32, 256 tensors of 256 Ki", 3 * f, () -> be.emaUpdate(ms, gs, 0.999));
        measure("random normal f32", f, () -> be.random(Philox.Distribution.NORMAL, 7, 0, 0, 1, out));

        double ref = rows.getFirst().gbs();
        StringBuilder tsv = new StringBuilder("op\tbytes\tms\tGB/s\tfraction of d2d\n");
        for (Row r : rows)
            tsv.append(String.format(Locale.ROOT, "%s\t%d\t%.4f\t%.1f\t%.2f%n", r.op(), r.bytes(), r.ms(), r.gbs(), r.gbs() / ref));
        Files.writeString(dir.resolve("bandwidth.tsv"), tsv);
        CudaContext c = be.context();
        Files.writeString(dir.resolve("device.txt"), "gpu\t" + c.name() + "\nsm\t" + c.computeCapabilityMajor() + "." + c.computeCapabilityMinor()
                + "\nmultiprocessors\t" + c.multiprocessors() + "\nmemory\t" + MemoryStats.human(c.totalMemory())
                + "\ndriver CUDA version\t" + c.driverVersion() + "\nkernels\t" + c.kernelSource() + "\nallocator\t" + be.memoryStats() + "\n");
    }
}
