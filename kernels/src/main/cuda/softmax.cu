// softmax / log_softmax along one dim, forward and backward.
//
// Shapes: x, y, dY, dX share one shape; the softmax dim has D elements and every other index is a
// "row" (nRows = numel / D). `rows` is a Geom over the shape with the softmax dim removed, with one
// stride column per operand; sX, sY ... are the operands' strides along the softmax dim.
// One block per row; float32 exponentials in float, every sum in double.
//
// Forward:  m = max x, s = sum exp(x - m); y = exp(x - m)/s, or (x - m) - log s.   reads 2*D, writes D
// Backward: softmax y(dY - sum dY*y); log_softmax dY - exp(y)*sum dY.               reads 4*D, writes D
// Bytes moved (per row): forward 3*D*s, backward 5*D*s. FLOPs: ~5*D forward, ~4*D backward.
#include "common.cuh"

__device__ __forceinline__ float sm_exp(float x) { return expf(x); }
__device__ __forceinline__ double sm_exp(double x) { return exp(x); }
__device__ __forceinline__ float sm_log(float x) { return logf(x); }
__device__ __forceinline__ double sm_log(double x) { return log(x); }

struct MaxNanOp {
    __device__ __forceinline__ double operator()(double a, double b) const {
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
