package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.HostPool;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Storage;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

import java.util.List;

/**
 * The CPU reference backend: plain scalar kernels, parallel over the {@link CpuParallel} pool for
 * the heavy ops. This is the truth every other kernel is tested against (the fast {@link CpuBackend}
 * first of all) and the fallback of every op or layout the fast kernels do not cover. Each method
 * forwards to the family class that holds its kernel.
 */
public final class CpuReferenceBackend implements Backend {
    public static final CpuReferenceBackend INSTANCE = new CpuReferenceBackend();

    private CpuReferenceBackend() {}

    @Override public Device device() { return Device.CPU; }

    @Override public Storage allocate(DType dtype, int length) { return HostPool.take(dtype, length, true); }

    @Override public Storage allocateUninitialized(DType dtype, int length) { return HostPool.take(dtype, length, false); }

    @Override public Storage fromHost(HostStorage host) { return host; }

    @Override public HostStorage toHost(Storage storage) { return (HostStorage) storage; }

    @Override public void fill(Tensor out, double value) { CpuElementwise.fill(out, value); }

    @Override public void copy(Tensor src, Tensor out) { CpuElementwise.copy(src, out); }

    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { CpuElementwise.unary(op, x, out); }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { CpuElementwise.binary(op, a, b, out); }

    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) { CpuElementwise.where(cond, a, b, out); }

    @Override public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) { CpuReduce.reduce(op, x, dims, out); }

    @Override public void matmul(Tensor a, Tensor b, Tensor out) { CpuMatmul.matmul(a, b, out); }

    @Override public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out) { CpuConv.forward(x, w, bias, p, out); }

    @Override public void conv2dBackwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) { CpuConv.backwardInput(dY, w, p, dX); }

    @Override public void conv2dBackwardWeight(Tensor dY, Tensor x, Conv2dParams p, Tensor dW) { CpuConv.backwardWeight(dY, x, p, dW); }

    @Override public void upsampleNearest(Tensor x, int sh, int sw, Tensor out) { CpuResample.upsampleNearest(x, sh, sw, out); }

    @Override public void upsampleNearestBackward(Tensor dY, int sh, int sw, Tensor dX) { CpuResample.upsampleNearestBackward(dY, sh, sw, dX); }

    @Override public void avgPool2d(Tensor x, int k, int s, Tensor out) { CpuResample.avgPool2d(x, k, s, out); }

    @Override public void avgPool2dBackward(Tensor dY, int k, int s, Tensor dX) { CpuResample.avgPool2dBackward(dY, k, s, dX); }

    @Override
    public void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd) {
        CpuNorm.groupNorm(x, gamma, beta, groups, eps, out, mean, rstd);
    }

    @Override
    public void groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        CpuNorm.groupNormBackward(dY, x, gamma, mean, rstd, groups, dX, dGamma, dBeta);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps, Tensor out, Tensor mean, Tensor rstd) {
        CpuNorm.layerNorm(x, gamma, beta, normalizedDims, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        CpuNorm.layerNormBackward(dY, x, gamma, mean, rstd, normalizedDims, dX, dGamma, dBeta);
    }

    @Override public void softmax(Tensor x, int dim, boolean log, Tensor out) { CpuSoftmax.forward(x, dim, log, out); }

    @Override public void softmaxBackward(Tensor dY, Tensor y, int dim, boolean log, Tensor dX) { CpuSoftmax.backward(dY, y, dim, log, dX); }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse) {
        CpuAttention.forward(q, k, v, mask, scale, out, lse);
    }

    @Override
    public void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                                  Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV) {
        CpuAttention.backward(dOut, q, k, v, mask, scale, out, lse, dQ, dK, dV);
    }

    @Override public void gather(Tensor x, int dim, Tensor index, Tensor out) { CpuIndex.gather(x, dim, index, out); }

    @Override public void scatterAdd(Tensor src, int dim, Tensor index, Tensor acc) { CpuIndex.scatterAdd(src, dim, index, acc); }

    @Override public void indexSelect(Tensor x, int dim, Tensor index, Tensor out) { CpuIndex.indexSelect(x, dim, index, out); }

    @Override public void indexAdd(Tensor src, int dim, Tensor index, Tensor acc) { CpuIndex.indexAdd(src, dim, index, acc); }

    @Override
    public void adamStep(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h) {
        CpuOptim.adamStep(params, grads, m, v, h);
    }

    @Override public void emaUpdate(List<Tensor> shadow, List<Tensor> params, double decay) { CpuOptim.emaUpdate(shadow, params, decay); }

    @Override
    public void random(Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out) {
        CpuRandom.fill(dist, seed, offset, a, b, out);
    }
}
