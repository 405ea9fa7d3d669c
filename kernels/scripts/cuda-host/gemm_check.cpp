// Runs gemm.cu's and conv.cu's kernels (every version: naive f32/f64, simt, tf32, bf16, the tiled ones
// with 128-, 64- and 32-row tiles) under cuda_host.h's CPU emulation against float64 references on
// random inputs: ragged edges, several tiles in m, n and k, transposed and broadcast operands, the
// 16-byte vector loads and their scalar fallback, bias, padded outputs; convolutions with stride,
// padding, dilation, groups and split-K weight gradients, M of 1 to 140 rows. Every tiled case runs
// with each tile height that holds a row of M (GemmPlan.tileM picks the smallest; the larger ones
// must agree too). Exits non-zero after all cases when any mismatched.
//
// The reference rounds each input as the version does (float32; TF32 rna; bf16 rn) and sums in
// float64, so the tolerance only covers float32 accumulation: 2^-23·(K + 2)·Σ|a·b|. A wrong fragment
// layout, tile offset or predicate is off by the size of a whole product.
//
// Shape legend: matmul out[z] = a[z]·b[z] + bias, a [B, M, K], b [B, K, N], out [B, M, N];
// conv x [N, C, H, W], w [O, C/G, KH, KW], y [N, O, HO, WO]. Bytes moved: irrelevant (emulation).
#include "cuda_host.h"
#include "gemm.cu"
#include "conv.cu"

#include <random>
#include <string>

static std::mt19937_64 rng(20261204);
static double normal() { static std::normal_distribution<double> n(0, 1); return n(rng); }

enum Version { NAIVE, SIMT, TF32, BF16 };
static const char* NAMES[] = {"naive", "simt", "tf32", "bf16"};
static const char* bmName(Version v, int bm) { return v == NAIVE ? "" : bm == 128 ? " bm128" : bm == 64 ? " bm64" : " bm32"; }
static const double SENTINEL = 7777.0;  // the output's value where no element may be written
static int failures = 0;

// the value the version multiplies for input x of type T
template <typename T> static double rounded(double x, Version v) {
    if (sizeof(T) == 8) return x;
    float f = (float)x;
    if (v == TF32) return __uint_as_float(to_tf32(f));
    if (v == BF16) return jdhost::bf16Value(pack_bf16x2(f, 0.f));
    return f;
}

static jd_dim3 tiledGrid(int m, int n, int batch, int bm) {
    unsigned t = (unsigned)(((m + bm - 1) / bm) * ((n + 127) / 128));
    return {t, (unsigned)std::min(batch, 65535), 1};
}
// the naive grid is kept small so the grid-stride loop wraps
static jd_dim3 naiveGrid(long mn, int batch) { return {(unsigned)std::min<long>(3, (mn + 255) / 256), (unsigned)batch, 1}; }

// got[i] against want[i] within tol[i]; outputs off the view (want NaN) must hold the sentinel
template <typename T>
static void compare(const std::string& cas, const std::vector<double>& want, const std::vector<double>& tol, const std::vector<T>& got) {
    for (size_t i = 0; i < got.size(); ++i) {
        double g = got[i], e = want[i];
        bool ok = std::isnan(e) ? g == SENTINEL : std::fabs(g - e) <= tol[i];
        if (!ok) {
            if (failures++ < 10) {
                if (std::isnan(e)) std::fprintf(stderr, "%s: element %zu is off the output view but was written (%.9g)\n", cas.c_str(), i, g);
                else std::fprintf(stderr, "%s: element %zu expected %.9g (tolerance %.3g) got %.9g\n", cas.c_str(), i, e, tol[i], g);
            }
            std::printf("FAIL %s\n", cas.c_str());
            return;
        }
    }
    std::printf("ok   %s\n", cas.c_str());
}

static double tolerance(double absSum, int k, bool f64) { return (f64 ? 1e-13 : std::ldexp(1.0, -23) * (k + 2)) * absSum + 1e-30; }

// ---- matmul ------------------------------------------------------------------------------------

struct MatmulCase {
    int M, N, K, batch;
    bool aT, bT;      // a stored [K][M] (m-contiguous), b stored [N][K] (k-contiguous)
    bool aBroadcast;  // one a for every batch entry (stride 0)
    bool bias;
    int pad;          // extra elements at the end of each output row
    int offset;       // elements before a's and b's first element (1 breaks 16-byte alignment)
};

// the tiled kernel of version v and tile rows bm: name##simt_f32, name##simt_m64_f32, ...
#define JD_TILED(name, v, bm, ...)                                                                                    \
    (v == SIMT ? (bm == 128 ? name##simt_f32(__VA_ARGS__) : bm == 64 ? name##simt_m64_f32(__VA_ARGS__) : name##simt_m32_f32(__VA_ARGS__)) \
     : v == TF32 ? (bm == 128 ? name##tf32_f32(__VA_ARGS__) : bm == 64 ? name##tf32_m64_f32(__VA_ARGS__) : name##tf32_m32_f32(__VA_ARGS__)) \
                 : (bm == 128 ? name##bf16_f32(__VA_ARGS__) : bm == 64 ? name##bf16_m64_f32(__VA_ARGS__) : name##bf16_m32_f32(__VA_ARGS__)))

// FastDiv as FastDivision.of (Java): mul = ⌈2^(31+l) / d⌉, l = ⌈log2 d⌉
static FastDiv fastDiv(int d) {
    int l = 0;
    while ((1LL << l) < d) ++l;
    unsigned long long mul = ((1ULL << (31 + l)) + d - 1) / d;
    return {(unsigned)mul, l};
}

template <typename T> static void runMatmul(Version v, const MatmulCase& c, int bm) {
    int M = c.M, N = c.N, K = c.K, B = c.batch;
    int sab = c.aBroadcast ? 0 : M * K, sam = c.aT ? 1 : K, sak = c.aT ? M : 1;
    int sbb = K * N, sbk = c.bT ? 1 : N, sbn = c.bT ? K : 1;
    int som = N + c.pad, sob = M * som;
    std::vector<T> a(c.offset + (c.aBroadcast ? 1 : B) * M * K + 4), b(c.offset + B * K * N + 4), bias(M);
    for (auto& x : a) x = (T)normal();
    for (auto& x : b) x = (T)normal();
    for (auto& x : bias) x = (T)normal();
    std::vector<T> out((size_t)B * sob, (T)SENTINEL);
    const T* pa = a.data() + c.offset;
    const T* pb = b.data() + c.offset;

    std::vector<double> want(out.size(), NAN), tol(out.size(), 0);
    for (int z = 0; z < B; ++z)
        for (int m = 0; m < M; ++m)
            for (int n = 0; n < N; ++n) {
                double s = c.bias ? bias[m] : 0, abs = std::fabs(s);
                for (int k = 0; k < K; ++k) {
                    double p = rounded<T>(pa[z * sab + m * sam + k * sak], v) * rounded<T>(pb[z * sbb + k * sbk + n * sbn], v);
                    s += p;
                    abs += std::fabs(p);
                }
                want[z * sob + m * som + n] = s;
                tol[z * sob + m * som + n] = tolerance(abs, K, sizeof(T) == 8);
            }

    // the flags as CudaMatmul.run sets them
    auto aligned = [](const T* p, int s1, int s2) { return (unsigned long)p % 16 == 0 && s1 % 4 == 0 && s2 % 4 == 0; };
    int flags = 0;
    if (v != NAIVE && (M == 1 || sam == 1) && aligned(pa, B > 1 ? sab : 0, K > 1 ? sak : 0)) flags |= MM_A_VEC;
    if (v != NAIVE && (N == 1 || sbn == 1) && aligned(pb, B > 1 ? sbb : 0, K > 1 ? sbk : 0)) flags |= MM_B_VEC;
    MatmulGeom g{M, N, K, B, sab, M == 1 ? 1 : sam, sak, sbb, sbk, N == 1 ? 1 : sbn, sob, som, 1, c.bias ? 1 : 0, flags};
    const T* pbias = c.bias ? bias.data() : nullptr;
    T* po = out.data();
    if constexpr (sizeof(T) == 8) {
        jdhost::launch(naiveGrid((long)M * N, B), 256, [&] { gemm_naive_f64(g, pa, pb, po, pbias); });
    } else {
        auto grid = v == NAIVE ? naiveGrid((long)M * N, B) : tiledGrid(M, N, B, bm);
        jdhost::launch(grid, 256, [&] {
            if (v == NAIVE) gemm_naive_f32(g, pa, pb, po, pbias);
            else JD_TILED(gemm_, v, bm, g, pa, pb, po, pbias);
        });
    }
    char name[200];
    std::snprintf(name, sizeof name, "matmul %s%s %s M%d N%d K%d B%d%s%s%s%s pad%d off%d flags%d", NAMES[v], bmName(v, bm), sizeof(T) == 8 ? "f64" : "f32", M, N,
                  K, B, c.aT ? " aT" : "", c.bT ? " bT" : "", c.aBroadcast ? " a-broadcast" : "", c.bias ? " bias" : "", c.pad, c.offset, flags);
    compare(name, want, tol, out);
}

// ---- conv2d ------------------------------------------------------------------------------------

struct ConvCase {
    int N, C, H, W, O, KH, KW, sH, sW, pH, pW, dH, dW, G;
    bool bias;
    int splits;  // of dW's K
    int xPad;    // extra elements at the end of each row of x (and dX): a strided view
};

template <typename T> static void runConv(Version v, const ConvCase& c, int bm) {
    int HO = (c.H + 2 * c.pH - c.dH * (c.KH - 1) - 1) / c.sH + 1, WO = (c.W + 2 * c.pW - c.dW * (c.KW - 1) - 1) / c.sW + 1;
    int Cg = c.C / c.G, Og = c.O / c.G, KK = c.KH * c.KW;
    int rx = c.W + c.xPad;  // x's row stride
    int sx[4] = {c.C * c.H * rx, c.H * rx, rx, 1}, sw[4] = {Cg * KK, KK, c.KW, 1}, sy[4] = {c.O * HO * WO, HO * WO, WO, 1};
    size_t nx = (size_t)c.N * sx[0], nw = (size_t)c.O * sw[0], ny = (size_t)c.N * sy[0];
    std::vector<T> x(nx), w(nw), dy(ny), bias(c.O);
    for (auto& e : x) e = (T)normal();
    for (auto& e : w) e = (T)normal();
    for (auto& e : dy) e = (T)normal();
    for (auto& e : bias) e = (T)normal();

    // references: y = conv(x, w) + bias, dX = conv^T(dY, w), dW = dY ⋆ x, with Σ|products| for tolerances
    std::vector<double> y(ny, NAN), yAbs(ny, 0), dx(nx, NAN), dxAbs(nx, 0), dw(nw, 0), dwAbs(nw, 0);
    for (int n = 0; n < c.N; ++n) for (int h = 0; h < c.H; ++h) for (int q = 0; q < c.W; ++q)
        for (int ch = 0; ch < c.C; ++ch) dx[n * sx[0] + ch * sx[1] + h * sx[2] + q] = 0;
    for (int n = 0; n < c.N; ++n)
        for (int o = 0; o < c.O; ++o)
            for (int oh = 0; oh < HO; ++oh)
                for (int ow = 0; ow < WO; ++ow) {
                    size_t yi = (size_t)n * sy[0] + o * sy[1] + oh * sy[2] + ow;
                    double s = c.bias ? bias[o] : 0, abs = std::fabs(s);
                    int grp = o / Og;
                    for (int cl = 0; cl < Cg; ++cl)
                        for (int i = 0; i < c.KH; ++i)
                            for (int j = 0; j < c.KW; ++j) {
                                int ih = oh * c.sH - c.pH + i * c.dH, iw = ow * c.sW - c.pW + j * c.dW;
                                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                                size_t xi = (size_t)n * sx[0] + (grp * Cg + cl) * sx[1] + ih * sx[2] + iw, wi = (size_t)o * sw[0] + cl * sw[1] + i * sw[2] + j;
                                double xv = rounded<T>(x[xi], v), wv = rounded<T>(w[wi], v), gv = rounded<T>(dy[yi], v);
                                s += wv * xv;
                                abs += std::fabs(wv * xv);
                                dx[xi] += wv * gv;
                                dxAbs[xi] += std::fabs(wv * gv);
                                dw[wi] += gv * xv;
                                dwAbs[wi] += std::fabs(gv * xv);
                            }
                    y[yi] = s;
                    yAbs[yi] = abs;
                }
    auto tols = [&](const std::vector<double>& abs, int k) {
        std::vector<double> t(abs.size());
        for (size_t i = 0; i < t.size(); ++i) t[i] = tolerance(abs[i], k, sizeof(T) == 8);
        return t;
    };

    // geometry as CudaConv.geometry(xs, ws, ys, ...)
    auto geom = [&](int sbias, int kchunk, int splits) {
        ConvGeom g{c.N, c.C, c.H, c.W, c.O, c.KH, c.KW, HO, WO, c.sH, c.sW, c.pH, c.pW, c.dH, c.dW, c.G,
                   {sx[0], sx[1], sx[2], sx[3]}, {sw[0], sw[1], sw[2], sw[3]}, {sy[0], sy[1], sy[2], sy[3]}, sbias, kchunk, splits,
                   fastDiv(c.KH * c.KW), fastDiv(c.KW), fastDiv(HO * WO), fastDiv(WO), fastDiv(c.H * c.W), fastDiv(c.W),
                   fastDiv(c.sH), fastDiv(c.sW)};
        return g;
    };
    auto grid = [&](int m, int n, int batch) { return v == NAIVE ? naiveGrid((long)m * n, batch) : tiledGrid(m, n, batch, bm); };
    char base[200];
    std::snprintf(base, sizeof base, "%s%s %s N%d C%d %dx%d O%d k%dx%d s%d,%d p%d,%d d%d,%d G%d%s xpad%d", NAMES[v], bmName(v, bm), sizeof(T) == 8 ? "f64" : "f32",
                  c.N, c.C, c.H, c.W, c.O, c.KH, c.KW, c.sH, c.sW, c.pH, c.pW, c.dH, c.dW, c.G, c.bias ? " bias" : "", c.xPad);

    // forward: M = Og, N = N·HO·WO, K = Cg·KK, batch G
    std::vector<T> out(ny, (T)SENTINEL);
    {
        ConvGeom g = geom(c.bias ? 1 : 0, 1, 1);
        const T* pb = c.bias ? bias.data() : nullptr;
        jdhost::launch(grid(Og, c.N * HO * WO, c.G), 256, [&] {
            if constexpr (sizeof(T) == 8) conv_fwd_naive_f64(g, x.data(), w.data(), pb, out.data());
            else if (v == NAIVE) conv_fwd_naive_f32(g, x.data(), w.data(), pb, out.data());
            else JD_TILED(conv_fwd_, v, bm, g, x.data(), w.data(), pb, out.data());
        });
        compare(std::string("conv fwd ") + base, y, tols(yAbs, Cg * KK), out);
    }
    // dX: M = Cg, N = N·H·W, K = Og·KK
    {
        std::vector<T> gx(nx, (T)SENTINEL);
        ConvGeom g = geom(0, 1, 1);
        jdhost::launch(grid(Cg, c.N * c.H * c.W, c.G), 256, [&] {
            if constexpr (sizeof(T) == 8) conv_dx_naive_f64(g, dy.data(), w.data(), gx.data());
            else if (v == NAIVE) conv_dx_naive_f32(g, dy.data(), w.data(), gx.data());
            else JD_TILED(conv_dx_, v, bm, g, dy.data(), w.data(), gx.data());
        });
        compare(std::string("conv dX  ") + base, dx, tols(dxAbs, Og * KK), gx);
    }
    // dW: M = Og, N = Cg·KK, K = N·HO·WO split as GemmPlan.splitK does (chunks of whole 16s)
    {
        int k = c.N * HO * WO, splits = c.splits, chunk = k;
        if (splits > 1) {
            chunk = ((k + splits - 1) / splits + 15) / 16 * 16;
            splits = (k + chunk - 1) / chunk;
        }
        std::vector<T> gw(nw, (T)SENTINEL), ws(splits > 1 ? (size_t)splits * c.O * Cg * KK : 1, (T)SENTINEL);
        ConvGeom g = geom(0, chunk, splits);
        jdhost::launch(grid(Og, Cg * KK, c.G * splits), 256, [&] {
            if constexpr (sizeof(T) == 8) conv_dw_naive_f64(g, dy.data(), x.data(), gw.data(), ws.data());
            else if (v == NAIVE) conv_dw_naive_f32(g, dy.data(), x.data(), gw.data(), ws.data());
            else JD_TILED(conv_dw_, v, bm, g, dy.data(), x.data(), gw.data(), ws.data());
        });
        if (splits > 1)
            jdhost::launch(naiveGrid((long)nw, 1), 256, [&] {
                if constexpr (sizeof(T) == 8) conv_dw_reduce_f64(g, ws.data(), gw.data());
                else conv_dw_reduce_f32(g, ws.data(), gw.data());
            });
        compare(std::string("conv dW  ") + base + " splits" + std::to_string(splits), dw, tols(dwAbs, k), gw);
    }
}

int main(int argc, char** argv) {
    bool quick = argc > 1 && std::string(argv[1]) == "quick";  // a few cases, for trying a change
    const MatmulCase mms[] = {
        {130, 150, 37, 2, false, false, false, true, 3, 0},   // two tile rows and columns, ragged k, vector loads of b
        {1, 1, 1, 1, false, false, false, false, 0, 0},       // one element
        {64, 200, 300, 3, true, false, true, false, 0, 0},    // a m-contiguous (vector) and broadcast, many k-tiles
        {257, 5, 20, 1, true, true, false, true, 1, 0},       // b k-contiguous: scalar b loads
        {40, 36, 48, 2, true, false, false, false, 0, 1},     // misaligned: scalar loads everywhere
        {1, 130, 24, 2, false, false, false, true, 0, 0},     // M = 1 (a vector with m == 1)
        {128, 256, 64, 1, true, false, false, false, 0, 0},   // whole tiles only, vector loads
        {96, 70, 33, 1, true, false, false, true, 0, 0},      // 96 rows: three 32-row tiles, one and a half 64-row ones
        {20, 129, 17, 2, true, false, false, false, 0, 0},    // a vector loads of a partial 32-row tile
    };
    const ConvCase convs[] = {
        {2, 6, 9, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, 1, 0},    // 3x3 stride 1, same padding
        {2, 4, 10, 11, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, false, 1, 3},  // stride 2, groups 2, strided x
        {3, 5, 6, 6, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, 1, 0},     // 1x1
        {2, 4, 8, 8, 4, 3, 2, 1, 2, 2, 0, 2, 1, 1, false, 1, 0},    // dilation 2, rectangular kernel, asymmetric
        {4, 3, 12, 12, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, 3, 0},  // dW split-K in 3
        {2, 130, 3, 3, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, 1, 0},  // Cg·KK > 128: two tiles of dW's n
        {2, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, 4, 0},   // the U-Net's 64 -> 64 at 7x7, dW split in 4
        {2, 32, 7, 5, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, 1, 0},   // 32 -> 32: M = 32 in every pass
        {1, 96, 5, 6, 48, 3, 3, 2, 2, 1, 1, 1, 1, 1, false, 2, 0},  // stride 2: forward and dW M = 48, dX M = 96
        {2, 66, 5, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 2, false, 1, 1},  // groups 2: M = 35 and 33, strided x
    };
    for (Version v : {NAIVE, SIMT, TF32, BF16})
        for (int bm : {128, 64, 32}) {
            if (v == NAIVE && bm != 128) continue;  // one naive kernel
            for (const auto& c : mms) {
                runMatmul<float>(v, c, bm);
                if (quick) break;
            }
            for (const auto& c : convs) {
                runConv<float>(v, c, bm);
                if (quick) break;
            }
        }
    runMatmul<double>(NAIVE, mms[0], 128);
    runConv<double>(NAIVE, convs[1], 128);
    std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures);
    return failures ? 1 : 0;
}
