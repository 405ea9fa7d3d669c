package org.jdiffusion.tensor;

import java.util.List;

/**
 * The closed list of primitive and fused ops that every device implements. The frontend
 * ({@link Tensor} and the op classes beside it) checks shapes, dtypes and devices, allocates every
 * output and broadcasts inputs as views; a backend only computes. Contract for every method:
 * <ul>
 *   <li>all tensors are on {@link #device()}; inputs may be any strided view (including stride-0
 *       broadcast dims); outputs are freshly allocated or caller-owned, never broadcast, and may
 *       alias an input only where a method says so (in-place forms);</li>
 *   <li>nothing is read back to the host: results stay in device storage.</li>
 * </ul>
 * Where each op lives: {@link OpTable} declares, for every method here, its CPU reference
 * ({@code org.jdiffusion.kernels.cpu.Cpu*}), fast CPU kernel, CUDA kernel ({@code kernels/src/main/cuda/*.cu})
 * and backward rule (autograd's {@code *Functions}); tests hold it against this interface, and OPS.md at
 * the repository root is generated from it.
 */
public interface Backend {
    Device device();

    // ---- memory -------------------------------------------------------------------------------

    /** A zero-filled storage of {@code length} elements. */
    Storage allocate(DType dtype, int length);

    /**
     * A storage of {@code length} elements whose values are unspecified, for an output that the op
     * about to run writes in full (no zero-fill on devices that can skip it).
     */
    default Storage allocateUninitialized(DType dtype, int length) { return allocate(dtype, length); }

    /** Copies host data into a new storage on this device. */
    Storage fromHost(HostStorage host);

    /** Copies a storage of this device into host memory (a synchronisation point). */
    HostStorage toHost(Storage storage);

    // ---- elementwise --------------------------------------------------------------------------

    /** out[i] = value. */
    void fill(Tensor out, double value);

    /** out[i] = (out.dtype) src[i]; shapes equal, dtypes may differ (a cast). May not overlap. */
    void copy(Tensor src, Tensor out);

    /** out[i] = op(x[i]); x and out have one shape and dtype; out may be x (in place). */
    void unary(UnaryOp op, Tensor x, Tensor out);

    /**
     * out[i] = op(a[i], b[i]); a, b, out have one shape (a, b broadcast as views) and one dtype;
     * out may be a (in place).
     */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out[i] = cond[i] != 0 ? a[i] : b[i]; all one shape; cond of any dtype. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    // ---- reductions ---------------------------------------------------------------------------

    /**
     * Reduces x over {@code dims} (sorted, distinct) into out, whose shape is x's with those dims set
     * to 1 (keepdim layout). For ARGMAX/ARGMIN out is int64 (see {@link ReduceOp}).
     */
    void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out);

    // ---- linear algebra and convolution -------------------------------------------------------

    /** out[b] = a[b] · bm[b]: a [B, M, K], bm [B, K, N], out [B, M, N], float dtypes. */
    void matmul(Tensor a, Tensor b, Tensor out);

    /**
     * Whether float32 matmul and conv2d (all three passes) round their inputs to bfloat16 themselves
     * while {@link Autocast#bf16Active()} (tensor-core kernels); when false the frontends round them.
     */
    default boolean multipliesBf16() { return false; }

    /** y = conv(x, w) + bias: x [N, C, H, W], w [O, C/g, kH, kW], bias [O] or null, out [N, O, Ho, Wo]. */
    void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dParams p, Tensor out);

    /** dX = convᵀ(dY, w): the gradient of conv2d for its input; dX is overwritten. */
    void conv2dBackwardInput(Tensor dY, Tensor w, Conv2dParams p, Tensor dX);

    /** dW = Σ_n dY ⋆ x: the gradient of conv2d for its weight; dW is overwritten. */
    void conv2dBackwardWeight(Tensor dY, Tensor x, Conv2dParams p, Tensor dW);

    /** Nearest upsampling by integer factors: x [N, C, H, W] → out [N, C, H·sh, W·sw]. */
    void upsampleNearest(Tensor x, int sh, int sw, Tensor out);

    /** dX[n,c,i,j] = Σ over the sh×sw block of dY; dX is overwritten. */
    void upsampleNearestBackward(Tensor dY, int sh, int sw, Tensor dX);

    /** Average pooling, kernel k×k, stride s, no padding: x [N, C, H, W] → out [N, C, (H−k)/s+1, (W−k)/s+1]. */
    void avgPool2d(Tensor x, int k, int s, Tensor out);

    /** The gradient of avgPool2d: each dY spread evenly over its window; dX is overwritten. */
    void avgPool2dBackward(Tensor dY, int k, int s, Tensor dX);

    // ---- fused normalisation, softmax, attention ----------------------------------------------

    /**
     * Group norm over x [N, C, *] with G groups: per (n, g) mean μ and rstd = 1/√(σ² + eps)
     * (biased σ²), out = (x − μ)·rstd·γ[c] + β[c]. γ, β [C] or both null. mean, rstd [N, G] float
     * are saved for the backward.
     */
    void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd);

    /** Gradients of groupNorm; dGamma/dBeta are null when γ, β were. All outputs overwritten. */
    void groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups,
                           Tensor dX, Tensor dGamma, Tensor dBeta);

    /**
     * Layer norm over the trailing dims that γ's shape covers: x viewed as [R, D], per row μ, rstd,
     * out = (x − μ)·rstd·γ + β; γ, β of D elements or both null; mean, rstd [R].
     */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps, Tensor out, Tensor mean, Tensor rstd);

    void layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims,
                           Tensor dX, Tensor dGamma, Tensor dBeta);

    /** out = softmax(x) (or log_softmax when {@code log}) along {@code dim}. */
    void softmax(Tensor x, int dim, boolean log, Tensor out);

    /**
     * Given y = softmax(x) (or log_softmax), dX = y ⊙ (dY − Σ dY⊙y) (or dY − exp(y)·Σ dY);
     * dX is overwritten.
     */
    void softmaxBackward(Tensor dY, Tensor y, int dim, boolean log, Tensor dX);

    /**
     * Scaled dot-product attention: q [B, H, Tq, D], k, v [B, H, Tk, D(v)], out [B, H, Tq, Dv],
     * out = softmax(q·kᵀ·scale + mask)·v, mask broadcast to [B, H, Tq, Tk] additive (−∞ blocks) or
     * null. lse [B, H, Tq] float receives the row log-sum-exp of the scaled, masked scores.
     */
    void attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, Tensor out, Tensor lse);

    /** Gradients of attention for q, k, v from the saved out and lse; all three overwritten. */
    void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                           Tensor out, Tensor lse, Tensor dQ, Tensor dK, Tensor dV);

    // ---- indexing -----------------------------------------------------------------------------

    /** out[..., i, ...] = x[..., index[..., i, ...], ...] along dim; index int64 of out's shape. */
    void gather(Tensor x, int dim, Tensor index, Tensor out);

    /** acc[..., index[..., i, ...], ...] += src[..., i, ...] along dim (the backward of gather). */
    void scatterAdd(Tensor src, int dim, Tensor index, Tensor acc);

    /** out = x with dim restricted to the int64 1-D {@code index} entries, in order. */
    void indexSelect(Tensor x, int dim, Tensor index, Tensor out);

    /** acc[..., index[i], ...] += src[..., i, ...] along dim (the backward of indexSelect). */
    void indexAdd(Tensor src, int dim, Tensor index, Tensor acc);

    // ---- optimizers: fused, many tensors per call ----------------------------------------------

    /**
     * One Adam step over many parameters at once, the update of {@link AdamHyper} applied to every
     * element of every position i: params[i], m[i], v[i] are updated in place, grads[i] is only
     * read. At each position the four tensors have one shape and one floating dtype; positions may
     * differ in shape and dtype. Unlike the other ops, every tensor is contiguous (a flat run from
     * its offset), and no written tensor overlaps another tensor of the call. Arithmetic in at least
     * float32 for float32 tensors and float64 for float64 (the CPU reference uses float64 throughout).
     */
    void adamStep(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h);

    /**
     * shadow[i] ← decay·shadow[i] + (1 − decay)·params[i] elementwise for every position i (an
     * exponential moving average of weights); shadow[i] and params[i] of one shape and floating
     * dtype, all contiguous, no shadow overlapping another tensor of the call; decay in [0, 1].
     */
    void emaUpdate(List<Tensor> shadow, List<Tensor> params, double decay);

    // ---- randomness ---------------------------------------------------------------------------

    /**
     * Fills out with draws from the Philox-4x32-10 stream keyed by (seed, offset), element i (in
     * row-major order of out) using counter offset + i exactly as {@link Philox} documents.
     */
    void random(Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out);
}
