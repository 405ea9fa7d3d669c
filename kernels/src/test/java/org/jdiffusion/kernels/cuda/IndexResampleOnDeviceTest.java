package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.jdiffusion.kernels.cuda.NormSoftmaxOnDeviceTest.run;
import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;
import static org.jdiffusion.kernels.cuda.OpSuite.input;
import static org.jdiffusion.kernels.cuda.OpSuite.poisoned;
import static org.jdiffusion.kernels.cuda.OpSuite.stridedOn;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gather / scatterAdd / indexSelect / indexAdd, nearest upsampling and average pooling against plain loops. */
class IndexResampleOnDeviceTest {
    static final DType[] ALL = {DType.FLOAT32, DType.FLOAT64, DType.INT64};

    static Stream<Device> devices() { return OpSuite.devices(); }

    @ParameterizedTest @MethodSource("devices")
    void gatherAndScatterAddAlongTheMiddleDim(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(111);
        int a = 4, b = 6, c = 5, k = 3;
        for (DType dt : ALL) {
            Tensor x = input(g, dt, a, b, c), src = input(g, dt, a, k, c);
            Tensor index = Rand.randint(g, 0, b, Device.CPU, a, k, c);
            double[] xv = x.toDoubleArray(), sv = src.toDoubleArray(), gathered = new double[a * k * c], acc = new double[a * b * c];
            long[] iv = index.toLongArray();
            for (int i = 0; i < a; i++)
                for (int j = 0; j < k; j++)
                    for (int l = 0; l < c; l++) {
                        int p = (i * k + j) * c + l, q = (int) iv[p];
                        gathered[p] = xv[(i * b + q) * c + l];
                        acc[(i * b + q) * c + l] += sv[p];
                    }
            run(d, () -> {
                Tensor out = poisoned(dt, d, a, k, c);
                be.gather(stridedOn(x, d), 1, index.to(d), out);
                assertClose(Tensor.of(gathered, a, k, c), out);
                Tensor sum = Tensor.zeros(dt, d, a, b, c);
                be.scatterAdd(stridedOn(src, d), 1, stridedOn(index, d), sum);
                assertClose(Tensor.of(acc, a, b, c), sum);
            });
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void indexSelectAndIndexAddAlongEachDimWithRepeatedIndices(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(222);
        int rows = 7, cols = 9;
        long[] idx = {3, 0, 3, 6, 1};
        for (DType dt : ALL)
            for (int dim = 0; dim < 2; dim++) {
                Tensor x = input(g, dt, rows, cols);
                int[] outShape = dim == 0 ? new int[]{idx.length, cols} : new int[]{rows, idx.length};
                Tensor src = input(g, dt, outShape);
                double[] xv = x.toDoubleArray(), sv = src.toDoubleArray(), sel = new double[idx.length * (dim == 0 ? cols : rows)];
                double[] acc = new double[rows * cols];
                for (int i = 0; i < outShape[0]; i++)
                    for (int j = 0; j < outShape[1]; j++) {
                        int xi = dim == 0 ? (int) idx[i] : i, xj = dim == 0 ? j : (int) idx[j];
                        sel[i * outShape[1] + j] = xv[xi * cols + xj];
                        acc[xi * cols + xj] += sv[i * outShape[1] + j];
                    }
                final int fd = dim;
                Tensor index = Tensor.ofLongs(idx, idx.length);
                run(d, () -> {
                    Tensor out = poisoned(dt, d, outShape);
                    be.indexSelect(stridedOn(x, d), fd, stridedOn(index, d), out);
                    assertClose(Tensor.of(sel, outShape), out);
                    Tensor sum = Tensor.zeros(dt, d, rows, cols);
                    be.indexAdd(stridedOn(src, d), fd, index.to(d), sum);
                    assertClose(Tensor.of(acc, rows, cols), sum);
                });
            }
    }

    @Test @RequiresCuda
    void anIndexOutOfRangeIsReportedAtTheNextSynchronisationNamingTheOp() {
        Device d = Device.cuda(0);
        Backend be = Backends.of(d);
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3).to(d);
        Tensor out = Tensor.zeros(DType.FLOAT32, d, 2, 2);
        be.gather(x, 1, Tensor.ofLongs(new long[]{0, 9, 2, 1}, 2, 2).to(d), out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, out::toHost);
        assertTrue(e.getMessage().startsWith("gather: index 9 is out of range for dim 1 of size 3 (expected 0 <= index < 3)"), e.getMessage());
        Tensor ok = Tensor.zeros(DType.FLOAT32, d, 2, 2);  // the flag was cleared: later ops run normally
        be.gather(x, 1, Tensor.ofLongs(new long[]{2, 0, 1, 1}, 2, 2).to(d), ok);
        assertClose(Tensor.of(new float[]{3, 1, 5, 5}, 2, 2), ok);
    }

    @ParameterizedTest @MethodSource("devices")
    void nearestUpsamplingForwardAndBackward(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(333);
        int n = 2, c = 3, h = 5, w = 4, sh = 2, sw = 3;
        for (DType dt : ALL) {
            Tensor x = input(g, dt, n, c, h, w), dY = input(g, dt, n, c, h * sh, w * sw);
            double[] xv = x.toDoubleArray(), gv = dY.toDoubleArray();
            double[] up = new double[n * c * h * sh * w * sw], dX = new double[n * c * h * w];
            for (int p = 0; p < n * c; p++)
                for (int i = 0; i < h * sh; i++)
                    for (int j = 0; j < w * sw; j++) {
                        int o = (p * h * sh + i) * w * sw + j, q = (p * h + i / sh) * w + j / sw;
                        up[o] = xv[q];
                        dX[q] += gv[o];
                    }
            run(d, () -> {
                Tensor out = poisoned(dt, d, n, c, h * sh, w * sw);
                be.upsampleNearest(stridedOn(x, d), sh, sw, out);
                assertClose(Tensor.of(up, n, c, h * sh, w * sw), out);
                Tensor gx = poisoned(dt, d, n, c, h, w);
                be.upsampleNearestBackward(stridedOn(dY, d), sh, sw, gx);
                assertClose(Tensor.of(dX, n, c, h, w), gx);
            });
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void averagePoolingForwardAndBackwardWithOverlappingWindows(Device d) {
        Backend be = OpSuite.backend(d);
        Generator g = new Generator(444);
        int n = 2, c = 3, h = 9, w = 8;
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (int[] ks : new int[][]{{3, 2}, {2, 2}, {3, 1}}) {
                int k = ks[0], s = ks[1], ho = (h - k) / s + 1, wo = (w - k) / s + 1;
                Tensor x = input(g, dt, n, c, h, w), dY = input(g, dt, n, c, ho, wo);
                double[] xv = x.toDoubleArray(), gv = dY.toDoubleArray(), pooled = new double[n * c * ho * wo], dX = new double[n * c * h * w];
                for (int p = 0; p < n * c; p++)
                    for (int i = 0; i < ho; i++)
                        for (int j = 0; j < wo; j++)
                            for (int a = 0; a < k; a++)
                                for (int b = 0; b < k; b++) {
                                    int q = (p * h + i * s + a) * w + j * s + b, o = (p * ho + i) * wo + j;
                                    pooled[o] += xv[q] / (k * k);
                                    dX[q] += gv[o] / (k * k);
                                }
                run(d, () -> {
                    Tensor out = poisoned(dt, d, n, c, ho, wo);
                    be.avgPool2d(stridedOn(x, d), k, s, out);
                    assertClose(Tensor.of(pooled, n, c, ho, wo), out);
                    Tensor gx = poisoned(dt, d, n, c, h, w);
                    be.avgPool2dBackward(stridedOn(dY, d), k, s, gx);
                    assertClose(Tensor.of(dX, n, c, h, w), gx);
                });
            }
    }
}
