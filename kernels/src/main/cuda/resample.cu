// Nearest upsampling by integer factors and average pooling (k x k window, stride s, no padding),
// forward and backward.
//
// Shapes: x [N, C, H, W]; upsample out [N, C, H*sh, W*sw]; pool out [N, C, Ho, Wo] with
// Ho = (H - k)/s + 1. Every tensor carries its own (n, c, h, w) strides (Nchw), so views work.
// One thread per element of the tensor written; backward kernels gather (no atomics):
//   upsample dX[n,c,i,j] = sum of the sh x sw block of dY
//   pool     dX[n,c,y,x] = sum over the windows covering (y, x) of dY / k^2
// Bytes moved: upsample fwd/bwd (1 + sh*sw)*numel(x)*s; pool fwd (k^2/s^2 + 1)*numel(out)*s,
// bwd about (1 + k^2/s^2)*numel(x)*s. FLOPs: the sums (k^2 or sh*sw adds per element).
#include "common.cuh"

struct Nchw {
    int n, c, h, w;
};

__device__ __forceinline__ void unflatten(int i, Nchw shape, int& n, int& c, int& h, int& w) {
    w = i % shape.w;
    i /= shape.w;
    h = i % shape.h;
    i /= shape.h;
    c = i % shape.c;
    n = i / shape.c;
}

__device__ __forceinline__ int at(Nchw st, int n, int c, int h, int w) { return n * st.n + c * st.c + h * st.h + w * st.w; }

template <typename T>
__device__ void upsample_nearest_fwd(Nchw outShape, Nchw xs, Nchw os, int sh, int sw, const T* x, T* out) {
    int total = outShape.n * outShape.c * outShape.h * outShape.w;
    JD_GRID_LOOP(i, total) {
        int n, c, h, w;
        unflatten((int)i, outShape, n, c, h, w);
        out[at(os, n, c, h, w)] = x[at(xs, n, c, h / sh, w / sw)];
    }
}

template <typename T>
__device__ void upsample_nearest_bwd(Nchw dxShape, Nchw dys, Nchw dxs, int sh, int sw, const T* dY, T* dX) {
    typedef typename Acc<T>::type A;
    int total = dxShape.n * dxShape.c * dxShape.h * dxShape.w;
    JD_GRID_LOOP(i, total) {
        int n, c, h, w;
        unflatten((int)i, dxShape, n, c, h, w);
        A s = 0;
        for (int a = 0; a < sh; ++a)
            for (int b = 0; b < sw; ++b) s += (A)dY[at(dys, n, c, h * sh + a, w * sw + b)];
        dX[at(dxs, n, c, h, w)] = (T)s;
    }
}

template <typename T>
__device__ void avg_pool_fwd(Nchw outShape, Nchw xs, Nchw os, int k, int s, const T* x, T* out) {
    int total = outShape.n * outShape.c * outShape.h * outShape.w;
    double inv = 1.0 / ((double)k * k);
    JD_GRID_LOOP(i, total) {
        int n, c, h, w;
        unflatten((int)i, outShape, n, c, h, w);
        double acc = 0;
        for (int a = 0; a < k; ++a)
            for (int b = 0; b < k; ++b) acc += (double)x[at(xs, n, c, h * s + a, w * s + b)];
        out[at(os, n, c, h, w)] = (T)(acc * inv);
    }
}

template <typename T>
__device__ void avg_pool_bwd(Nchw dxShape, int Ho, int Wo, Nchw dys, Nchw dxs, int k, int s, const T* dY, T* dX) {
    int total = dxShape.n * dxShape.c * dxShape.h * dxShape.w;
    double inv = 1.0 / ((double)k * k);
    JD_GRID_LOOP(i, total) {
        int n, c, y, x;
        unflatten((int)i, dxShape, n, c, y, x);
        // windows i with i*s <= y < i*s + k
        int i0 = y - k + 1 > 0 ? (y - k + s) / s : 0, i1 = min(y / s, Ho - 1);
        int j0 = x - k + 1 > 0 ? (x - k + s) / s : 0, j1 = min(x / s, Wo - 1);
        double acc = 0;
        for (int a = i0; a <= i1; ++a)
            for (int b = j0; b <= j1; ++b) acc += (double)dY[at(dys, n, c, a, b)];
        dX[at(dxs, n, c, y, x)] = (T)(acc * inv);
    }
}

#define JD_UPSAMPLE(sfx, T)                                                                            \
    extern "C" __global__ void upsample_nearest_##sfx(Nchw outShape, Nchw xs, Nchw os, int sh, int sw, \
                                                      const T* x, T* out) {                            \
        upsample_nearest_fwd<T>(outShape, xs, os, sh, sw, x, out);                                     \
    }                                                                                                  \
    extern "C" __global__ void upsample_nearest_backward_##sfx(Nchw dxShape, Nchw dys, Nchw dxs, int sh, \
                                                               int sw, const T* dY, T* dX) {           \
        upsample_nearest_bwd<T>(dxShape, dys, dxs, sh, sw, dY, dX);                                    \
    }
#define JD_POOL(sfx, T)                                                                                \
    extern "C" __global__ void avg_pool2d_##sfx(Nchw outShape, Nchw xs, Nchw os, int k, int s, const T* x, \
                                                T* out) {                                              \
        avg_pool_fwd<T>(outShape, xs, os, k, s, x, out);                                               \
    }                                                                                                  \
    extern "C" __global__ void avg_pool2d_backward_##sfx(Nchw dxShape, int Ho, int Wo, Nchw dys, Nchw dxs, \
                                                         int k, int s, const T* dY, T* dX) {           \
        avg_pool_bwd<T>(dxShape, Ho, Wo, dys, dxs, k, s, dY, dX);                                      \
    }

JD_UPSAMPLE(f32, float)
JD_UPSAMPLE(f64, double)
JD_UPSAMPLE(i64, i64)
JD_POOL(f32, float)
JD_POOL(f64, double)
