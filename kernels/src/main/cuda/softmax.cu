// softmax / log_softmax along one dim, forward and backward.
//
// Shapes: x, y, dY, dX share one shape; the softmax dim has D elements and every other index is a
// "row" (nRows = numel / D).
//
// Generic kernels (softmax_*, softmax_backward_*; any strides): `rows` is a Geom over the shape with
// the softmax dim removed, with one stride column per operand; sX, sY ... are the operands' strides
// along the softmax dim. One block per row; float32 exponentials in float, every sum in double.
// Three passes over x (max, sum, write): reads 2*D, writes D (x re-read from L2 at best).
//
// Register kernels (softmax_rows_*_nN, softmax_rows_backward_*_nN): rows contiguous along the
// softmax dim (stride 1) and evenly spaced (row r at r*ldx, r*ldy ...), D <= N * team threads.
// A warp per row (warpRows, D <= 32*N) or a block per row holds the row in registers (common.cuh,
// "runs held in registers"; float4 / double2 when vec): one read, one write, warp shuffles (plus
// block_reduce's two barriers for a block per row). Per-thread partials in T over N values (tree
// sums), the team's sums in double.
//
// Forward:  m = max x, s = sum exp(x - m); y = exp(x - m)/s, or (x - m) - log s.
// Backward: softmax y(dY - sum dY*y); log_softmax dY - exp(y)*sum dY.
// Bytes moved (per row, s = sizeof(T)): forward 2*D*s (register kernels; 3*D*s generic), backward
// 3*D*s (register; 5*D*s generic). FLOPs: ~5*D forward, ~4*D backward.
#include "common.cuh"

__device__ __forceinline__ float sm_exp(float x) { return expf(x); }
__device__ __forceinline__ double sm_exp(double x) { return exp(x); }
__device__ __forceinline__ float sm_log(float x) { return logf(x); }
__device__ __forceinline__ double sm_log(double x) { return log(x); }

struct MaxNanOp {
    template <typename A> __device__ __forceinline__ A operator()(A a, A b) const {
        if (a != a) return a;
        if (b != b) return b;
        return a > b ? a : b;
    }
};

template <typename T>
__device__ void softmax_forward(int logMode, Geom<2> rows, int D, int sX, int sY, const T* x, T* y) {
    __shared__ double scratch[32];
    int off[2];
    geom_offsets(rows, blockIdx.x, off);
    const T* xr = x + off[0];
    T* yr = y + off[1];
    double m = -jd_inf_d();
    for (int k = threadIdx.x; k < D; k += blockDim.x) m = MaxNanOp()(m, (double)xr[k * sX]);
    m = block_reduce(m, MaxNanOp(), -jd_inf_d(), scratch);
    // a row that is all -inf (or holds +inf or NaN) gives NaN, as the reference and exp(x - max)/sum do
    T shift = (T)m;
    double s = 0;
    for (int k = threadIdx.x; k < D; k += blockDim.x) s += (double)sm_exp(xr[k * sX] - shift);
    s = block_reduce(s, SumOp(), 0.0, scratch);
    if (logMode) {
        // (x - m) - log s: x - m is exact for x near m, where log s + m rounded to T would lose the
        // small log s against a large m (logits near 1000: an ulp of m is 6e-5 in float32)
        T ls = (T)log(s);
        for (int k = threadIdx.x; k < D; k += blockDim.x) yr[k * sY] = (xr[k * sX] - shift) - ls;
    } else {
        T inv = (T)(1.0 / s);
        for (int k = threadIdx.x; k < D; k += blockDim.x) yr[k * sY] = sm_exp(xr[k * sX] - shift) * inv;
    }
}

template <typename T>
__device__ void softmax_backward(int logMode, Geom<3> rows, int D, int sDy, int sY, int sDx, const T* dY,
                                 const T* y, T* dX) {
    __shared__ double scratch[32];
    int off[3];
    geom_offsets(rows, blockIdx.x, off);
    const T* gr = dY + off[0];
    const T* yr = y + off[1];
    T* dr = dX + off[2];
    double s = 0;
    for (int k = threadIdx.x; k < D; k += blockDim.x) {
        double g = (double)gr[k * sDy];
        s += logMode ? g : g * (double)yr[k * sY];
    }
    s = block_reduce(s, SumOp(), 0.0, scratch);
    T st = (T)s;
    for (int k = threadIdx.x; k < D; k += blockDim.x) {
        T g = gr[k * sDy], v = yr[k * sY];
        dr[k * sDx] = logMode ? g - sm_exp(v) * st : v * (g - st);
    }
}

#define JD_SOFTMAX(sfx, T)                                                                             \
    extern "C" __global__ void softmax_##sfx(int logMode, Geom<2> rows, int D, int sX, int sY, const T* x, \
                                             T* y) {                                                   \
        softmax_forward<T>(logMode, rows, D, sX, sY, x, y);                                            \
    }                                                                                                  \
    extern "C" __global__ void softmax_backward_##sfx(int logMode, Geom<3> rows, int D, int sDy, int sY, \
                                                      int sDx, const T* dY, const T* y, T* dX) {       \
        softmax_backward<T>(logMode, rows, D, sDy, sY, sDx, dY, y, dX);                                \
    }

JD_SOFTMAX(f32, float)
JD_SOFTMAX(f64, double)

// ---- rows held in registers ----------------------------------------------------------------------

template <typename T, int N>
__device__ void softmax_rows(int logMode, int R, int D, int ldx, int ldy, int warpRows, int vec, const T* x, T* y) {
    __shared__ double scratch[32];
    Team tm;
    if (!team_of(warpRows, R, tm)) return;
    T v[N];
    team_load(x + tm.row * ldx, D, tm, vec != 0, (T)-jd_inf_d(), v);  // -inf past D: exp gives 0
    T m = v[0];
#pragma unroll
    for (int i = 1; i < N; ++i) m = MaxNanOp()(m, v[i]);
    // a row that is all -inf (or holds +inf or NaN) gives NaN, as the generic kernel
    T shift = (T)team_reduce((double)m, MaxNanOp(), -jd_inf_d(), tm, scratch);
    if (logMode) {
#pragma unroll
        for (int i = 0; i < N; ++i) v[i] -= shift;
        T s = tree_sum<N, T>([&](int i) { return sm_exp(v[i]); }, 0);
        T ls = (T)log(team_reduce((double)s, SumOp(), 0.0, tm, scratch));
#pragma unroll
        for (int i = 0; i < N; ++i) v[i] -= ls;  // (x - m) - log s, as the generic kernel
    } else {
#pragma unroll
        for (int i = 0; i < N; ++i) v[i] = sm_exp(v[i] - shift);
        T s = tree_sum<N, T>([&](int i) { return v[i]; }, 0);
        T inv = (T)(1.0 / team_reduce((double)s, SumOp(), 0.0, tm, scratch));
#pragma unroll
        for (int i = 0; i < N; ++i) v[i] *= inv;
    }
    team_store(y + tm.row * ldy, D, tm, vec != 0, v);
}

template <typename T, int N>
__device__ void softmax_rows_backward(int logMode, int R, int D, int ldg, int ldy, int ldd, int warpRows, int vec,
                                      const T* dY, const T* y, T* dX) {
    __shared__ double scratch[32];
    Team tm;
    if (!team_of(warpRows, R, tm)) return;
    T g[N], v[N];
    team_load(dY + tm.row * ldg, D, tm, vec != 0, (T)0, g);
    team_load(y + tm.row * ldy, D, tm, vec != 0, (T)0, v);
    T s = logMode ? tree_sum<N, T>([&](int i) { return g[i]; }, 0) : tree_sum<N, T>([&](int i) { return g[i] * v[i]; }, 0);
    T st = (T)team_reduce((double)s, SumOp(), 0.0, tm, scratch);
    if (logMode) {
#pragma unroll
        for (int i = 0; i < N; ++i) g[i] -= sm_exp(v[i]) * st;
    } else {
#pragma unroll
        for (int i = 0; i < N; ++i) g[i] = v[i] * (g[i] - st);
    }
    team_store(dX + tm.row * ldd, D, tm, vec != 0, g);
}

// __launch_bounds__(1024): a block per row may have 1024 threads, so at most 64 registers each;
// the largest N per dtype (CudaFastRows.maxPerThread) is what fits in them without spilling.
#define JD_SOFTMAX_ROWS(sfx, T, N)                                                                     \
    extern "C" __global__ void __launch_bounds__(1024) softmax_rows_##sfx##_n##N(                      \
        int logMode, int R, int D, int ldx, int ldy, int warpRows, int vec, const T* x, T* y) {        \
        softmax_rows<T, N>(logMode, R, D, ldx, ldy, warpRows, vec, x, y);                              \
    }
#define JD_SOFTMAX_ROWS_BACKWARD(sfx, T, N)                                                            \
    extern "C" __global__ void __launch_bounds__(1024) softmax_rows_backward_##sfx##_n##N(             \
        int logMode, int R, int D, int ldg, int ldy, int ldd, int warpRows, int vec, const T* dY, const T* y, T* dX) { \
        softmax_rows_backward<T, N>(logMode, R, D, ldg, ldy, ldd, warpRows, vec, dY, y, dX);           \
    }

JD_SOFTMAX_ROWS(f32, float, 4)
JD_SOFTMAX_ROWS(f32, float, 8)
JD_SOFTMAX_ROWS(f32, float, 16)
JD_SOFTMAX_ROWS(f32, float, 32)
JD_SOFTMAX_ROWS(f64, double, 4)
JD_SOFTMAX_ROWS(f64, double, 8)
JD_SOFTMAX_ROWS(f64, double, 16)
JD_SOFTMAX_ROWS_BACKWARD(f32, float, 4)
JD_SOFTMAX_ROWS_BACKWARD(f32, float, 8)
JD_SOFTMAX_ROWS_BACKWARD(f32, float, 16)
JD_SOFTMAX_ROWS_BACKWARD(f64, double, 4)
JD_SOFTMAX_ROWS_BACKWARD(f64, double, 8)
