package org.jdiffusion.kernels.cuda;

import jcuda.driver.JCudaDriver;
import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Autocast;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Storage;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;

import java.lang.ref.Reference;
import java.util.List;

/**
 * The CUDA backend of one device: hand-written kernels (kernels/src/main/cuda) launched through
 * JCuda's driver API on the calling thread's current stream. Ops are asynchronous; {@link #toHost}
 * and {@link #synchronize} are the synchronisation points where kernel failures and device-side
 * input errors surface, named by op. Beyond {@link Backend} it exposes streams, events and the
 * memory statistics of its caching allocator. Float32 GEMMs and convolutions run in the precision of
 * {@link #matmulMode()}, or on the bf16 tensor cores inside an {@link Autocast} scope; attention is
 * fused (FlashAttention-2 style, fp32/fp64 SIMT; its operands are rounded to bf16 by the frontend
 * inside a scope).
 */
public final class CudaBackend implements Backend {
    private final CudaContext ctx;
    private final MatmulMode matmulMode = MatmulMode.fromEnvironment();

    CudaBackend(CudaContext ctx) { this.ctx = ctx; }

    /** The precision of float32 GEMMs and convolutions ({@code -Djdiffusion.cuda.matmul}, read when the backend is made). */
    public MatmulMode matmulMode() { return matmulMode; }

    public CudaContext context() { return ctx; }

    @Override public Device device() { return ctx.device(); }

    // ---- runtime ------------------------------------------------------------------------------

    /** The calling thread's current stream on this device (initially the device's default stream). */
    public CudaStream currentStream() { return ctx.currentStream(); }

    /** A new stream of this device; close it when done. */
    public CudaStream newStream() { return ctx.createStream(true); }

    /** Makes {@code stream} current on this thread until the returned scope closes. */
    public StreamScope useStream(CudaStream stream) {
        if (stream.context() != ctx) throw new IllegalArgumentException("useStream: " + stream + " belongs to another device than " + device());
        CudaStream previous = ctx.currentStream();
        ctx.setCurrentStream(stream);
        return () -> ctx.setCurrentStream(previous);
    }

    /** Restores the previous current stream. */
    public interface StreamScope extends AutoCloseable {
        @Override void close();
    }

    /** A new event; with {@code timing} it can measure elapsed device time. */
    public CudaEvent newEvent(boolean timing) { return new CudaEvent(ctx, timing); }

    /** Waits for all work on this device; raises any kernel failure or device-side error. */
    public void synchronize() {
        ctx.bind();
        int rc = JCudaDriver.cuCtxSynchronize();
        if (rc != 0)
            throw new IllegalStateException(device() + ": a CUDA kernel failed (" + CudaDriver.name(rc) + "), noticed at synchronize. Set "
                    + CudaContext.DEBUG_ENV + "=1 to synchronise after every launch and name the failing op.");
        currentStream().synchronize("synchronize");
    }

    public MemoryStats memoryStats() { return ctx.allocator().stats(); }

    /** Returns cached, unused device memory to the driver. */
    public void emptyCache() { ctx.allocator().emptyCache(); }

    public void resetPeakMemory() { ctx.allocator().resetPeaks(); }

    @Override public String toString() { return "CudaBackend[" + ctx + "]"; }

    // ---- memory -------------------------------------------------------------------------------

    private CudaStorage own(Storage s, String op) {
        if (s instanceof CudaStorage c && c.context() == ctx) return c;
        throw new IllegalArgumentException(op + ": storage " + s + " is not on " + device());
    }

    @Override public Storage allocate(DType dtype, int length) {
        CudaStorage s = new CudaStorage(ctx, dtype, length);
        if (length > 0) {
            ctx.bind();
            CudaDriver.check(JCudaDriver.cuMemsetD8Async(ctx.pointer(s.address()), (byte) 0, (long) length * dtype.byteSize(),
                    currentStream().handle()), "cuMemsetD8Async (allocate on " + device() + ")");
        }
        return s;
    }

    /** A block of the caching allocator as it is, for an output the next kernel writes in full. */
    @Override public Storage allocateUninitialized(DType dtype, int length) { return new CudaStorage(ctx, dtype, length); }

    @Override public Storage fromHost(HostStorage host) {
        CudaStorage s = new CudaStorage(ctx, host.dtype(), host.length());
        if (host.length() > 0) ctx.staging().toDevice(host, ctx.pointer(s.address()), currentStream());
        return s;
    }

    @Override public HostStorage toHost(Storage storage) {
        CudaStorage s = own(storage, "toHost");
        HostStorage h = HostStorage.allocate(s.dtype(), s.length());
        if (s.length() == 0) currentStream().synchronize("toHost");
        else ctx.staging().toHost(ctx.pointer(s.address()), h, currentStream());
        Reference.reachabilityFence(s);
        return h;
    }

    /** Copies {@code bytes} from src to dst with the driver's device-to-device copy (the bandwidth reference). */
    void copyDeviceToDevice(CudaStorage src, CudaStorage dst, long bytes) {
        ctx.bind();
        CudaDriver.check(JCudaDriver.cuMemcpyDtoDAsync(ctx.pointer(dst.address()), ctx.pointer(src.address()), bytes,
                currentStream().handle()), "cuMemcpyDtoDAsync");
        Reference.reachabilityFence(src);
        Reference.reachabilityFence(dst);
    }

    // ---- ops ----------------------------------------------------------------------------------

    private static void keep(Tensor... ts) { Reference.reachabilityFence(ts); }

    @Override public void fill(Tensor out, double value) { CudaElementwise.fill(ctx, out, value); keep(out); }

    @Override public void copy(Tensor src, Tensor out) { CudaElementwise.copy(ctx, src, out); keep(src, out); }

    // bfloat16/float16 reach only fill and copy here; the computing ops that the frontend lets them into say so

    @Override public void unary(UnaryOp op, Tensor x, Tensor out) {
        CudaOps.checkNoHalf(op.opName(), x, out);
        CudaElementwise.unary(ctx, op, x, out);
        keep(x, out);
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        CudaOps.checkNoHalf(op.opName(), a, b, out);
        CudaElementwise.binary(ctx, op, a, b, out);
        keep(a, b, out);
    }

    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        CudaOps.checkNoHalf("where", cond, a, b, out);
        CudaElementwise.where(ctx, cond, a, b, out);
        keep(cond, a, b, out);
    }

    @Override public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        CudaOps.checkNoHalf(op.opName(), x, out);
        CudaReductions.reduce(ctx, op, x, dims, out);
        keep(x, out);
    }

    @Override public void matmul(Tensor a, Tensor b, Tensor out) { CudaMatmul.matmul(ctx, a, b, out, activeMode()); keep(a, b, out); }

    /** The bf16 tensor-core kernels take float32 operands and round them while staging (gemm.cuh v4). */
    @Override public boolean multipliesBf16() { return true; }

    /** bf16 inside an {@link Autocast} scope, else the process's {@link #matmulMode()}. */
    MatmulMode activeMode() { return Autocast.bf16Active() ? MatmulMode.BF16 : matmulMode; }

    private GemmVersion gemmVersion(Tensor t) { return CudaMatmul.version(t.dtype(), activeMode()); }

    @Override public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out) {
        CudaConv.forward(ctx, x, w, bias, p, out, gemmVersion(out));
        keep(x, w, bias, out);
    }

    @Override public void conv2dBackwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX) {
        CudaConv.backwardInput(ctx, dY, w, p, dX, gemmVersion(dX));
        keep(dY, w, dX);
    }

    @Override public void conv2dBackwardWeight(Tensor dY, Tensor x, Conv2dParams p, Tensor dW) {
        CudaConv.backwardWeight(ctx, dY, x, p, dW, gemmVersion(dW));
        keep(dY, x, dW);
    }

    @Override public void upsampleNearest(Tensor x, int sh, int sw, Tensor out) { CudaResampling.upsampleNearest(ctx, x, sh, sw, out); keep(x, out); }

    @Override public void upsampleNearestBackward(Tensor dY, int sh, int sw, Tensor dX) {
        CudaResampling.upsampleNearestBackward(ctx, dY, sh, sw, dX);
        keep(dY, dX);
    }

    @Override public void avgPool2d(Tensor x, int k, int s, Tensor out) { CudaResampling.avgPool2d(ctx, x, k, s, out); keep(x, out); }

    @Override public void avgPool2dBackward(Tensor dY, int k, int s, Tensor dX) { CudaResampling.avgPool2dBackward(ctx, dY, k, s, dX); keep(dY, dX); }

    @Override
    public void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd) {
        CudaNorms.groupNorm(ctx, x, gamma, beta, groups, eps, out, mean, rstd);
        keep(x, gamma, beta, out, mean, rstd);
    }

    @Override
    public void groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        CudaNorms.groupNormBackward(ctx, dY, x, gamma, mean, rstd, groups, dX, dGamma, dBeta);
        keep(dY, x, gamma, mean, rstd, dX, dGamma, dBeta);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps, Tensor out, Tensor mean, Tensor rstd) {
        CudaNorms.layerNorm(ctx, x, gamma, beta, normalizedDims, eps, out, mean, rstd);
        keep(x, gamma, beta, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        CudaNorms.layerNormBackward(ctx, dY, x, gamma, mean, rstd, normalizedDims, dX, dGamma, dBeta);
        keep(dY, x, gamma, mean, rstd, dX, dGamma, dBeta);
    }

    @Override public void softmax(Tensor x, int dim, boolean log, Tensor out) { CudaSoftmax.forward(ctx, x, dim, log, out); keep(x, out); }

    @Override public void softmaxBackward(Tensor dY, Tensor y, int dim, boolean log, Tensor dX) {
        CudaSoftmax.backward(ctx, dY, y, dim, log, dX);
        keep(dY, y, dX);
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse) {
        CudaAttention.forward(ctx, q, k, v, mask, scale, out, lse);
        keep(q, k, v, mask, out, lse);
    }

    @Override
    public void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                                  Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV) {
        CudaAttention.backward(ctx, dOut, q, k, v, mask, scale, out, lse, dQ, dK, dV);
        keep(dOut, q, k, v, mask, out, lse, dQ, dK, dV);
    }

    @Override public void gather(Tensor x, int dim, Tensor index, Tensor out) { CudaIndexing.gather(ctx, x, dim, index, out); keep(x, index, out); }

    @Override public void scatterAdd(Tensor src, int dim, Tensor index, Tensor acc) { CudaIndexing.scatterAdd(ctx, src, dim, index, acc); keep(src, index, acc); }

    @Override public void indexSelect(Tensor x, int dim, Tensor index, Tensor out) { CudaIndexing.indexSelect(ctx, x, dim, index, out); keep(x, index, out); }

    @Override public void indexAdd(Tensor src, int dim, Tensor index, Tensor acc) { CudaIndexing.indexAdd(ctx, src, dim, index, acc); keep(src, index, acc); }

    @Override
    public void adamStep(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h) {
        CudaOptim.adamStep(ctx, params, grads, m, v, h);
        Reference.reachabilityFence(params);
        Reference.reachabilityFence(grads);
        Reference.reachabilityFence(m);
        Reference.reachabilityFence(v);
    }

    @Override
    public void emaUpdate(List<Tensor> shadow, List<Tensor> params, double decay) {
        CudaOptim.emaUpdate(ctx, shadow, params, decay);
        Reference.reachabilityFence(shadow);
        Reference.reachabilityFence(params);
    }

    @Override
    public void random(Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out) {
        CudaRandom.fill(ctx, dist, seed, offset, a, b, out);
        keep(out);
    }
}
