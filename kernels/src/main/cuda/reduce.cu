// Reductions: sum, max, min, argmax, argmin over a set of dims.
//
// Shapes: x is split (by the host) into kept dims K and reduced dims R; out has K's elements
// (nOut) and each reduces nInner = |R| elements of x. `outer` is a Geom<2> over K with strides
// (x, out); `inner` a Geom<1> over R with x's strides, so linear j walks the reduced block in
// row-major order (the index argmax/argmin return). Floating values accumulate in double, int64
// sums exactly; NaN propagates through max/min and wins argmax/argmin; ties take the first index.
//
// Three launch shapes: reduce_thread_* (one thread per output, small nInner), reduce_* (one block
// per output and chunk; gridDim.y > 1 writes partials) and reduce_finish_* (combines partials).
// Bytes moved: nOut*nInner*s + nOut*s_out (+ partials). FLOPs: nOut*nInner.
#include "common.cuh"

// A running value and its linear index within the reduced block.
template <typename A> struct Cand {
    A v;
    i64 i;
};

__device__ __forceinline__ bool is_nan(double v) { return v != v; }
__device__ __forceinline__ bool is_nan(i64) { return false; }

template <typename A> __device__ __forceinline__ A rmax(A a, A b) {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return a > b ? a : b;
}
template <typename A> __device__ __forceinline__ A rmin(A a, A b) {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return a < b ? a : b;
}

template <typename A> __device__ __forceinline__ A identity_of(int op);
template <> __device__ __forceinline__ double identity_of<double>(int op) {
    return op == R_SUM ? 0.0 : (op == R_MAX || op == R_ARGMAX ? -jd_inf_d() : jd_inf_d());
}
template <> __device__ __forceinline__ i64 identity_of<i64>(int op) {
    return op == R_SUM ? 0 : (op == R_MAX || op == R_ARGMAX ? JD_I64_MIN : JD_I64_MAX);
}

// Combines two candidates; i < 0 marks "no element yet". For arg ops the better value wins, NaN
// beats everything, and equal values keep the smaller index.
template <typename A>
__device__ __forceinline__ Cand<A> combine(int op, Cand<A> p, Cand<A> q) {
    if (op == R_SUM) return Cand<A>{p.v + q.v, 0};
    if (op == R_MAX) return Cand<A>{rmax(p.v, q.v), 0};
    if (op == R_MIN) return Cand<A>{rmin(p.v, q.v), 0};
    if (p.i < 0) return q;
    if (q.i < 0) return p;
    bool pn = is_nan(p.v), qn = is_nan(q.v);
    bool takeQ;
    if (pn || qn) takeQ = qn && (!pn || q.i < p.i);
    else if (p.v == q.v) takeQ = q.i < p.i;
    else takeQ = op == R_ARGMAX ? q.v > p.v : q.v < p.v;
    return takeQ ? q : p;
}

template <typename A>
__device__ __forceinline__ Cand<A> shfl_cand(Cand<A> c, int o) {
    Cand<A> r;
    r.v = __shfl_xor_sync(0xffffffffu, c.v, o);
    r.i = __shfl_xor_sync(0xffffffffu, c.i, o);
    return r;
}

// Block-wide combine; returns the result to every thread.
template <typename A>
__device__ Cand<A> block_combine(int op, Cand<A> c) {
    __shared__ A sv[32];
    __shared__ i64 si[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) c = combine(op, c, shfl_cand(c, o));
    if (lane == 0) { sv[warp] = c.v; si[warp] = c.i; }
    __syncthreads();
    if (warp == 0) {
        Cand<A> d = lane < warps ? Cand<A>{sv[lane], si[lane]} : Cand<A>{identity_of<A>(op), -1};
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) d = combine(op, d, shfl_cand(d, o));
        if (lane == 0) { sv[0] = d.v; si[0] = d.i; }
    }
    __syncthreads();
    return Cand<A>{sv[0], si[0]};
}

template <typename T>
__device__ __forceinline__ void write_result(int op, Cand<typename Acc<T>::type> c, T* out, i64* outIdx, int off) {
    if (op == R_ARGMAX || op == R_ARGMIN) outIdx[off] = c.i;
    else out[off] = Cast<T, typename Acc<T>::type>::of(c.v);
}

// One block per (output, chunk of the reduced block).
template <typename T>
__device__ void reduce_block(int op, Geom<2> outer, Geom<1> inner, int nInner, int chunkLen, const T* x,
                             T* out, i64* outIdx, typename Acc<T>::type* partV, i64* partI) {
    typedef typename Acc<T>::type A;
    int o = blockIdx.x;
    int oo[2];
    geom_offsets(outer, o, oo);
    const T* xo = x + oo[0];
    int lo = blockIdx.y * chunkLen;
    int hi = min(nInner, lo + chunkLen);
    Cand<A> c{identity_of<A>(op), -1};
    for (int j = lo + threadIdx.x; j < hi; j += blockDim.x) {
        int io[1];
        geom_offsets(inner, j, io);
        c = combine(op, c, Cand<A>{Cast<A, T>::of(xo[io[0]]), (i64)j});
    }
    c = block_combine(op, c);
    if (threadIdx.x != 0) return;
    if (gridDim.y == 1) {
        write_result<T>(op, c, out, outIdx, oo[1]);
    } else {
        int p = o * gridDim.y + blockIdx.y;
        partV[p] = c.v;
        partI[p] = c.i;
    }
}

// Combines the gridDim.y partials of each output (one block per output).
template <typename T>
__device__ void reduce_finish(int op, Geom<2> outer, int chunks, const typename Acc<T>::type* partV,
                              const i64* partI, T* out, i64* outIdx) {
    typedef typename Acc<T>::type A;
    int o = blockIdx.x;
    Cand<A> c{identity_of<A>(op), -1};
    for (int k = threadIdx.x; k < chunks; k += blockDim.x) {
        Cand<A> p{partV[o * chunks + k], partI[o * chunks + k]};
        c = combine(op, c, p);
    }
    c = block_combine(op, c);
    if (threadIdx.x == 0) {
        int oo[2];
        geom_offsets(outer, o, oo);
        write_result<T>(op, c, out, outIdx, oo[1]);
    }
}

// One thread per output: for small reduced blocks with many outputs.
template <typename T>
__device__ void reduce_thread(int op, Geom<2> outer, int nOut, Geom<1> inner, int nInner, const T* x, T* out,
                              i64* outIdx) {
    typedef typename Acc<T>::type A;
    JD_GRID_LOOP(o, nOut) {
        int oo[2];
        geom_offsets(outer, (int)o, oo);
        Cand<A> c{identity_of<A>(op), -1};
        for (int j = 0; j < nInner; ++j) {
            int io[1];
            geom_offsets(inner, j, io);
            c = combine(op, c, Cand<A>{Cast<A, T>::of(x[oo[0] + io[0]]), (i64)j});
        }
        write_result<T>(op, c, out, outIdx, oo[1]);
    }
}

// An op id past the ReduceOpId enum sets the device error flag (E_UNKNOWN_OP) and writes nothing.
#define JD_REDUCE_CHECK_OP(op)                                                                         \
    if ((op) < R_SUM || (op) > R_ARGMIN) {                                                             \
        if (blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) jd_report(err, E_UNKNOWN_OP, (op), 0); \
        return;                                                                                        \
    }

#define JD_REDUCE(sfx, T)                                                                              \
    extern "C" __global__ void reduce_##sfx(int op, Geom<2> outer, Geom<1> inner, int nInner, int chunkLen, \
                                            const T* x, T* out, i64* outIdx, Acc<T>::type* partV,     \
                                            i64* partI, int* err) {                                    \
        JD_REDUCE_CHECK_OP(op)                                                                         \
        reduce_block<T>(op, outer, inner, nInner, chunkLen, x, out, outIdx, partV, partI);             \
    }                                                                                                  \
    extern "C" __global__ void reduce_finish_##sfx(int op, Geom<2> outer, int chunks,                  \
                                                   const Acc<T>::type* partV, const i64* partI, T* out, \
                                                   i64* outIdx, int* err) {                            \
        JD_REDUCE_CHECK_OP(op)                                                                         \
        reduce_finish<T>(op, outer, chunks, partV, partI, out, outIdx);                                \
    }                                                                                                  \
    extern "C" __global__ void reduce_thread_##sfx(int op, Geom<2> outer, int nOut, Geom<1> inner,     \
                                                   int nInner, const T* x, T* out, i64* outIdx, int* err) { \
        JD_REDUCE_CHECK_OP(op)                                                                         \
        reduce_thread<T>(op, outer, nOut, inner, nInner, x, out, outIdx);                              \
    }

JD_REDUCE(f32, float)
JD_REDUCE(f64, double)
JD_REDUCE(i64, i64)
