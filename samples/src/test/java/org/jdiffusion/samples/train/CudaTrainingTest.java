package org.jdiffusion.samples.train;

import org.jdiffusion.kernels.cuda.RequiresCuda;
import org.jdiffusion.nn.io.TrainingCheckpoint;
import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.samples.io.Npy;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference U-Net trains and samples on the GPU as on the CPU: the same seed gives the same
 * losses step by step and the same weights within float32 tolerance (fp32 GEMM mode, the default;
 * the two devices sum in different orders, so bits differ), and DDIM samples agree.
 */
@RequiresCuda
class CudaTrainingTest {
    @TempDir Path dir;

    private Path train(Path data, String device) { return train(data, device, "fp32"); }

    private Path train(Path data, String device, String precision) {
        Path out = dir.resolve(device.replace(':', '-') + "-" + precision);
        ProgramRuns.ok("train", "--data-dir", data.toString(), "--model", "unet", "--batch", "8", "--steps", "6", "--lr", "1e-3",
                "--warmup", "0", "--log-every", "1", "--preview", "0", "--seed", "3", "--device", device, "--precision", precision,
                "--output", out.toString());
        return out;
    }

    /**
     * bf16 autocast: the GPU's bf16 tensor-core GEMMs and convolutions against the CPU's frontend
     * rounding. Both multiply the same bf16 values; they sum in different orders, and an activation
     * that lands near a bf16 rounding boundary may round the other way, so the losses agree to
     * about bf16 precision rather than float32's.
     */
    @Test void bf16AutocastTrainsOnTheGpuAsOnTheCpu() throws Exception {
        Path data = TrainSampleTest.syntheticMnist(dir.resolve("mnist"), 16);
        double[] a = losses(train(data, "cpu", "bf16")), b = losses(train(data, "cuda:0", "bf16"));
        assertEquals(6, b.length);
        for (int i = 0; i < a.length; i++)
            assertEquals(a[i], b[i], 1e-2 * Math.abs(a[i]) + 1e-4, "bf16 loss at step " + (i + 1) + ": cpu " + a[i] + ", cuda " + b[i]);
    }

    /**
     * The small U-Net, two steps: quick enough for the CUDA driver emulator, where the build runs it
     * (kernels/README.md); the losses and gradient norms agree as in the reference U-Net's test.
     */
    @Test void theTinyUNetTrainsOnTheGpuAsOnTheCpu() throws Exception {
        Path data = TrainSampleTest.syntheticMnist(dir.resolve("mnist"), 8);
        double[][] cols = new double[2][];
        double[][] norms = new double[2][];
        String[] devices = {"cpu", "cuda:0"};
        for (int d = 0; d < 2; d++) {
            Path out = dir.resolve("tiny-" + d);
            ProgramRuns.ok("train", "--data-dir", data.toString(), "--model", "tiny", "--batch", "2", "--steps", "2", "--lr", "1e-3",
                    "--warmup", "0", "--log-every", "1", "--preview", "0", "--seed", "5", "--device", devices[d], "--output", out.toString());
            cols[d] = losses(out);
            norms[d] = column(out, 3);
        }
        assertEquals(2, cols[1].length);
        for (int i = 0; i < 2; i++) {
            assertEquals(cols[0][i], cols[1][i], 2e-3 * Math.abs(cols[0][i]) + 1e-5, "loss at step " + (i + 1));
            assertEquals(norms[0][i], norms[1][i], 2e-3 * Math.abs(norms[0][i]) + 1e-5, "gradient norm at step " + (i + 1));
        }
    }

    private static double[] losses(Path run) throws Exception { return column(run, 1); }

    /** Column c of the run's log.csv (step, loss, lr, grad_norm, elapsed_s). */
    private static double[] column(Path run, int c) throws Exception {
        List<String> rows = Files.readAllLines(run.resolve("log.csv"));
        return rows.stream().skip(1).mapToDouble(r -> Double.parseDouble(r.split(",")[c])).toArray();
    }

    @Test void theReferenceUNetTrainsAndSamplesOnTheGpuAsOnTheCpu() throws Exception {
        Path data = TrainSampleTest.syntheticMnist(dir.resolve("mnist"), 16);
        Path cpu = train(data, "cpu"), gpu = train(data, "cuda:0");
        double[] a = losses(cpu), b = losses(gpu);
        assertEquals(6, a.length);
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++)
            assertEquals(a[i], b[i], 2e-3 * Math.abs(a[i]) + 1e-5, "loss at step " + (i + 1) + ": cpu " + a[i] + ", cuda " + b[i]);
        var ca = TrainingCheckpoint.read(cpu.resolve("checkpoint.safetensors"));
        var cb = TrainingCheckpoint.read(gpu.resolve("checkpoint.safetensors"));
        for (var e : ca.model().entrySet()) {
            float[] x = e.getValue().toFloatArray(), y = cb.model().get(e.getKey()).toFloatArray();
            double worst = 0;
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
            // six Adam steps of lr 1e-3 move a weight by at most ~6e-3; rounding differences stay far below
            assertTrue(worst < 1e-4, e.getKey() + ": cpu and cuda weights differ by up to " + worst);
        }
        Path sc = dir.resolve("s-cpu"), sg = dir.resolve("s-gpu");
        for (String[] d : new String[][]{{"cpu", sc.toString()}, {"cuda:0", sg.toString()}})
            ProgramRuns.ok("sample", "--checkpoint", cpu.resolve("checkpoint.safetensors").toString(), "--sampler", "ddim", "--steps", "5",
                    "--count", "4", "--guidance", "2", "--seed", "1", "--device", d[0], "--output", d[1]);
        Tensor x = Npy.read(sc.resolve("samples.npy")).toTensor(), y = Npy.read(sg.resolve("samples.npy")).toTensor();
        float[] xs = x.toFloatArray(), ys = y.toFloatArray();
        double worst = 0;
        for (int i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(xs[i] - ys[i]));
        assertTrue(worst < 1e-2, "cpu and cuda DDIM samples differ by up to " + worst);
    }
}
