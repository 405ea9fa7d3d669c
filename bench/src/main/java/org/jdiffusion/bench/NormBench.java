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
 * Group norm (8 groups) over the U-Net's activations [64, C, S, S] and layer norm over rows
 * [64·S·S, C]: forward moves 8 bytes per element (x in, y out), backward 12 (dY, x in, dX out).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djdiffusion.cpu=fast"})
public class NormBench {
    @Param({"64x28", "128x14", "64x7"})
    public String shape;

    @Param({"fast", "reference"})
    public String backend;

    private Backend be;
    private Tensor x, dy, gamma, beta, out, mean, rstd, dx, dg, db;
    private Tensor rows, rowsDy, lnGamma, lnBeta, lnOut, lnMean, lnRstd, lnDx, lnDg, lnDb;
    private double mbytes;

    @Setup(Level.Trial)
    public void setup() {
        be = Work.backend(backend);
        Generator g = new Generator(5);
        int c = Integer.parseInt(shape.substring(0, shape.indexOf('x'))), s = Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
        x = Work.randn(g, 64, c, s, s);
        dy = Work.randn(g, 64, c, s, s);
        gamma = Work.randn(g, c);
        beta = Work.randn(g, c);
        out = Tensor.zeros(64, c, s, s);
        dx = Tensor.zeros(64, c, s, s);
        mean = Tensor.zeros(64, 8);
        rstd = Tensor.zeros(64, 8);
        dg = Tensor.zeros(c);
        db = Tensor.zeros(c);
        be.groupNorm(x, gamma, beta, 8, 1e-5, out, mean, rstd);
        int r = 64 * s * s;
        rows = Work.randn(g, r, c);
        rowsDy = Work.randn(g, r, c);
        lnGamma = Work.randn(g, c);
        lnBeta = Work.randn(g, c);
        lnOut = Tensor.zeros(r, c);
        lnDx = Tensor.zeros(r, c);
        lnMean = Tensor.zeros(r);
        lnRstd = Tensor.zeros(r);
        lnDg = Tensor.zeros(c);
        lnDb = Tensor.zeros(c);
        be.layerNorm(rows, lnGamma, lnBeta, 1, 1e-5, lnOut, lnMean, lnRstd);
        mbytes = 4.0 * x.numel() / 1e6;
    }

    @Benchmark
    public Tensor groupNormForward(Work.Bytes b) {
        be.groupNorm(x, gamma, beta, 8, 1e-5, out, mean, rstd);
        b.mbyte += 2 * mbytes;
        return out;
    }

    @Benchmark
    public Tensor groupNormBackward(Work.Bytes b) {
        be.groupNormBackward(dy, x, gamma, mean, rstd, 8, dx, dg, db);
        b.mbyte += 3 * mbytes;
        return dx;
    }

    @Benchmark
    public Tensor layerNormForward(Work.Bytes b) {
        be.layerNorm(rows, lnGamma, lnBeta, 1, 1e-5, lnOut, lnMean, lnRstd);
        b.mbyte += 2 * mbytes;
        return lnOut;
    }

    @Benchmark
    public Tensor layerNormBackward(Work.Bytes b) {
        be.layerNormBackward(rowsDy, rows, lnGamma, lnMean, lnRstd, 1, lnDx, lnDg, lnDb);
        b.mbyte += 3 * mbytes;
        return lnDx;
    }
}
