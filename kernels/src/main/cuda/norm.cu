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
// Bytes moved (generic kernels): forward 3*numel*s (two reads, one write); backward ~5*numel*s.
// FLOPs ~8 per element. Sums accumulate in double; mean/rstd are stored in the tensor dtype.
//
// Register kernels (layer_norm_rows_*_nN, group_norm_rows_*_nN, and group_norm_rows_backward_*_nN
// for dX, which holds x and dY: 3*numel*s moved): each row (layer
// norm: the D trailing elements contiguous, rows evenly spaced by ldx, ldo; γ/β dense [D]) or group
// (group norm: x and out dense NCHW, so group b = n*G + g is the run [b*M, (b+1)*M), M = Cg*S) is
// held in registers by a warp (warpRows, M <= 32*N) or a block (common.cuh, "runs held in
// registers"; float4 / double2 when vec). Two-pass statistics from the registers (team_stats: T
// partials of N values, double team sums), then out = ((x - hi) - lo) * rstd * γ + β in T.
// Bytes moved: 2*numel*s (one read, one write) plus γ/β (L1/L2 resident). layer_norm_rows_backward
// does for layer norm's dX what group_norm_rows_backward does for group norm's; the dense parameter
// gradients (layer_norm_rows_param_grads, group_norm_rows_param_partials + group_norm_param_grads_sum)
// read dY and x once more: 2*numel*s.
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

// ---- register kernels (forward) ------------------------------------------------------------------

// layer norm: row r of x at r*ldx, of out at r*ldo, mean/rstd at r*ldm, r*ldr; γ, β dense [D] or null
template <typename T, int N>
__device__ void layer_norm_rows(int R, int D, int ldx, int ldo, int ldm, int ldr, int warpRows, int vec, double eps,
                                const T* x, const T* gamma, const T* beta, T* out, T* mean, T* rstd) {
    __shared__ double scratch[32];
    Team tm;
    if (!team_of(warpRows, R, tm)) return;
    bool vv = vec != 0;
    T v[N];
    team_load(x + tm.row * ldx, D, tm, vv, (T)0, v);
    double mu, r;
    T hi, lo;
    team_stats(v, D, tm, vv, eps, scratch, mu, r, hi, lo);
    if (tm.t == 0) {
        mean[tm.row * ldm] = (T)mu;
        rstd[tm.row * ldr] = (T)r;
    }
    // each vector (element) is normalised and stored before the next γ/β load: out may alias γ/β
    // for all the compiler knows, so the loads stay in order and only v[] is live across the loop
    T rt = (T)r;
    T* o = out + tm.row * ldo;
    const int V = Vec16<T>::n;
    if (vv) {
#pragma unroll
        for (int i = 0; i < N; i += V) {
            int j = team_pos<T>(i, tm, true);
            if (j < D) {
                T gg[V], bb[V], y[V];
                if (gamma) {
                    load16(gamma + j, gg);
                    load16(beta + j, bb);
                } else {
#pragma unroll
                    for (int l = 0; l < V; ++l) gg[l] = (T)1, bb[l] = (T)0;
                }
#pragma unroll
                for (int l = 0; l < V; ++l) y[l] = ((v[i + l] - hi) - lo) * rt * gg[l] + bb[l];
                store16(o + j, y);
            }
        }
    } else {
#pragma unroll
        for (int i = 0; i < N; ++i) {
            int j = team_pos<T>(i, tm, false);
            if (j < D) {
                T xh = ((v[i] - hi) - lo) * rt;
                o[j] = gamma ? xh * gamma[j] + beta[j] : xh;
            }
        }
    }
}

// group norm: x, out dense [N, C, S]; R = N*G groups of M = Cg*S elements; mean/rstd of group
// (n, g) at n*mSn + g*mSg, n*rSn + g*rSg; γ, β strided [C] or null. vec needs S % V == 0, so a
// vector never straddles two channels.
template <typename T, int N>
__device__ void group_norm_rows(int R, int S, int Cg, int G, int warpRows, int vec, int mSn, int mSg, int rSn, int rSg,
                                double eps, const T* x, const T* gamma, int gStride, const T* beta, int bStride, T* out,
                                T* mean, T* rstd) {
    __shared__ double scratch[32];
    Team tm;
    if (!team_of(warpRows, R, tm)) return;
    bool vv = vec != 0;
    int M = Cg * S, n = (int)(tm.row / G), g = (int)(tm.row % G);
    T v[N];
    team_load(x + tm.row * M, M, tm, vv, (T)0, v);
    double mu, r;
    T hi, lo;
    team_stats(v, M, tm, vv, eps, scratch, mu, r, hi, lo);
    if (tm.t == 0) {
        mean[n * mSn + g * mSg] = (T)mu;
        rstd[n * rSn + g * rSg] = (T)r;
    }
    // one channel lookup (a division) per vector, or per element without vectors; stored as made
    T rt = (T)r;
    T* o = out + tm.row * M;
    const int V = Vec16<T>::n;
    if (vv) {
#pragma unroll
        for (int i = 0; i < N; i += V) {
            int j = team_pos<T>(i, tm, true);
            if (j < M) {
                T a = rt, b = 0, y[V];
                if (gamma) {
                    int c = g * Cg + j / S;
                    a = rt * gamma[c * gStride];
                    b = beta[c * bStride];
                }
#pragma unroll
                for (int l = 0; l < V; ++l) y[l] = ((v[i + l] - hi) - lo) * a + b;
                store16(o + j, y);
            }
        }
    } else {
#pragma unroll
        for (int i = 0; i < N; ++i) {
            int j = team_pos<T>(i, tm, false);
            if (j < M) {
                T a = rt, b = 0;
                if (gamma) {
                    int c = g * Cg + j / S;
                    a = rt * gamma[c * gStride];
                    b = beta[c * bStride];
                }
                o[j] = ((v[i] - hi) - lo) * a + b;
            }
        }
    }
}

// The dX of a normalised run of M elements held by a team: xv holds x, gv holds g = dY*γ (0 past
// M, so it adds nothing to either sum). xh = (x - mean)*rstd replaces xv, and
// dX = rstd*(g - mean(g) - xh*mean(g*xh)) replaces gv; the two means over the run in double.
template <typename T, int N>
__device__ __forceinline__ void team_norm_dx(T (&xv)[N], T (&gv)[N], T mu, T rt, int M, const Team& tm, double* scratch) {
#pragma unroll
    for (int i = 0; i < N; ++i) xv[i] = (xv[i] - mu) * rt;
    T s1 = tree_sum<N, T>([&](int i) { return gv[i]; }, 0);
    T s2 = tree_sum<N, T>([&](int i) { return gv[i] * xv[i]; }, 0);
    T m1 = (T)(team_reduce((double)s1, SumOp(), 0.0, tm, scratch) / M);
    T m2 = (T)(team_reduce((double)s2, SumOp(), 0.0, tm, scratch) / M);
#pragma unroll
    for (int i = 0; i < N; ++i) gv[i] = rt * (gv[i] - m1 - xv[i] * m2);
}

// group norm dX: x, dY, dX dense [N, C, S]; both inputs held (2N registers). With g = dY*γ[c] and
// xh = (x - mean)*rstd: dX = rstd*(g - mean(g) - xh*mean(g*xh)), the two means over the group.
template <typename T, int N>
__device__ void group_norm_rows_backward(int R, int S, int Cg, int G, int warpRows, int vec, int mSn, int mSg, int rSn,
                                         int rSg, const T* dY, const T* x, const T* gamma, int gStride, const T* mean,
                                         const T* rstd, T* dX) {
    __shared__ double scratch[32];
    Team tm;
    if (!team_of(warpRows, R, tm)) return;
    bool vv = vec != 0;
    int M = Cg * S, n = (int)(tm.row / G), g = (int)(tm.row % G);
    T xv[N], gv[N];
    team_load(x + tm.row * M, M, tm, vv, (T)0, xv);
    team_load(dY + tm.row * M, M, tm, vv, (T)0, gv);  // 0 past M: adds nothing to either sum
    T mu = mean[n * mSn + g * mSg], rt = rstd[n * rSn + g * rSg];
    if (gamma) {
        const int V = Vec16<T>::n;
        if (vv) {
#pragma unroll
            for (int i = 0; i < N; i += V) {
                int j = team_pos<T>(i, tm, true);
                T ga = j < M ? gamma[(g * Cg + j / S) * gStride] : (T)0;
#pragma unroll
                for (int l = 0; l < V; ++l) gv[i + l] *= ga;
            }
        } else {
#pragma unroll
            for (int i = 0; i < N; ++i) {
                int j = team_pos<T>(i, tm, false);
                gv[i] *= j < M ? gamma[(g * Cg + j / S) * gStride] : (T)0;
            }
        }
    }
    team_norm_dx(xv, gv, mu, rt, M, tm, scratch);
    team_store(dX + tm.row * M, M, tm, vv, gv);
}

// __launch_bounds__(B): at most 65536 / B registers a thread (64 for 1024, 128 for 512). The
// instances and their B are CudaFastRows' table; each is the largest N that fits without spilling.
#define JD_NORM_ROWS(sfx, T, N, B)                                                                     \
    extern "C" __global__ void __launch_bounds__(B) layer_norm_rows_##sfx##_n##N(                      \
        int R, int D, int ldx, int ldo, int ldm, int ldr, int warpRows, int vec, double eps, const T* x, \
        const T* gamma, const T* beta, T* out, T* mean, T* rstd) {                                     \
        layer_norm_rows<T, N>(R, D, ldx, ldo, ldm, ldr, warpRows, vec, eps, x, gamma, beta, out, mean, rstd); \
    }                                                                                                  \
    extern "C" __global__ void __launch_bounds__(B) group_norm_rows_##sfx##_n##N(                      \
        int R, int S, int Cg, int G, int warpRows, int vec, int mSn, int mSg, int rSn, int rSg, double eps, \
        const T* x, const T* gamma, int gStride, const T* beta, int bStride, T* out, T* mean, T* rstd) { \
        group_norm_rows<T, N>(R, S, Cg, G, warpRows, vec, mSn, mSg, rSn, rSg, eps, x, gamma, gStride, beta, \
                              bStride, out, mean, rstd);                                               \
    }

JD_NORM_ROWS(f32, float, 4, 1024)
JD_NORM_ROWS(f32, float, 8, 1024)
JD_NORM_ROWS(f32, float, 16, 1024)
JD_NORM_ROWS(f32, float, 32, 512)
JD_NORM_ROWS(f32, float, 64, 512)
JD_NORM_ROWS(f64, double, 4, 1024)
JD_NORM_ROWS(f64, double, 8, 1024)
JD_NORM_ROWS(f64, double, 16, 512)

#define JD_GROUP_NORM_ROWS_BACKWARD(sfx, T, N, B)                                                      \
    extern "C" __global__ void __launch_bounds__(B) group_norm_rows_backward_##sfx##_n##N(             \
        int R, int S, int Cg, int G, int warpRows, int vec, int mSn, int mSg, int rSn, int rSg, const T* dY, \
        const T* x, const T* gamma, int gStride, const T* mean, const T* rstd, T* dX) {                \
        group_norm_rows_backward<T, N>(R, S, Cg, G, warpRows, vec, mSn, mSg, rSn, rSg, dY, x, gamma, gStride, \
                                       mean, rstd, dX);                                                \
    }

JD_GROUP_NORM_ROWS_BACKWARD(f32, float, 4, 1024)
JD_GROUP_NORM_ROWS_BACKWARD(f32, float, 8, 1024)
JD_GROUP_NORM_ROWS_BACKWARD(f32, float, 16, 1024)
JD_GROUP_NORM_ROWS_BACKWARD(f32, float, 32, 512)
JD_GROUP_NORM_ROWS_BACKWARD(f64, double, 4, 1024)
JD_GROUP_NORM_ROWS_BACKWARD(f64, double, 8, 1024)
JD_GROUP_NORM_ROWS_BACKWARD(f64, double, 16, 512)

// ---- register kernels (layer norm dX) and the dense parameter gradients ---------------------------

// layer norm dX: rows of dY, x, dX contiguous (D elements) at r*ldy, r*ldx, r*ldd, mean/rstd at
// r*ldm, r*ldr, γ dense [D] or null. Both inputs held (2N registers), as group_norm_rows_backward:
// g = dY*γ, xh = (x - mean)*rstd, dX = rstd*(g - mean(g) - xh*mean(g*xh)), the means over the row.
// Bytes moved: 3*R*D*s (two reads, one write) plus γ (L2 resident).
template <typename T, int N>
__device__ void layer_norm_rows_backward(int R, int D, int ldy, int ldx, int ldm, int ldr, int ldd, int warpRows, int vec,
                                         const T* dY, const T* x, const T* gamma, const T* mean, const T* rstd, T* dX) {
    __shared__ double scratch[32];
    Team tm;
    if (!team_of(warpRows, R, tm)) return;
    bool vv = vec != 0;
    T xv[N], gv[N];
    team_load(x + tm.row * ldx, D, tm, vv, (T)0, xv);
    team_load(dY + tm.row * ldy, D, tm, vv, (T)0, gv);  // 0 past D: adds nothing to either sum
    T mu = mean[tm.row * ldm], rt = rstd[tm.row * ldr];
    if (gamma) {
        const int V = Vec16<T>::n;
        if (vv) {
#pragma unroll
            for (int i = 0; i < N; i += V) {
                int j = team_pos<T>(i, tm, true);
                if (j < D) {
                    T gg[V];
                    load16(gamma + j, gg);
#pragma unroll
                    for (int l = 0; l < V; ++l) gv[i + l] *= gg[l];
                }
            }
        } else {
#pragma unroll
            for (int i = 0; i < N; ++i) {
                int j = team_pos<T>(i, tm, false);
                if (j < D) gv[i] *= gamma[j];
            }
        }
    }
    team_norm_dx(xv, gv, mu, rt, D, tm, scratch);
    team_store(dX + tm.row * ldd, D, tm, vv, gv);
}

// layer norm dGamma, dBeta [D] dense, zero on entry: as layer_norm_param_grads (thread j over D,
// blockIdx.y over row chunks, atomics), with row r of dY, x at r*ldy, r*ldx (dense over D), mean,
// rstd at r*ldm, r*ldr: one multiply per row instead of Geom div/mod per element. Coalesced: a
// warp reads 32 consecutive elements of a row. Bytes moved: 2*R*D*s.
template <typename T>
__device__ void layer_norm_rows_param_grads(int R, int rowsPerChunk, int D, int ldy, int ldx, int ldm, int ldr, const T* dY,
                                            const T* x, const T* mean, const T* rstd, T* dGamma, T* dBeta) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= D) return;
    int lo = blockIdx.y * rowsPerChunk, hi = min(R, lo + rowsPerChunk);
    double sg = 0, sb = 0;
    for (int r = lo; r < hi; ++r) {
        double g = (double)dY[(i64)r * ldy + j];
        double xh = ((double)x[(i64)r * ldx + j] - (double)mean[(i64)r * ldm]) * (double)rstd[(i64)r * ldr];
        sg += g * xh;
        sb += g;
    }
    atomicAdd(dGamma + j, (T)sg);
    atomicAdd(dBeta + j, (T)sb);
}

// group norm dGamma, dBeta of dense x, dY [N, C, S] (S >= 32), first pass: block (c, y) sums
// dY*xh and dY over channel c of samples [y*nPer, (y+1)*nPer) into part[y*C + c] and
// part[(Y + y)*C + c] (double, Y = gridDim.y). Warp w takes samples lo + w, lo + w + warps, ...:
// each (n, c) run of S contiguous elements with its (n, g) mean/rstd loaded once, the lanes
// striding over it (16-byte vectors when vec: S whole vectors, x and dY aligned). Partials are
// written, not accumulated: the second pass sums them in a fixed order, so results are the same
// run to run. Bytes moved: 2*N*C*S*s plus 2*Y*C doubles.
template <typename T>
__device__ void group_norm_rows_param_partials(int N, int S, int C, int G, int nPer, int vec, int mSn, int mSg, int rSn,
                                               int rSg, const T* dY, const T* x, const T* mean, const T* rstd, double* part) {
    __shared__ double scratch[32];
    int c = blockIdx.x, g = c / (C / G), lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    int lo = blockIdx.y * nPer, hi = min(N, lo + nPer);
    double sg = 0, sb = 0;
    for (int n = lo + (int)(threadIdx.x >> 5); n < hi; n += warps) {
        i64 base = ((i64)n * C + c) * S;
        const T* xr = x + base;
        const T* yr = dY + base;
        T mu = mean[n * mSn + g * mSg], rt = rstd[n * rSn + g * rSg];
        T pg = 0, pb = 0;  // this run's partials in T (at most S/32 terms), then added in double
        if (vec) {
            const int V = Vec16<T>::n;
            for (int j = lane * V; j < S; j += 32 * V) {
                T xx[V], yy[V];
                load16(xr + j, xx);
                load16(yr + j, yy);
#pragma unroll
                for (int l = 0; l < V; ++l) {
                    pg += yy[l] * ((xx[l] - mu) * rt);
                    pb += yy[l];
                }
            }
        } else {
            for (int j = lane; j < S; j += 32) {
                T yy = yr[j];
                pg += yy * ((xr[j] - mu) * rt);
                pb += yy;
            }
        }
        sg += (double)pg;
        sb += (double)pb;
    }
    sg = block_reduce(sg, SumOp(), 0.0, scratch);
    sb = block_reduce(sb, SumOp(), 0.0, scratch);
    if (threadIdx.x == 0) {
        part[(i64)blockIdx.y * C + c] = sg;
        part[(i64)(gridDim.y + blockIdx.y) * C + c] = sb;
    }
}

// second pass: thread c sums its Y partials in order y = 0 .. Y-1
template <typename T>
__device__ void group_norm_param_grads_sum(int C, int Y, const double* part, T* dGamma, int gStride, T* dBeta, int bStride) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    double sg = 0, sb = 0;
    for (int y = 0; y < Y; ++y) {
        sg += part[(i64)y * C + c];
        sb += part[(i64)(Y + y) * C + c];
    }
    dGamma[(i64)c * gStride] = (T)sg;
    dBeta[(i64)c * bStride] = (T)sb;
}

#define JD_NORM_DENSE_GRADS(sfx, T)                                                                    \
    extern "C" __global__ void layer_norm_rows_param_grads_##sfx(int R, int rowsPerChunk, int D, int ldy, int ldx, \
                                                                 int ldm, int ldr, const T* dY, const T* x, \
                                                                 const T* mean, const T* rstd, T* dGamma, \
                                                                 T* dBeta) {                           \
        layer_norm_rows_param_grads<T>(R, rowsPerChunk, D, ldy, ldx, ldm, ldr, dY, x, mean, rstd, dGamma, dBeta); \
    }                                                                                                  \
    extern "C" __global__ void group_norm_rows_param_partials_##sfx(int N, int S, int C, int G, int nPer, int vec, \
                                                                    int mSn, int mSg, int rSn, int rSg,  \
                                                                    const T* dY, const T* x, const T* mean, \
                                                                    const T* rstd, double* part) {      \
        group_norm_rows_param_partials<T>(N, S, C, G, nPer, vec, mSn, mSg, rSn, rSg, dY, x, mean, rstd, part); \
    }                                                                                                  \
    extern "C" __global__ void group_norm_param_grads_sum_##sfx(int C, int Y, const double* part, T* dGamma, \
                                                                int gStride, T* dBeta, int bStride) {   \
        group_norm_param_grads_sum<T>(C, Y, part, dGamma, gStride, dBeta, bStride);                    \
    }

JD_NORM_DENSE_GRADS(f32, float)
JD_NORM_DENSE_GRADS(f64, double)

#define JD_LAYER_NORM_ROWS_BACKWARD(sfx, T, N, B)                                                      \
    extern "C" __global__ void __launch_bounds__(B) layer_norm_rows_backward_##sfx##_n##N(             \
        int R, int D, int ldy, int ldx, int ldm, int ldr, int ldd, int warpRows, int vec, const T* dY, const T* x, \
        const T* gamma, const T* mean, const T* rstd, T* dX) {                                         \
        layer_norm_rows_backward<T, N>(R, D, ldy, ldx, ldm, ldr, ldd, warpRows, vec, dY, x, gamma, mean, rstd, dX); \
    }

JD_LAYER_NORM_ROWS_BACKWARD(f32, float, 4, 1024)
JD_LAYER_NORM_ROWS_BACKWARD(f32, float, 8, 1024)
JD_LAYER_NORM_ROWS_BACKWARD(f32, float, 16, 1024)
JD_LAYER_NORM_ROWS_BACKWARD(f32, float, 32, 512)
JD_LAYER_NORM_ROWS_BACKWARD(f64, double, 4, 1024)
JD_LAYER_NORM_ROWS_BACKWARD(f64, double, 8, 1024)
JD_LAYER_NORM_ROWS_BACKWARD(f64, double, 16, 512)
