// Fused optimizer steps over many tensors per launch: Adam/AdamW and the EMA of weights.
//
// Shapes: a launch covers up to OPT_MAX_TENSORS positions (parameters); position i is a flat run of
// len[i] elements (every tensor is contiguous) at D device addresses, one per operand (Adam D = 4:
// p, g, m, v; EMA D = 2: shadow, param). Each run is cut into chunks of `chunk` elements (a
// multiple of 1024) and each block takes one chunk: position i owns blocks
// [chunk_start[i], chunk_start[i + 1]), which a block finds by binary search (PyTorch's
// multi_tensor_apply, with its block-to-chunk table replaced by this prefix). Within a chunk the
// threads stride over 16-byte vectors (float4 / double2) when all D addresses are 16-byte aligned,
// else over single elements. The table travels as a kernel parameter (__grid_constant__), so a
// step needs no host-to-device copy; more positions take more launches.
//
// Definitions (AdamHyper.java, Backend.emaUpdate), arithmetic in the tensor's dtype:
//   Adam: g' = g + l2*p (L2) or p' = decay*p (decoupled; decay = 1 - lr*wd)
//         m = b1*m + (1-b1)*g'   v = b2*v + (1-b2)*g'^2   p = p' - step_size*m/(sqrt(v)/bias2_sqrt + eps)
//   EMA:  s = d*s + (1-d)*p
// Bytes moved per element: Adam 7*s (p, g, m, v read; p, m, v written: 28 B in float32); EMA 3*s.
// FLOPs per element: Adam ~12 (one sqrt, one division); EMA 3.
#include "common.cuh"

#define OPT_MAX_TENSORS 64

// Packed by CudaOptim.java as int[2*D*64 + 64 + 65 + 1]: addresses as (lo, hi) int pairs.
template <int D> struct TensorTable {
    u64 addr[D][OPT_MAX_TENSORS];
    int len[OPT_MAX_TENSORS];
    int chunk_start[OPT_MAX_TENSORS + 1];
    int count;
};

// The position of block b: the last i with chunk_start[i] <= b (the table holds no empty runs).
template <int D>
__device__ __forceinline__ int table_position(const TensorTable<D>& t, int b) {
    int lo = 0, hi = t.count - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (t.chunk_start[mid] <= b) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

__device__ __forceinline__ float opt_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double opt_sqrt(double x) { return sqrt(x); }

template <typename T> struct AdamArgs { T decay, l2, b1, b2, step_size, bias2_sqrt, eps; };

template <typename T>
__device__ __forceinline__ void adam_element(T& p, T g, T& m, T& v, const AdamArgs<T>& a) {
    if (a.l2 != T(0)) g += a.l2 * p;
    else p *= a.decay;
    m = a.b1 * m + (T(1) - a.b1) * g;
    v = a.b2 * v + (T(1) - a.b2) * g * g;
    p -= a.step_size * m / (opt_sqrt(v) / a.bias2_sqrt + a.eps);
}

// The chunk of this block: position i, elements [lo, hi).
template <int D>
__device__ __forceinline__ int chunk_of(const TensorTable<D>& t, int chunk, int& lo, int& hi) {
    int i = table_position(t, blockIdx.x);
    lo = (blockIdx.x - t.chunk_start[i]) * chunk;
    hi = min(t.len[i], lo + chunk);
    return i;
}

template <typename T>
__device__ void adam_chunk(const TensorTable<4>& t, int chunk, AdamArgs<T> a) {
    int lo, hi, i = chunk_of(t, chunk, lo, hi);
    T* p = reinterpret_cast<T*>(t.addr[0][i]);
    const T* g = reinterpret_cast<const T*>(t.addr[1][i]);
    T* m = reinterpret_cast<T*>(t.addr[2][i]);
    T* v = reinterpret_cast<T*>(t.addr[3][i]);
    const int W = Vec16<T>::n;
    int start = lo;
    if (aligned16(p) && aligned16(g) && aligned16(m) && aligned16(v)) {  // lo is a multiple of W
        int nv = (hi - lo) / W;
        for (int k = threadIdx.x; k < nv; k += blockDim.x) {
            int e = lo + k * W;
            T pr[W], gr[W], mr[W], vr[W];
            load16(p + e, pr);
            load16(g + e, gr);
            load16(m + e, mr);
            load16(v + e, vr);
#pragma unroll
            for (int l = 0; l < W; ++l) adam_element(pr[l], gr[l], mr[l], vr[l], a);
            store16(p + e, pr);
            store16(m + e, mr);
            store16(v + e, vr);
        }
        start = lo + nv * W;
    }
    for (int e = start + threadIdx.x; e < hi; e += blockDim.x) {
        T pe = p[e], me = m[e], ve = v[e];
        adam_element(pe, g[e], me, ve, a);
        p[e] = pe;
        m[e] = me;
        v[e] = ve;
    }
}

template <typename T>
__device__ void ema_chunk(const TensorTable<2>& t, int chunk, T d, T c) {
    int lo, hi, i = chunk_of(t, chunk, lo, hi);
    T* s = reinterpret_cast<T*>(t.addr[0][i]);
    const T* p = reinterpret_cast<const T*>(t.addr[1][i]);
    const int W = Vec16<T>::n;
    int start = lo;
    if (aligned16(s) && aligned16(p)) {
        int nv = (hi - lo) / W;
        for (int k = threadIdx.x; k < nv; k += blockDim.x) {
            int e = lo + k * W;
            T sr[W], pr[W];
            load16(s + e, sr);
            load16(p + e, pr);
#pragma unroll
            for (int l = 0; l < W; ++l) sr[l] = d * sr[l] + c * pr[l];
            store16(s + e, sr);
        }
        start = lo + nv * W;
    }
    for (int e = start + threadIdx.x; e < hi; e += blockDim.x) s[e] = d * s[e] + c * p[e];
}

// ---- entry points ------------------------------------------------------------------------------

#define JD_OPTIM(sfx, T)                                                                               \
    extern "C" __global__ void adam_step_##sfx(const __grid_constant__ TensorTable<4> t, int chunk,    \
                                               T decay, T l2, T b1, T b2, T step_size, T bias2_sqrt,   \
                                               T eps) {                                                \
        AdamArgs<T> a = {decay, l2, b1, b2, step_size, bias2_sqrt, eps};                               \
        adam_chunk<T>(t, chunk, a);                                                                    \
    }                                                                                                  \
    extern "C" __global__ void ema_update_##sfx(const __grid_constant__ TensorTable<2> t, int chunk,   \
                                                T d, T c) {                                            \
        ema_chunk<T>(t, chunk, d, c);                                                                  \
    }

JD_OPTIM(f32, float)
JD_OPTIM(f64, double)
