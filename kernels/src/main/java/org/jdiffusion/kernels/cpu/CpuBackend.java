package org.jdiffusion.kernels.cpu;

import org.jdiffusion.kernels.cpu.fast.FastAdamW;
import org.jdiffusion.kernels.cpu.fast.FastAttention;
import org.jdiffusion.kernels.cpu.fast.FastConv;
import org.jdiffusion.kernels.cpu.fast.FastConvBackward;
import org.jdiffusion.kernels.cpu.fast.FastElementwise;
import org.jdiffusion.kernels.cpu.fast.FastEma;
import org.jdiffusion.kernels.cpu.fast.FastLayerNorm;
import org.jdiffusion.kernels.cpu.fast.FastMatmul;
import org.jdiffusion.kernels.cpu.fast.FastNorm;
import org.jdiffusion.kernels.cpu.fast.FastRandom;
import org.jdiffusion.kernels.cpu.fast.FastReduce;
import org.jdiffusion.kernels.cpu.fast.FastResample;
import org.jdiffusion.kernels.cpu.fast.FastSoftmax;
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

import java.util.ArrayList;
import java.util.List;

/**
 * The CPU backend of the {@code cpu} device: the fast Vector API kernels of
 * {@code org.jdiffusion.kernels.cpu.fast} where one covers the call (float32, the layouts it
 * handles), the scalar {@link CpuReferenceBackend} for everything else. Which kernel runs is decided
 * here, per call, from dtypes and layouts only, so a result never depends on anything but its inputs.
 */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private static final CpuReferenceBackend REF = CpuReferenceBackend.INSTANCE;

    private CpuBackend() {}

    private static boolean castsBf16(DType from, DType to) {
        return from == DType.FLOAT32 && to == DType.BFLOAT16 || from == DType.BFLOAT16 && to == DType.FLOAT32;
    }

    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.dtype() != DType.FLOAT32) return false;
        return true;
    }

    private static boolean nonEmpty(Tensor... ts) {
        for (Tensor t : ts) if (t.numel() == 0) return false;
        return true;
    }

    @Override public Device device() { return Device.CPU; }

    @Override public Storage allocate(DType dtype, int length) { return HostPool.take(dtype, length, true); }

    @Override public Storage allocateUninitialized(DType dtype, int length) { return HostPool.take(dtype, length, false); }

    @Override public Storage fromHost(HostStorage host) { return host; }

    @Override public HostStorage toHost(Storage storage) { return (HostStorage) storage; }

    // ---- elementwise and reductions -------------------------------------------------------------

    @Override
    public void fill(Tensor out, double value) {
        if (f32(out)) FastElementwise.fill(out, (float) value);
        else REF.fill(out, value);
    }

    @Override
    public void copy(Tensor src, Tensor out) {
        if (f32(src, out)) FastElementwise.copy(src, out);
        else if (castsBf16(src.dtype(), out.dtype())) FastElementwise.castBf16(src, out);
        else REF.copy(src, out);
    }

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        if (f32(x, out) && FastElementwise.handles(op)) FastElementwise.unary(op, x, out);
        else REF.unary(op, x, out);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (f32(a, b, out) && FastElementwise.handles(op)) FastElementwise.binary(op, a, b, out);
        else REF.binary(op, a, b, out);
    }

    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) { REF.where(cond, a, b, out); }

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        if (f32(x, out) && FastReduce.handles(op, x, dims)) FastReduce.reduce(op, x, dims, out);
        else REF.reduce(op, x, dims, out);
    }

    // ---- linear algebra and convolution ---------------------------------------------------------

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        if (f32(a, b, out)) FastMatmul.matmul(a, b, out);
        else REF.matmul(a, b, out);
    }

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out) {
        if (f32(x, w, bias, out) && nonEmpty(x, out)) FastConv.forward(x, w, bias, p, out);
        else REF.conv2d(x, w, bias, p, out);
    }

    @Override
    public void conv2dBackwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) {
        if (f32(dY, w, dX) && nonEmpty(dY, dX)) FastConvBackward.backwardInput(dY, w, p, dX);
        else REF.conv2dBackwardInput(dY, w, p, dX);
    }

    @Override
    public void conv2dBackwardWeight(Tensor dY, Tensor x, Conv2dParams p, Tensor dW) {
        if (f32(dY, x, dW) && nonEmpty(dY, x, dW)) FastConvBackward.backwardWeight(dY, x, p, dW);
        else REF.conv2dBackwardWeight(dY, x, p, dW);
    }

    @Override
    public void upsampleNearest(Tensor x, int sh, int sw, Tensor out) {
        if (f32(x, out) && nonEmpty(out)) FastResample.upsampleNearest(x, sh, sw, out);
        else REF.upsampleNearest(x, sh, sw, out);
    }

    @Override
    public void upsampleNearestBackward(Tensor dY, int sh, int sw, Tensor dX) {
        if (f32(dY, dX) && nonEmpty(dX)) FastResample.upsampleNearestBackward(dY, sh, sw, dX);
        else REF.upsampleNearestBackward(dY, sh, sw, dX);
    }

    @Override public void avgPool2d(Tensor x, int k, int s, Tensor out) { REF.avgPool2d(x, k, s, out); }

    @Override public void avgPool2dBackward(Tensor dY, int k, int s, Tensor dX) { REF.avgPool2dBackward(dY, k, s, dX); }

    // ---- fused normalisation, softmax, attention ------------------------------------------------

    @Override
    public void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd) {
        if (f32(x, gamma, beta, out, mean, rstd) && nonEmpty(x)) FastNorm.groupNorm(x, gamma, beta, groups, eps, out, mean, rstd);
        else REF.groupNorm(x, gamma, beta, groups, eps, out, mean, rstd);
    }

    @Override
    public void groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        if (f32(dY, x, gamma, mean, rstd, dX, dGamma, dBeta) && nonEmpty(x))
            FastNorm.groupNormBackward(dY, x, gamma, mean, rstd, groups, dX, dGamma, dBeta);
        else REF.groupNormBackward(dY, x, gamma, mean, rstd, groups, dX, dGamma, dBeta);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps, Tensor out, Tensor mean, Tensor rstd) {
        if (f32(x, gamma, beta, out, mean, rstd) && nonEmpty(x)) FastLayerNorm.forward(x, gamma, beta, normalizedDims, eps, out, mean, rstd);
        else REF.layerNorm(x, gamma, beta, normalizedDims, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        if (f32(dY, x, gamma, mean, rstd, dX, dGamma, dBeta) && nonEmpty(x))
            FastLayerNorm.backward(dY, x, gamma, mean, rstd, normalizedDims, dX, dGamma, dBeta);
        else REF.layerNormBackward(dY, x, gamma, mean, rstd, normalizedDims, dX, dGamma, dBeta);
    }

    @Override
    public void softmax(Tensor x, int dim, boolean log, Tensor out) {
        if (f32(x, out) && nonEmpty(x)) FastSoftmax.forward(x, dim, log, out);
        else REF.softmax(x, dim, log, out);
    }

    @Override
    public void softmaxBackward(Tensor dY, Tensor y, int dim, boolean log, Tensor dX) {
        if (f32(dY, y, dX) && nonEmpty(y)) FastSoftmax.backward(dY, y, dim, log, dX);
        else REF.softmaxBackward(dY, y, dim, log, dX);
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse) {
        if (f32(q, k, v, mask, out, lse) && nonEmpty(q, k, v)) FastAttention.forward(q, k, v, mask, scale, out, lse);
        else REF.attention(q, k, v, mask, scale, out, lse);
    }

    @Override
    public void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                                  Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV) {
        if (f32(dOut, q, k, v, mask, out, lse, dQ, dK, dV) && nonEmpty(q, k, v))
            FastAttention.backward(dOut, q, k, v, mask, scale, out, lse, dQ, dK, dV);
        else REF.attentionBackward(dOut, q, k, v, mask, scale, out, lse, dQ, dK, dV);
    }

    // ---- optimizers: float32 positions to the fast kernels, the others to the reference -------------

    @Override
    public void adamStep(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h) {
        List<List<Tensor>> fast = split(true, params, grads, m, v), ref = split(false, params, grads, m, v);
        if (!fast.getFirst().isEmpty()) FastAdamW.step(fast.get(0), fast.get(1), fast.get(2), fast.get(3), h);
        if (!ref.getFirst().isEmpty()) REF.adamStep(ref.get(0), ref.get(1), ref.get(2), ref.get(3), h);
    }

    @Override
    public void emaUpdate(List<Tensor> shadow, List<Tensor> params, double decay) {
        List<List<Tensor>> fast = split(true, shadow, params), ref = split(false, shadow, params);
        if (!fast.getFirst().isEmpty()) FastEma.update(fast.get(0), fast.get(1), decay);
        if (!ref.getFirst().isEmpty()) REF.emaUpdate(ref.get(0), ref.get(1), decay);
    }

    /** The positions whose tensors are (or, with f32 false, are not) float32, each list filtered alike. */
    @SafeVarargs
    private static List<List<Tensor>> split(boolean f32, List<Tensor>... lists) {
        List<List<Tensor>> out = new ArrayList<>();
        for (List<Tensor> l : lists) {
            List<Tensor> kept = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) if ((lists[0].get(i).dtype() == DType.FLOAT32) == f32) kept.add(l.get(i));
            out.add(kept);
        }
        return out;
    }

    // ---- indexing (reference kernels) and randomness ----------------------------------------------

    @Override public void gather(Tensor x, int dim, Tensor index, Tensor out) { REF.gather(x, dim, index, out); }

    @Override public void scatterAdd(Tensor src, int dim, Tensor index, Tensor acc) { REF.scatterAdd(src, dim, index, acc); }

    @Override public void indexSelect(Tensor x, int dim, Tensor index, Tensor out) { REF.indexSelect(x, dim, index, out); }

    @Override public void indexAdd(Tensor src, int dim, Tensor index, Tensor acc) { REF.indexAdd(src, dim, index, acc); }

    @Override
    public void random(Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out) {
        if (out.isContiguous() && nonEmpty(out)) FastRandom.fill(dist, seed, offset, a, b, out);
        else REF.random(dist, seed, offset, a, b, out);
    }
}
