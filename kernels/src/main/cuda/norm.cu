// Layer norm and group norm, forward and backward.
//
// Shapes (below): layer norm x [R, D] with gamma, beta [D]; group norm x [N, C, S...], gamma, beta [C],
// mean, rstd [R] or [N, G].
//
// Layer norm: x viewed as [R, D] (R rows = leading dims, D = the trailing normalised dims).
//   `rows`  Geom over the leading dims, strides of (x|dY, out|x, mean, rstd[, dX]),
//   `inner` Geom over the trailing dims, strides of (x|dY, out|x, gamma|dX, beta|...).
//   forward  (one block per row):  mu, rstd = 1/sqrt(var + eps); out = (x - mu)*rstd*gamma + beta
//   backward (one block per row):  g = dY*gamma, xh = (x - mu)*rstd,
//                                  dX = rstd*(g - mean(g) - xh*mean(g*xh))
//   param grads (threads over D, blockIdx.y over row chunks, atomics into zeroed outputs):
//                                  dGamma = sum_r dY*xh, dBeta = sum_r dY
// Group norm: x [N, C, S...], G groups of Cg = C/G channels; statistics per (n, g) over Cg*S.
//   `spatial` Geom over the spatial dims with one stride column per tensor; per-tensor (n, c)
//   strides are scalars. forward and dX one block per (n, g); dGamma/dBeta one block per channel.
// Bytes moved: forward 3*numel*s (two reads, one write); backward ~5*numel*s. FLOPs ~8 per element.
// Sums accumulate in double; mean/rstd are stored in the tensor dtype.
#include "common.cuh"

// ---- layer norm --------------------------------------------------------------------------------

template <typename T>
__device__ void layer_norm_forward(Geom<4> rows, Geom<4> inner, int D, double eps, const T* x, const T* gamma,
                                   const T* beta, T* out, T* mean, T* rstd) {
    __shared__ double scratch[32];
    int ro[4];
    geom_offsets(rows, blockIdx.x, ro);
    const T* xr = x + ro[0];
    T* outr = out + ro[1];
    double s = 0, ss = 0;
    for (int j = threadIdx.x; j < D; j += blockDim.x) {
        int io[4];
        geom_offsets(inner, j, io);
        double v = (double)xr[io[0]];
        s += v;
        ss += v * v;
    }
    s = block_reduce(s, SumOp(), 0.0, scratch);
    ss = block_reduce(ss, SumOp(), 0.0, scratch);
    double mu = s / D;
    double var = fmax(ss / D - mu * mu, 0.0);
    double r = 1.0 / sqrt(var + eps);
    if (threadIdx.x == 0) {
        mean[ro[2]] = (T)mu;
        rstd[ro[3]] = (T)r;
    }
    for (int j = threadIdx.x; j < D; j += blockDim.x) {
        int io[4];
        geom_offsets(inner, j, io);
        double v = ((double)xr[io[0]] - mu) * r;
        if (gamma) v = v * (double)gamma[io[2]] + (double)beta[io[3]];
        outr[io[1]] = (T)v;
    }
}

// rows: (dY, x, mean, rstd, dX); inner: (dY, x, gamma, dX)
template <typename T>
__device__ void layer_norm_backward(Geom<5> rows, Geom<4> inner, int D, const T* dY, const T* x, const T* gamma,
                                    const T* mean, const T* rstd, T* dX) {
    __shared__ double scratch[32];
    int ro[5];
    geom_offsets(rows, blockIdx.x, ro);
    const T* gr = dY + ro[0];
    const T* xr = x + ro[1];
    T* dxr = dX + ro[4];
    double mu = (double)mean[ro[2]], r = (double)rstd[ro[3]];
    double s1 = 0, s2 = 0;
    for (int j = threadIdx.x; j < D; j += blockDim.x) {
        int io[4];
        geom_offsets(inner, j, io);
        double g = (double)gr[io[0]] * (gamma ? (double)gamma[io[2]] : 1.0);
        double xh = ((double)xr[io[1]] - mu) * r;
        s1 += g;
        s2 += g * xh;
    }
    s1 = block_reduce(s1, SumOp(), 0.0, scratch) / D;
    s2 = block_reduce(s2, SumOp(), 0.0, scratch) / D;
    for (int j = threadIdx.x; j < D; j += blockDim.x) {
        int io[4];
        geom_offsets(inner, j, io);
        double g = (double)gr[io[0]] * (gamma ? (double)gamma[io[2]] : 1.0);
        double xh = ((double)xr[io[1]] - mu) * r;
        dxr[io[3]] = (T)(r * (g - s1 - xh * s2));
    }
}

// rows: (dY, x, mean, rstd); inner: (dY, x, dGamma, dBeta). dGamma, dBeta are zero on entry.
template <typename T>
__device__ void layer_norm_param_grads(Geom<4> rows, int R, int rowsPerChunk, Geom<4> inner, int D, const T* dY,
                                       const T* x, const T* mean, const T* rstd, T* dGamma, T* dBeta) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= D) return;
    int io[4];
    geom_offsets(inner, j, io);
    int lo = blockIdx.y * rowsPerChunk, hi = min(R, lo + rowsPerChunk);
    double sg = 0, sb = 0;
    for (int r = lo; r < hi; ++r) {
        int ro[4];
        geom_offsets(rows, r, ro);
        double g = (double)dY[ro[0] + io[0]];
        double xh = ((double)x[ro[1] + io[1]] - (double)mean[ro[2]]) * (double)rstd[ro[3]];
        sg += g * xh;
        sb += g;
    }
    atomicAdd(dGamma + io[2], (T)sg);
    atomicAdd(dBeta + io[3], (T)sb);
}

// ---- group norm --------------------------------------------------------------------------------

// Per-tensor (n, c) strides of a group norm call, packed by the host as int[2 * 6]:
// x, out|dX, dY, gamma (c only), mean, rstd (mean/rstd use (n, g)).
struct GnStrides {
    int n[6];
    int c[6];
};
enum { GN_X = 0, GN_OUT = 1, GN_DY = 2, GN_GAMMA = 3, GN_MEAN = 4, GN_RSTD = 5 };

// spatial: (x, out) strides over the spatial dims
template <typename T>
__device__ void group_norm_forward(Geom<2> spatial, int S, int C, int G, GnStrides st, double eps, const T* x,
                                   const T* gamma, const T* beta, int betaStride, T* out, T* mean, T* rstd) {
    __shared__ double scratch[32];
    int n = blockIdx.x / G, g = blockIdx.x % G, Cg = C / G, M = Cg * S;
    const T* xb = x + n * st.n[GN_X];
    T* ob = out + n * st.n[GN_OUT];
    double s = 0, ss = 0;
    for (int j = threadIdx.x; j < M; j += blockDim.x) {
        int c = g * Cg + j / S, so[2];
        geom_offsets(spatial, j % S, so);
        double v = (double)xb[c * st.c[GN_X] + so[0]];
        s += v;
        ss += v * v;
    }
    s = block_reduce(s, SumOp(), 0.0, scratch);
    ss = block_reduce(ss, SumOp(), 0.0, scratch);
    double mu = s / M;
    double var = fmax(ss / M - mu * mu, 0.0);
    double r = 1.0 / sqrt(var + eps);
    if (threadIdx.x == 0) {
        mean[n * st.n[GN_MEAN] + g * st.c[GN_MEAN]] = (T)mu;
        rstd[n * st.n[GN_RSTD] + g * st.c[GN_RSTD]] = (T)r;
    }
    for (int j = threadIdx.x; j < M; j += blockDim.x) {
        int c = g * Cg + j / S, so[2];
        geom_offsets(spatial, j % S, so);
        double v = ((double)xb[c * st.c[GN_X] + so[0]] - mu) * r;
        if (gamma) v = v * (double)gamma[c * st.c[GN_GAMMA]] + (double)beta[c * betaStride];
        ob[c * st.c[GN_OUT] + so[1]] = (T)v;
    }
}

// spatial: (x, dX, dY) strides; one block per (n, g)
template <typename T>
__device__ void group_norm_backward(Geom<3> spatial, int S, int C, int G, GnStrides st, const T* dY, const T* x,
                                    const T* gamma, const T* mean, const T* rstd, T* dX) {
    __shared__ double scratch[32];
    int n = blockIdx.x / G, g = blockIdx.x % G, Cg = C / G, M = Cg * S;
    const T* xb = x + n * st.n[GN_X];
    const T* gb = dY + n * st.n[GN_DY];
    T* db = dX + n * st.n[GN_OUT];
    double mu = (double)mean[n * st.n[GN_MEAN] + g * st.c[GN_MEAN]];
    double r = (double)rstd[n * st.n[GN_RSTD] + g * st.c[GN_RSTD]];
    double s1 = 0, s2 = 0;
    for (int j = threadIdx.x; j < M; j += blockDim.x) {
        int c = g * Cg + j / S, so[3];
        geom_offsets(spatial, j % S, so);
        double gv = (double)gb[c * st.c[GN_DY] + so[2]] * (gamma ? (double)gamma[c * st.c[GN_GAMMA]] : 1.0);
        double xh = ((double)xb[c * st.c[GN_X] + so[0]] - mu) * r;
        s1 += gv;
        s2 += gv * xh;
    }
    s1 = block_reduce(s1, SumOp(), 0.0, scratch) / M;
    s2 = block_reduce(s2, SumOp(), 0.0, scratch) / M;
    for (int j = threadIdx.x; j < M; j += blockDim.x) {
        int c = g * Cg + j / S, so[3];
        geom_offsets(spatial, j % S, so);
        double gv = (double)gb[c * st.c[GN_DY] + so[2]] * (gamma ? (double)gamma[c * st.c[GN_GAMMA]] : 1.0);
        double xh = ((double)xb[c * st.c[GN_X] + so[0]] - mu) * r;
        db[c * st.c[GN_OUT] + so[1]] = (T)(r * (gv - s1 - xh * s2));
    }
}

// spatial: (x, dY) strides; one block per channel c over (n, s)
template <typename T>
__device__ void group_norm_param_grads(Geom<2> spatial, int N, int S, int C, int G, GnStrides st, const T* dY,
                                       const T* x, const T* mean, const T* rstd, T* dGamma, int dGammaStride,
                                       T* dBeta, int dBetaStride) {
    __shared__ double scratch[32];
    int c = blockIdx.x, g = c / (C / G);
    double sg = 0, sb = 0;
    for (int j = threadIdx.x; j < N * S; j += blockDim.x) {
        int n = j / S, so[2];
        geom_offsets(spatial, j % S, so);
        double mu = (double)mean[n * st.n[GN_MEAN] + g * st.c[GN_MEAN]];
        double r = (double)rstd[n * st.n[GN_RSTD] + g * st.c[GN_RSTD]];
        double gv = (double)dY[n * st.n[GN_DY] + c * st.c[GN_DY] + so[1]];
        double xh = ((double)x[n * st.n[GN_X] + c * st.c[GN_X] + so[0]] - mu) * r;
        sg += gv * xh;
        sb += gv;
    }
    sg = block_reduce(sg, SumOp(), 0.0, scratch);
    sb = block_reduce(sb, SumOp(), 0.0, scratch);
    if (threadIdx.x == 0) {
        dGamma[c * dGammaStride] = (T)sg;
        dBeta[c * dBetaStride] = (T)sb;
    }
}

#define JD_NORM(sfx, T)                                                                                \
    extern "C" __global__ void layer_norm_##sfx(Geom<4> rows, Geom<4> inner, int D, double eps, const T* x, \
                                                const T* gamma, const T* beta, T* out, T* mean, T* rstd) { \
        layer_norm_forward<T>(rows, inner, D, eps, x, gamma, beta, out, mean, rstd);                   \
    }                                                                                                  \
    extern "C" __global__ void layer_norm_backward_##sfx(Geom<5> rows, Geom<4> inner, int D, const T* dY, \
                                                         const T* x, const T* gamma, const T* mean,     \
                                                         const T* rstd, T* dX) {                        \
        layer_norm_backward<T>(rows, inner, D, dY, x, gamma, mean, rstd, dX);                          \
    }                                                                                                  \
    extern "C" __global__ void layer_norm_param_grads_##sfx(Geom<4> rows, int R, int rowsPerChunk,     \
                                                            Geom<4> inner, int D, const T* dY, const T* x, \
                                                            const T* mean, const T* rstd, T* dGamma,    \
                                                            T* dBeta) {                                 \
        layer_norm_param_grads<T>(rows, R, rowsPerChunk, inner, D, dY, x, mean, rstd, dGamma, dBeta);  \
    }                                                                                                  \
    extern "C" __global__ void group_norm_##sfx(Geom<2> spatial, int S, int C, int G, GnStrides st,     \
                                                double eps, const T* x, const T* gamma, const T* beta,  \
                                                int betaStride, T* out, T* mean, T* rstd) {             \
        group_norm_forward<T>(spatial, S, C, G, st, eps, x, gamma, beta, betaStride, out, mean, rstd); \
    }                                                                                                  \
    extern "C" __global__ void group_norm_backward_##sfx(Geom<3> spatial, int S, int C, int G, GnStrides st, \
                                                         const T* dY, const T* x, const T* gamma,       \
                                                         const T* mean, const T* rstd, T* dX) {         \
        group_norm_backward<T>(spatial, S, C, G, st, dY, x, gamma, mean, rstd, dX);                    \
    }                                                                                                  \
    extern "C" __global__ void group_norm_param_grads_##sfx(Geom<2> spatial, int N, int S, int C, int G, \
                                                            GnStrides st, const T* dY, const T* x,     \
                                                            const T* mean, const T* rstd, T* dGamma,    \
                                                            int dGammaStride, T* dBeta, int dBetaStride) { \
        group_norm_param_grads<T>(spatial, N, S, C, G, st, dY, x, mean, rstd, dGamma, dGammaStride, dBeta, \
                                  dBetaStride);                                                        \
    }

JD_NORM(f32, float)
JD_NORM(f64, double)
