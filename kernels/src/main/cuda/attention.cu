// Fused scaled-dot-product attention, forward and backward (FlashAttention-2, Dao 2023, Alg. 1 and 2):
// tiled over keys with an online softmax, so no Tq x Tk score matrix ever exists in memory.
//
// Shape legend (BH = B*H): q, dQ [B, H, Tq, D]; k, dK [B, H, Tk, D]; v, dV [B, H, Tk, Dv];
// out, dOut [B, H, Tq, Dv]; lse [B, H, Tq]; mask [B, H, Tq, Tk] additive (-inf blocks; any broadcast
// view) or null. Each tensor is addressed through its own element strides (AttnView: b, h, t, d; lse
// has d = 0), so the transposed q, k, v views of SpatialSelfAttention are read in place. rowdot
// [BH * Tq] is the backward's dense scratch.
//
//   forward   s_ij = scale*q_i.k_j + mask_ij;  m, l, o updated per key tile:  m' = max(m, max_j s_ij),
//             o = o*e^(m - m') + sum_j e^(s_ij - m') v_j,  l likewise;  out_i = o/l,  lse_i = m + log l
//   backward  rowdot_i = dO_i.O_i  (attention_bwd_rowdot);  P_ij = e^(s_ij - lse_i),
//             dS_ij = P_ij (dO_i.v_j - rowdot_i);  dV_j = sum_i P_ij dO_i,  dK_j = scale sum_i dS_ij q_i
//             (attention_bwd_dkdv, parallel over key tiles),  dQ_i = scale sum_j dS_ij k_j
//             (attention_bwd_dq, parallel over query tiles: a second pass that recomputes s and dO.v
//             instead of atomics into dQ, so every result is written once, in any dtype and layout,
//             and bit-identical run to run; it costs 2 of the backward's 7 products).
// A fully masked row (every s_ij = -inf) gives out_i = 0, lse_i = -inf and no gradient, as CpuAttention.
//
// Threads: a block of ATTN_THREADS threads owns ROWS = ATTN_THREADS / G rows (query rows forward and
// for dQ, key rows for dK/dV); the G lanes of a row hold its vectors in registers, lane l owning dims
// l, l + G, l + 2G, ... (DPL of them), and sum a dot product with log2(G) xor shuffles, which leaves
// the same bits in every lane. The other operand streams through shared memory in tiles of BK rows.
// Variants: D = Dv in {16, 32, 64, 128} with exact trip counts, and "any" for D, Dv <= 256 (guarded).
// Compute in the tensors' dtype (float32 or float64), expf/exp, no tensor cores.
//
// FLOPs: forward 2*BH*Tq*Tk*(D + Dv); backward 2*BH*Tq*Tk*(4D + 3Dv) with the two recomputed products
// (plus BH*Tq*Tk exponentials per pass).
// Bytes moved (s = dtype size; with R = ROWS, K and V are re-read once per query tile, from L2 mostly):
// forward s*BH*(Tq*D + Tq*Dv + Tq + ceil(Tq/R)*Tk*(D + Dv)) (+ Tq*Tk mask); backward about 3x that.
#include "common.cuh"

#define ATTN_THREADS 128

struct AttnView {  // element strides of a [B, H, T, D] tensor
    int b, h, t, d;
};
struct AttnDims {
    int H, Tq, Tk, D, Dv;
};

template <typename T> struct AttnMath;
template <> struct AttnMath<float> {
    __device__ static __forceinline__ float exp(float x) { return expf(x); }
    __device__ static __forceinline__ float log(float x) { return logf(x); }
    __device__ static __forceinline__ float ninf() { return -jd_inf_f(); }
};
template <> struct AttnMath<double> {
    __device__ static __forceinline__ double exp(double x) { return ::exp(x); }
    __device__ static __forceinline__ double log(double x) { return ::log(x); }
    __device__ static __forceinline__ double ninf() { return -jd_inf_d(); }
};

// One variant: G lanes per row, DPL dims per lane, head-dim capacity HD = G*DPL, EXACT when D = Dv = HD.
// BK rows per shared tile (two tiles of BK x LD elements, at most ~32 KiB); LD pads a shared row by one
// element so both the row-wise and the column-wise tile fill are free of bank conflicts.
template <typename T, int G_, int DPL_, bool EXACT_> struct AttnCfg {
    static constexpr int G = G_, DPL = DPL_, HD = G_ * DPL_, ROWS = ATTN_THREADS / G_, LD = HD + 1;
    static constexpr bool EXACT = EXACT_;
    static constexpr int BK_RAW = 16384 / (int)(sizeof(T) * HD);
    static constexpr int BK = BK_RAW > 32 ? 32 : (BK_RAW < 8 ? 8 : BK_RAW);
};

// Sum over the G lanes of a row (G a power of two <= 32, rows aligned to G lanes); every lane gets the same bits.
template <int G, typename T>
__device__ __forceinline__ T attn_group_sum(T v) {
#pragma unroll
    for (int o = G / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// sh[r][c] = src[(r0 + r)*sr + c*sc] for r < BK, c < HD; zero where r0 + r >= rows or c >= n. The
// threads walk along whichever stride is 1, so global reads coalesce for row-major and transposed views.
template <typename T, int BK, int HD, int LD>
__device__ __forceinline__ void attn_load_tile(T* sh, const T* src, int sr, int sc, int r0, int rows, int n) {
    if (sc == 1) {
        for (int e = threadIdx.x; e < BK * HD; e += ATTN_THREADS) {
            int r = e / HD, c = e - r * HD;
            sh[r * LD + c] = (r0 + r < rows && c < n) ? src[(r0 + r) * sr + c] : T(0);
        }
    } else {
        for (int e = threadIdx.x; e < BK * HD; e += ATTN_THREADS) {
            int c = e / BK, r = e - c * BK;
            sh[r * LD + c] = (r0 + r < rows && c < n) ? src[(r0 + r) * sr + c * sc] : T(0);
        }
    }
}

// The block's (b, h) and first row: blocks are numbered tile-fastest, so the tiles of one head run together (K, V in L2).
struct AttnBlock {
    int b, h, bh, row0;
};
__device__ __forceinline__ AttnBlock attn_block(int H, int rows, int perBlock) {
    int tiles = (rows + perBlock - 1) / perBlock;
    AttnBlock a;
    a.bh = blockIdx.x / tiles;
    a.row0 = (blockIdx.x - a.bh * tiles) * perBlock;
    a.b = a.bh / H;
    a.h = a.bh - a.b * H;
    return a;
}

__device__ __forceinline__ int attn_base(AttnView v, AttnBlock a) { return a.b * v.b + a.h * v.h; }

// ---- forward: one row of G lanes per query, K and V tiles in shared memory ---------------------------

template <typename T, typename C>
__device__ void attn_forward(AttnDims s, double scale_, const T* q, AttnView vq, const T* k, AttnView vk, const T* v,
                             AttnView vv, const T* mask, AttnView vm, T* out, AttnView vo, T* lse, AttnView vl) {
    __shared__ T sK[C::BK * C::LD];
    __shared__ T sV[C::BK * C::LD];
    typedef AttnMath<T> M;
    const AttnBlock a = attn_block(s.H, s.Tq, C::ROWS);
    const int lane = threadIdx.x % C::G, i = a.row0 + threadIdx.x / C::G;
    const int d = C::EXACT ? C::HD : s.D, dv = C::EXACT ? C::HD : s.Dv;
    const bool live = i < s.Tq;
    const T scale = (T)scale_, ninf = M::ninf();
    q += attn_base(vq, a);
    k += attn_base(vk, a);
    v += attn_base(vv, a);
    if (mask) mask += attn_base(vm, a);
    T qr[C::DPL], o[C::DPL];
#pragma unroll
    for (int t = 0; t < C::DPL; ++t) {
        int c = lane + C::G * t;
        qr[t] = (live && c < d) ? q[i * vq.t + c * vq.d] : T(0);
        o[t] = 0;
    }
    T m = ninf, l = 0;
    for (int j0 = 0; j0 < s.Tk; j0 += C::BK) {
        __syncthreads();  // every row is done with the previous tile
        attn_load_tile<T, C::BK, C::HD, C::LD>(sK, k, vk.t, vk.d, j0, s.Tk, d);
        attn_load_tile<T, C::BK, C::HD, C::LD>(sV, v, vv.t, vv.d, j0, s.Tk, dv);
        __syncthreads();
        T sc[C::BK], mt = ninf;
#pragma unroll
        for (int j = 0; j < C::BK; ++j) {
            T dot = 0;
#pragma unroll
            for (int t = 0; t < C::DPL; ++t) dot += qr[t] * sK[j * C::LD + lane + C::G * t];
            dot = attn_group_sum<C::G>(dot);
            T x = ninf;
            if (j0 + j < s.Tk) {
                x = dot * scale;
                if (mask && live) x += mask[i * vm.t + (j0 + j) * vm.d];
            }
            sc[j] = x;
            mt = x > mt ? x : mt;
        }
        T mn = mt > m ? mt : m;
        if (mn == ninf) continue;  // every key so far is masked: nothing to add
        T alpha = M::exp(m - mn);   // 0 while m = -inf
        l *= alpha;
#pragma unroll
        for (int t = 0; t < C::DPL; ++t) o[t] *= alpha;
#pragma unroll
        for (int j = 0; j < C::BK; ++j) {
            T p = M::exp(sc[j] - mn);
            l += p;
#pragma unroll
            for (int t = 0; t < C::DPL; ++t) o[t] += p * sV[j * C::LD + lane + C::G * t];
        }
        m = mn;
    }
    if (!live) return;
    out += attn_base(vo, a);
    T inv = l > 0 ? T(1) / l : T(0);
#pragma unroll
    for (int t = 0; t < C::DPL; ++t) {
        int c = lane + C::G * t;
        if (c < dv) out[i * vo.t + c * vo.d] = o[t] * inv;
    }
    if (lane == 0) lse[attn_base(vl, a) + i * vl.t] = l > 0 ? m + M::log(l) : ninf;
}

// ---- backward ------------------------------------------------------------------------------------

// rowdot[bh*Tq + i] = dO_i . O_i, one warp per row.
template <typename T>
__device__ void attn_backward_rowdot(AttnDims s, int rows, const T* dO, AttnView vg, const T* out, AttnView vo, T* rowdot) {
    int r = blockIdx.x * (ATTN_THREADS / 32) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (r >= rows) return;  // whole warps leave together
    int bh = r / s.Tq, i = r - bh * s.Tq, b = bh / s.H, h = bh - b * s.H;
    const T* g = dO + b * vg.b + h * vg.h + i * vg.t;
    const T* o = out + b * vo.b + h * vo.h + i * vo.t;
    T acc = 0;
    for (int c = lane; c < s.Dv; c += 32) acc += g[c * vg.d] * o[c * vo.d];
    acc = warp_reduce(acc, SumOp());
    if (lane == 0) rowdot[r] = acc;
}

// dK, dV: one row of G lanes per key (k_j, v_j and both accumulators in registers); Q and dO tiles,
// lse and rowdot of BK query rows in shared memory. Each block writes only its own key rows.
template <typename T, typename C>
__device__ void attn_backward_dkdv(AttnDims s, double scale_, const T* q, AttnView vq, const T* k, AttnView vk,
                                   const T* v, AttnView vv, const T* mask, AttnView vm, const T* dO, AttnView vg,
                                   const T* lse, AttnView vl, const T* rowdot, T* dK, AttnView vdk, T* dV, AttnView vdv) {
    __shared__ T sQ[C::BK * C::LD];
    __shared__ T sG[C::BK * C::LD];
    __shared__ T sL[C::BK];
    __shared__ T sD[C::BK];
    typedef AttnMath<T> M;
    const AttnBlock a = attn_block(s.H, s.Tk, C::ROWS);
    const int lane = threadIdx.x % C::G, j = a.row0 + threadIdx.x / C::G;
    const int d = C::EXACT ? C::HD : s.D, dv = C::EXACT ? C::HD : s.Dv;
    const bool live = j < s.Tk;
    const T scale = (T)scale_, ninf = M::ninf();
    q += attn_base(vq, a);
    k += attn_base(vk, a);
    v += attn_base(vv, a);
    dO += attn_base(vg, a);
    lse += attn_base(vl, a);
    rowdot += a.bh * s.Tq;
    if (mask) mask += attn_base(vm, a);
    T kr[C::DPL], vr[C::DPL], dk[C::DPL], dvv[C::DPL];
#pragma unroll
    for (int t = 0; t < C::DPL; ++t) {
        int c = lane + C::G * t;
        kr[t] = (live && c < d) ? k[j * vk.t + c * vk.d] : T(0);
        vr[t] = (live && c < dv) ? v[j * vv.t + c * vv.d] : T(0);
        dk[t] = 0;
        dvv[t] = 0;
    }
    for (int i0 = 0; i0 < s.Tq; i0 += C::BK) {
        __syncthreads();
        attn_load_tile<T, C::BK, C::HD, C::LD>(sQ, q, vq.t, vq.d, i0, s.Tq, d);
        attn_load_tile<T, C::BK, C::HD, C::LD>(sG, dO, vg.t, vg.d, i0, s.Tq, dv);
        for (int e = threadIdx.x; e < C::BK; e += ATTN_THREADS) {
            bool in = i0 + e < s.Tq;
            sL[e] = in ? lse[(i0 + e) * vl.t] : ninf;  // rows past Tq look fully masked
            sD[e] = in ? rowdot[i0 + e] : T(0);
        }
        __syncthreads();
#pragma unroll 4
        for (int ii = 0; ii < C::BK; ++ii) {
            T sdot = 0, pdot = 0;
#pragma unroll
            for (int t = 0; t < C::DPL; ++t) {
                sdot += kr[t] * sQ[ii * C::LD + lane + C::G * t];
                pdot += vr[t] * sG[ii * C::LD + lane + C::G * t];
            }
            sdot = attn_group_sum<C::G>(sdot);
            pdot = attn_group_sum<C::G>(pdot);
            T li = sL[ii];
            if (live && li != ninf) {
                T x = sdot * scale;
                if (mask) x += mask[(i0 + ii) * vm.t + j * vm.d];
                T p = M::exp(x - li), ds = p * (pdot - sD[ii]);
#pragma unroll
                for (int t = 0; t < C::DPL; ++t) {
                    dvv[t] += p * sG[ii * C::LD + lane + C::G * t];
                    dk[t] += ds * sQ[ii * C::LD + lane + C::G * t];
                }
            }
        }
    }
    if (!live) return;
    dK += attn_base(vdk, a);
    dV += attn_base(vdv, a);
#pragma unroll
    for (int t = 0; t < C::DPL; ++t) {
        int c = lane + C::G * t;
        if (c < d) dK[j * vdk.t + c * vdk.d] = scale * dk[t];
        if (c < dv) dV[j * vdv.t + c * vdv.d] = dvv[t];
    }
}

// dQ: one row of G lanes per query (q_i, dO_i, dq_i in registers), K and V tiles in shared memory.
template <typename T, typename C>
__device__ void attn_backward_dq(AttnDims s, double scale_, const T* q, AttnView vq, const T* k, AttnView vk, const T* v,
                                 AttnView vv, const T* mask, AttnView vm, const T* dO, AttnView vg, const T* lse,
                                 AttnView vl, const T* rowdot, T* dQ, AttnView vdq) {
    __shared__ T sK[C::BK * C::LD];
    __shared__ T sV[C::BK * C::LD];
    typedef AttnMath<T> M;
    const AttnBlock a = attn_block(s.H, s.Tq, C::ROWS);
    const int lane = threadIdx.x % C::G, i = a.row0 + threadIdx.x / C::G;
    const int d = C::EXACT ? C::HD : s.D, dv = C::EXACT ? C::HD : s.Dv;
    const bool live = i < s.Tq;
    const T scale = (T)scale_, ninf = M::ninf();
    q += attn_base(vq, a);
    k += attn_base(vk, a);
    v += attn_base(vv, a);
    dO += attn_base(vg, a);
    if (mask) mask += attn_base(vm, a);
    const T li = live ? lse[attn_base(vl, a) + i * vl.t] : ninf;
    const T di = live ? rowdot[a.bh * s.Tq + i] : T(0);
    const bool rows = live && li != ninf;  // a fully masked row has no gradient
    T qr[C::DPL], gr[C::DPL], dq[C::DPL];
#pragma unroll
    for (int t = 0; t < C::DPL; ++t) {
        int c = lane + C::G * t;
        qr[t] = (live && c < d) ? q[i * vq.t + c * vq.d] : T(0);
        gr[t] = (live && c < dv) ? dO[i * vg.t + c * vg.d] : T(0);
        dq[t] = 0;
    }
    for (int j0 = 0; j0 < s.Tk; j0 += C::BK) {
        __syncthreads();
        attn_load_tile<T, C::BK, C::HD, C::LD>(sK, k, vk.t, vk.d, j0, s.Tk, d);
        attn_load_tile<T, C::BK, C::HD, C::LD>(sV, v, vv.t, vv.d, j0, s.Tk, dv);
        __syncthreads();
#pragma unroll 4
        for (int j = 0; j < C::BK; ++j) {
            T sdot = 0, pdot = 0;
#pragma unroll
            for (int t = 0; t < C::DPL; ++t) {
                sdot += qr[t] * sK[j * C::LD + lane + C::G * t];
                pdot += gr[t] * sV[j * C::LD + lane + C::G * t];
            }
            sdot = attn_group_sum<C::G>(sdot);
            pdot = attn_group_sum<C::G>(pdot);
            if (rows && j0 + j < s.Tk) {
                T x = sdot * scale;
                if (mask) x += mask[i * vm.t + (j0 + j) * vm.d];
                T ds = M::exp(x - li) * (pdot - di);
#pragma unroll
                for (int t = 0; t < C::DPL; ++t) dq[t] += ds * sK[j * C::LD + lane + C::G * t];
            }
        }
    }
    if (!live) return;
    dQ += attn_base(vdq, a);
#pragma unroll
    for (int t = 0; t < C::DPL; ++t) {
        int c = lane + C::G * t;
        if (c < d) dQ[i * vdq.t + c * vdq.d] = scale * dq[t];
    }
}

// ---- variants (CudaAttention.Variant mirrors these lines; CudaAttentionTest checks they agree) -------

#define JD_ATTENTION(name, T, G, DPL, EXACT)                                                                       \
    extern "C" __global__ void __launch_bounds__(ATTN_THREADS) attention_fwd_##name(                               \
        AttnDims s, double scale, const T* q, AttnView vq, const T* k, AttnView vk, const T* v, AttnView vv,       \
        const T* mask, AttnView vm, T* out, AttnView vo, T* lse, AttnView vl) {                                     \
        attn_forward<T, AttnCfg<T, G, DPL, EXACT> >(s, scale, q, vq, k, vk, v, vv, mask, vm, out, vo, lse, vl);    \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(ATTN_THREADS) attention_bwd_dkdv_##name(                          \
        AttnDims s, double scale, const T* q, AttnView vq, const T* k, AttnView vk, const T* v, AttnView vv,       \
        const T* mask, AttnView vm, const T* dO, AttnView vg, const T* lse, AttnView vl, const T* rowdot, T* dK,   \
        AttnView vdk, T* dV, AttnView vdv) {                                                                       \
        attn_backward_dkdv<T, AttnCfg<T, G, DPL, EXACT> >(s, scale, q, vq, k, vk, v, vv, mask, vm, dO, vg, lse, vl, \
                                                          rowdot, dK, vdk, dV, vdv);                               \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(ATTN_THREADS) attention_bwd_dq_##name(                            \
        AttnDims s, double scale, const T* q, AttnView vq, const T* k, AttnView vk, const T* v, AttnView vv,       \
        const T* mask, AttnView vm, const T* dO, AttnView vg, const T* lse, AttnView vl, const T* rowdot, T* dQ,   \
        AttnView vdq) {                                                                                            \
        attn_backward_dq<T, AttnCfg<T, G, DPL, EXACT> >(s, scale, q, vq, k, vk, v, vv, mask, vm, dO, vg, lse, vl,   \
                                                        rowdot, dQ, vdq);                                          \
    }

#define JD_ATTENTION_ROWDOT(sfx, T)                                                                                \
    extern "C" __global__ void __launch_bounds__(ATTN_THREADS) attention_bwd_rowdot_##sfx(                         \
        AttnDims s, int rows, const T* dO, AttnView vg, const T* out, AttnView vo, T* rowdot) {                    \
        attn_backward_rowdot<T>(s, rows, dO, vg, out, vo, rowdot);                                                 \
    }

JD_ATTENTION(d16_f32, float, 4, 4, true)
JD_ATTENTION(d32_f32, float, 8, 4, true)
JD_ATTENTION(d64_f32, float, 8, 8, true)
JD_ATTENTION(d128_f32, float, 8, 16, true)
JD_ATTENTION(any_f32, float, 16, 16, false)
JD_ATTENTION(d16_f64, double, 4, 4, true)
JD_ATTENTION(d32_f64, double, 8, 4, true)
JD_ATTENTION(d64_f64, double, 8, 8, true)
JD_ATTENTION(d128_f64, double, 8, 16, true)
JD_ATTENTION(any_f64, double, 16, 16, false)
JD_ATTENTION_ROWDOT(f32, float)
JD_ATTENTION_ROWDOT(f64, double)
