// Runs norm.cu (layer norm, group norm: forward, dX, parameter gradients) and softmax.cu (softmax,
// log-softmax: forward, backward) under cuda_host.h's CPU emulation against float64 references
// (CpuNorm's and CpuSoftmax's math: two-pass variance), launched as CudaNorms.java and
// CudaSoftmax.java do: geometries coalesced and packed as CudaGeometry does, one block of
// LaunchConfig.rowBlock(row length) threads per row, layer norm's parameter gradients over
// (features / 256, row chunks) blocks with atomics. Cases: rows of 1..5000 elements (one warp to 32
// warps, several elements per thread), many short rows, permuted and padded (non-contiguous) inputs
// and outputs, no affine parameters, strided γ/β, float32 and float64. The register kernels
// (softmax_rows, softmax_rows_backward, layer_norm_rows, group_norm_rows and both norms' dX:
// CudaFastRows.java) run the same cases with an explicit Fast launch, and with it the dense
// parameter gradient kernels (layer_norm_rows_param_grads; group_norm_rows_param_partials and
// group_norm_param_grads_sum where S >= 32): warp or block per row, threads, elements a thread,
// vectors, odd storage offsets. Every output lives in guarded storage: nothing outside its logical
// elements may change.
//
// Shape legend: layer norm x [lead..., trail...] normalised over the nd trailing dims, mean/rstd
// [lead...], γ/β [trail...]; group norm x [N, C, S...], γ/β [C], mean/rstd [N, G]; softmax over dim.
// Bytes moved: irrelevant here (emulation).
#include "cuda_host.h"
#include "norm.cu"
#include "softmax.cu"
#include "host_check.h"

static const int H200 = 132;

// the view's logical values: random normal scaled, plus an offset (a mean the variance must cancel)
template <typename X> static View<X> randomView(const std::vector<int>& shape, const std::vector<int>& st, double scale = 1, double shift = 0,
                                                int offset = 0) {
    View<X> v(shape, st, offset);
    std::vector<double> vals(v.n());
    for (auto& x : vals) x = shift + scale * normal();
    v.set(vals);
    return v;
}
template <typename X> static View<X> output(const std::vector<int>& shape, const std::vector<int>& st, int offset = 0) {
    return View<X>(shape, st, offset);
}

// A register kernel launch (CudaFastRows.java): a warp per run in blocks of P threads, or a block of
// P per run; N elements a thread; 16-byte vectors; every operand `offset` elements into its storage
// (1: misaligned, so scalar). Runs are the leading dim of a 2-d or 3-d view.
struct Fast {
    bool warp;
    int P, N;
    bool vec;
    int offset;
    std::string name() const {
        return std::string(warp ? " warp/row" : " block/row") + " P" + std::to_string(P) + " N" + std::to_string(N) + (vec ? " vec" : "") +
               (offset ? " offset " + std::to_string(offset) : "");
    }
    unsigned grid(int runs) const { return warp ? (unsigned)((runs + P / 32 - 1) / (P / 32)) : (unsigned)runs; }
};

// f(std::integral_constant<int, N>) for the N of the kernels' instances
template <typename F> static void withN(int n, F f) {
    switch (n) {
        case 4: f(std::integral_constant<int, 4>{}); break;
        case 8: f(std::integral_constant<int, 8>{}); break;
        case 16: f(std::integral_constant<int, 16>{}); break;
        case 32: f(std::integral_constant<int, 32>{}); break;
        case 64: f(std::integral_constant<int, 64>{}); break;
        default: std::fprintf(stderr, "no register kernel with N = %d\n", n); std::exit(2);
    }
}

// compares every logical element of out with want (tolerance rtol * mag) and that nothing else changed
template <typename X>
static void expect(const std::string& cas, const char* what, View<X>& out, const std::vector<double>& want, const std::vector<double>& mag,
                   double rtol) {
    for (long i = 0; i < out.n(); ++i)
        if (!near(cas, what, i, want[i], out.get(i), rtol * mag[i])) break;
    int bad = out.st.untouchedOutside(out.offsets());
    if (bad && failures++ < 10) std::fprintf(stderr, "%s %s: %d elements outside the output written\n", cas.c_str(), what, bad);
}

static std::vector<int> sub(const std::vector<int>& a, size_t from, size_t to) { return std::vector<int>(a.begin() + from, a.begin() + to); }
static std::vector<int> zeros(size_t n) { return std::vector<int>(n, 0); }
static std::vector<int> without(const std::vector<int>& a, int k) { std::vector<int> r(a); r.erase(r.begin() + k); return r; }

static std::string layoutName(const std::vector<int>& shape, const std::vector<int>& st) {
    return str(shape) + (st == contiguous(shape) ? "" : " strides " + str(st));
}

template <typename X> static const char* dt() { return sizeof(X) == 4 ? "f32" : "f64"; }

// ---- layer norm ---------------------------------------------------------------------------------

template <typename X>
static void layerNorm(const std::vector<int>& shape, const std::vector<int>& xSt, int nd, bool affine, bool stridedOut, double rtol,
                      const Fast* fast = nullptr) {
    int r = (int)shape.size(), lead = r - nd;
    std::vector<int> leadShape = sub(shape, 0, lead), trailShape = sub(shape, lead, r);
    int rows = (int)numel(leadShape), D = (int)numel(trailShape);
    std::vector<int> outSt = stridedOut ? permutedStrides(shape, [&] { std::vector<int> o(r); for (int i = 0; i < r; ++i) o[i] = r - 1 - i; return o; }(), std::vector<int>(r, 1))
                                        : contiguous(shape);
    std::string cas = std::string("layer norm ") + dt<X>() + " x " + layoutName(shape, xSt) + " nd" + std::to_string(nd) + (affine ? "" : " no affine") +
                      (stridedOut ? " strided out/dX" : "") + (fast ? fast->name() : " block" + std::to_string(rowBlock(D)));
    int before = failures;
    double eps = 1e-5;
    int off = fast ? fast->offset : 0;
    View<X> x = randomView<X>(shape, xSt, 1.5, 2.0, off);
    std::vector<int> gSt = contiguous(trailShape);
    if (!fast)
        for (auto& s : gSt) s *= 2;  // γ, β every other element of their storage (the register kernels take dense ones)
    View<X> gamma = randomView<X>(trailShape, gSt, 1, 0, off), beta = randomView<X>(trailShape, gSt, 1, 0, off);
    View<X> out = output<X>(shape, outSt, off), mean = output<X>(leadShape, contiguous(leadShape)), rstd = output<X>(leadShape, contiguous(leadShape));
    auto st = [&](const View<X>& v, bool leadDims) { return leadDims ? sub(v.strides, 0, lead) : sub(v.strides, lead, r); };
    // CudaNorms.layerNorm
    Geom<4> rg = geom<4>(leadShape, {st(x, true), st(out, true), mean.strides, rstd.strides});
    Geom<4> ig = geom<4>(trailShape, {st(x, false), st(out, false), affine ? gamma.strides : zeros(nd), affine ? beta.strides : zeros(nd)});
    X* gp = affine ? gamma.ptr() : nullptr;
    X* bp = affine ? beta.ptr() : nullptr;
    if (fast) {  // CudaFastRows.layerNorm: one leading dim here, so the spacings are its strides
        withN(fast->N, [&](auto n) {
            jdhost::launch(fast->grid(rows), fast->P, [&] {
                layer_norm_rows<X, decltype(n)::value>(rows, D, x.stride(0), out.stride(0), mean.stride(0), rstd.stride(0), fast->warp, fast->vec, eps,
                                                       x.ptr(), gp, bp, out.ptr(), mean.ptr(), rstd.ptr());
            });
        });
    } else {
        jdhost::launch((unsigned)std::max(1, rows), rowBlock(D), [&] {
            if constexpr (sizeof(X) == 4) layer_norm_f32(rg, ig, D, eps, x.ptr(), gp, bp, out.ptr(), mean.ptr(), rstd.ptr());
            else layer_norm_f64(rg, ig, D, eps, x.ptr(), gp, bp, out.ptr(), mean.ptr(), rstd.ptr());
        });
    }
    // reference: two-pass statistics in float64
    std::vector<double> xv = x.values(), gv = gamma.values(), bv = beta.values();
    std::vector<double> mu(rows), rs(rows), rsMag(rows), y(x.n()), yMag(x.n());
    for (int row = 0; row < rows; ++row) {
        double s = 0, v = 0, sq = 0;
        for (int j = 0; j < D; ++j) s += xv[(long)row * D + j];
        mu[row] = s / D;
        for (int j = 0; j < D; ++j) { double d = xv[(long)row * D + j] - mu[row]; v += d * d; sq += xv[(long)row * D + j] * xv[(long)row * D + j]; }
        v /= D;
        rs[row] = 1 / std::sqrt(v + eps);
        rsMag[row] = rs[row] * (sq / D) / (v + eps);  // E[x²] - μ² cancels what E[x²] carries
        for (int j = 0; j < D; ++j) {
            long i = (long)row * D + j;
            double xh = (xv[i] - mu[row]) * rs[row], g = affine ? gv[j] : 1, b = affine ? bv[j] : 0;
            y[i] = xh * g + b;
            yMag[i] = (std::fabs(xv[i]) + std::fabs(mu[row])) * rs[row] * (sq / D) / (v + eps) * std::fabs(g) + std::fabs(b);
        }
    }
    std::vector<double> muMag(rows);
    for (int row = 0; row < rows; ++row) muMag[row] = std::sqrt(1.0 / (rs[row] * rs[row])) + std::fabs(mu[row]);
    expect(cas, "mean", mean, mu, muMag, rtol);
    expect(cas, "rstd", rstd, rs, rsMag, rtol);
    expect(cas, "out", out, y, yMag, rtol);

    // backward from the stored statistics (as the program runs it)
    // the register kernel holds x and dY, so its variants stop at N = 32 (float64 16): longer rows' dX runs the generic kernel
    const Fast* fastBack = fast && fast->N <= (sizeof(X) == 4 ? 32 : 16) ? fast : nullptr;
    View<X> dY = randomView<X>(shape, xSt, 1, 0, off), dX = output<X>(shape, outSt, off);
    View<X> dGamma = output<X>(trailShape, contiguous(trailShape)), dBeta = output<X>(trailShape, contiguous(trailShape));
    for (long i = 0; i < dGamma.n(); ++i) { dGamma.st[dGamma.at(i)] = 0; dBeta.st[dBeta.at(i)] = 0; }  // CudaElementwise.fill(0)
    Geom<5> rb = geom<5>(leadShape, {st(dY, true), st(x, true), mean.strides, rstd.strides, st(dX, true)});
    Geom<4> ib = geom<4>(trailShape, {st(dY, false), st(x, false), affine ? gamma.strides : zeros(nd), st(dX, false)});
    if (fastBack) {  // CudaFastRows.layerNormBackward, with the forward's launch
        withN(fast->N, [&](auto n) {
            if constexpr (decltype(n)::value <= (sizeof(X) == 4 ? 32 : 16))
                jdhost::launch(fast->grid(rows), fast->P, [&] {
                    layer_norm_rows_backward<X, decltype(n)::value>(rows, D, dY.stride(0), x.stride(0), mean.stride(0), rstd.stride(0), dX.stride(0),
                                                                    fast->warp, fast->vec, dY.ptr(), x.ptr(), gp, mean.ptr(), rstd.ptr(), dX.ptr());
                });
        });
    } else {
        jdhost::launch((unsigned)std::max(1, rows), rowBlock(D), [&] {
            if constexpr (sizeof(X) == 4) layer_norm_backward_f32(rb, ib, D, dY.ptr(), x.ptr(), gp, mean.ptr(), rstd.ptr(), dX.ptr());
            else layer_norm_backward_f64(rb, ib, D, dY.ptr(), x.ptr(), gp, mean.ptr(), rstd.ptr(), dX.ptr());
        });
    }
    Geom<4> rp = geom<4>(leadShape, {st(dY, true), st(x, true), mean.strides, rstd.strides});
    Geom<4> ip = geom<4>(trailShape, {st(dY, false), st(x, false), dGamma.strides, dBeta.strides});
    int block = ELEMENTWISE_BLOCK, gridX = (D + block - 1) / block;
    long want = (long)H200 * 8;
    int chunks = (int)std::max(1L, std::min(std::min((want + gridX - 1) / gridX, (long)rows), 1024L));
    int perChunk = (rows + chunks - 1) / chunks;
    chunks = (rows + perChunk - 1) / perChunk;
    if (fast)  // CudaFastRows.layerNormParamGradRows: the same chunks, rows by their spacings
        jdhost::launch(jd_dim3{(unsigned)gridX, (unsigned)chunks, 1}, block, [&] {
            if constexpr (sizeof(X) == 4) layer_norm_rows_param_grads_f32(rows, perChunk, D, dY.stride(0), x.stride(0), mean.stride(0), rstd.stride(0), dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), dGamma.ptr(), dBeta.ptr());
            else layer_norm_rows_param_grads_f64(rows, perChunk, D, dY.stride(0), x.stride(0), mean.stride(0), rstd.stride(0), dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), dGamma.ptr(), dBeta.ptr());
        });
    else jdhost::launch(jd_dim3{(unsigned)gridX, (unsigned)chunks, 1}, block, [&] {
        if constexpr (sizeof(X) == 4) layer_norm_param_grads_f32(rp, rows, perChunk, ip, D, dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), dGamma.ptr(), dBeta.ptr());
        else layer_norm_param_grads_f64(rp, rows, perChunk, ip, D, dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), dGamma.ptr(), dBeta.ptr());
    });
    std::vector<double> dyv = dY.values(), mv = mean.values(), rv = rstd.values();
    std::vector<double> dx(x.n()), dxMag(x.n()), dg(D, 0), dgMag(D, 0), db(D, 0), dbMag(D, 0);
    for (int row = 0; row < rows; ++row) {
        double s1 = 0, s2 = 0, a1 = 0, a2 = 0;
        for (int j = 0; j < D; ++j) {
            long i = (long)row * D + j;
            double g = dyv[i] * (affine ? gv[j] : 1), xh = (xv[i] - mv[row]) * rv[row];
            s1 += g; s2 += g * xh; a1 += std::fabs(g); a2 += std::fabs(g * xh);
            dg[j] += dyv[i] * xh; dgMag[j] += std::fabs(dyv[i] * xh) + std::fabs(dyv[i] * xv[i] * rv[row]);
            db[j] += dyv[i]; dbMag[j] += std::fabs(dyv[i]);
        }
        for (int j = 0; j < D; ++j) {
            long i = (long)row * D + j;
            double g = dyv[i] * (affine ? gv[j] : 1), xh = (xv[i] - mv[row]) * rv[row];
            dx[i] = rv[row] * (g - s1 / D - xh * s2 / D);
            dxMag[i] = rv[row] * (std::fabs(g) + a1 / D + (std::fabs(xv[i]) + std::fabs(mv[row])) * rv[row] * a2 / D);
        }
    }
    expect(cas, "dX", dX, dx, dxMag, rtol);
    expect(cas, "dGamma", dGamma, dg, dgMag, rtol);
    expect(cas, "dBeta", dBeta, db, dbMag, rtol);
    std::printf("%s %s chunks%d%s\n", failures > before ? "FAIL" : "ok  ", cas.c_str(), chunks, fast && !fastBack ? " (generic dX)" : "");
}

// ---- group norm ---------------------------------------------------------------------------------

// CudaNorms.gnStrides: (n, c) strides of x, out|dX, dY, γ (c only), mean, rstd
template <typename X>
static GnStrides gnStrides(const View<X>& x, const View<X>& out, const View<X>* dY, const View<X>* gamma, const View<X>& mean, const View<X>& rstd) {
    int p[12] = {x.stride(0), out.stride(0), dY ? dY->stride(0) : 0, 0, mean.stride(0), rstd.stride(0),
                 x.stride(1), out.stride(1), dY ? dY->stride(1) : 0, gamma ? gamma->stride(0) : 0, mean.stride(1), rstd.stride(1)};
    GnStrides s;
    static_assert(sizeof s == sizeof p, "GnStrides is int[12]");
    std::memcpy(&s, p, sizeof s);
    return s;
}

template <typename X>
static void groupNorm(const std::vector<int>& shape, const std::vector<int>& xSt, int G, bool affine, double rtol, const Fast* fast = nullptr) {
    int r = (int)shape.size(), N = shape[0], C = shape[1], Cg = C / G;
    std::vector<int> spatial = sub(shape, 2, r);
    int S = (int)numel(spatial), M = Cg * S;
    std::string cas = std::string("group norm ") + dt<X>() + " x " + layoutName(shape, xSt) + " G" + std::to_string(G) + (affine ? "" : " no affine") +
                      (fast ? fast->name() : " block" + std::to_string(rowBlock(M)) + "/" + std::to_string(rowBlock((long)N * S)));
    int before = failures;
    double eps = 1e-5;
    int off = fast ? fast->offset : 0;
    View<X> x = randomView<X>(shape, xSt, 0.7, -1.0, off);
    View<X> gamma = randomView<X>({C}, {3}), beta = randomView<X>({C}, {2});  // strided γ, β
    View<X> out = output<X>(shape, contiguous(shape), off), mean = output<X>({N, G}, {1, N}), rstd = output<X>({N, G}, {G, 1});
    auto sp = [&](const View<X>& v) { return sub(v.strides, 2, r); };
    Geom<2> sg = geom<2>(spatial, {sp(x), sp(out)});
    GnStrides stf = gnStrides<X>(x, out, nullptr, affine ? &gamma : nullptr, mean, rstd);
    X* gp = affine ? gamma.ptr() : nullptr;
    X* bp = affine ? beta.ptr() : nullptr;
    if (fast) {  // CudaFastRows.groupNorm: x and out dense
        withN(fast->N, [&](auto n) {
            jdhost::launch(fast->grid(N * G), fast->P, [&] {
                group_norm_rows<X, decltype(n)::value>(N * G, S, Cg, G, fast->warp, fast->vec, mean.stride(0), mean.stride(1), rstd.stride(0),
                                                       rstd.stride(1), eps, x.ptr(), gp, affine ? gamma.stride(0) : 0, bp,
                                                       affine ? beta.stride(0) : 0, out.ptr(), mean.ptr(), rstd.ptr());
            });
        });
    } else {
        jdhost::launch((unsigned)(N * G), rowBlock((long)M), [&] {
            if constexpr (sizeof(X) == 4) group_norm_f32(sg, S, C, G, stf, eps, x.ptr(), gp, bp, affine ? beta.stride(0) : 0, out.ptr(), mean.ptr(), rstd.ptr());
            else group_norm_f64(sg, S, C, G, stf, eps, x.ptr(), gp, bp, affine ? beta.stride(0) : 0, out.ptr(), mean.ptr(), rstd.ptr());
        });
    }
    std::vector<double> xv = x.values(), gv = gamma.values(), bv = beta.values();
    auto idx = [&](int n, int c, int s) { return ((long)n * C + c) * S + s; };
    std::vector<double> mu(N * G), rs(N * G), muMag(N * G), rsMag(N * G), y(x.n()), yMag(x.n());
    for (int n = 0; n < N; ++n) for (int g = 0; g < G; ++g) {
        double s = 0, v = 0, sq = 0;
        for (int c = g * Cg; c < (g + 1) * Cg; ++c) for (int k = 0; k < S; ++k) s += xv[idx(n, c, k)];
        double m = s / M;
        for (int c = g * Cg; c < (g + 1) * Cg; ++c) for (int k = 0; k < S; ++k) { double d = xv[idx(n, c, k)] - m; v += d * d; sq += xv[idx(n, c, k)] * xv[idx(n, c, k)]; }
        v /= M;
        double rr = 1 / std::sqrt(v + eps), amp = (sq / M) / (v + eps);
        mu[n * G + g] = m; rs[n * G + g] = rr; muMag[n * G + g] = std::sqrt(v) + std::fabs(m); rsMag[n * G + g] = rr * amp;
        for (int c = g * Cg; c < (g + 1) * Cg; ++c) for (int k = 0; k < S; ++k) {
            long i = idx(n, c, k);
            double ga = affine ? gv[c] : 1, be = affine ? bv[c] : 0;
            y[i] = (xv[i] - m) * rr * ga + be;
            yMag[i] = (std::fabs(xv[i]) + std::fabs(m)) * rr * amp * std::fabs(ga) + std::fabs(be);
        }
    }
    expect(cas, "mean", mean, mu, muMag, rtol);
    expect(cas, "rstd", rstd, rs, rsMag, rtol);
    expect(cas, "out", out, y, yMag, rtol);

    // dX: [C, N, S...] storage for a contiguous x, else contiguous
    std::vector<int> order(r);
    for (int i = 0; i < r; ++i) order[i] = i;
    if (xSt == contiguous(shape)) std::swap(order[0], order[1]);
    // the register kernel needs x, dY and dX dense (and takes them at the same offset); it holds two
    // inputs, so its variants stop at N = 32 (float64 16): longer groups' dX runs the generic kernel
    const Fast* fastBack = fast && fast->N <= (sizeof(X) == 4 ? 32 : 16) ? fast : nullptr;
    View<X> dY = randomView<X>(shape, xSt, 1, 0, off), dX = output<X>(shape, fast ? contiguous(shape) : permutedStrides(shape, order), off);
    View<X> dGamma = output<X>({C}, {2}), dBeta = output<X>({C}, {1});
    GnStrides stb = gnStrides<X>(x, dX, &dY, affine ? &gamma : nullptr, mean, rstd);
    Geom<3> sg3 = geom<3>(spatial, {sp(x), sp(dX), sp(dY)});
    if (fastBack) {  // CudaFastRows.groupNormBackward, with the forward's launch
        withN(fast->N, [&](auto n) {
            if constexpr (decltype(n)::value <= (sizeof(X) == 4 ? 32 : 16))
                jdhost::launch(fast->grid(N * G), fast->P, [&] {
                    group_norm_rows_backward<X, decltype(n)::value>(N * G, S, Cg, G, fast->warp, fast->vec, mean.stride(0), mean.stride(1),
                                                                    rstd.stride(0), rstd.stride(1), dY.ptr(), x.ptr(), gp,
                                                                    affine ? gamma.stride(0) : 0, mean.ptr(), rstd.ptr(), dX.ptr());
                });
        });
    } else {
        jdhost::launch((unsigned)(N * G), rowBlock((long)M), [&] {
            if constexpr (sizeof(X) == 4) group_norm_backward_f32(sg3, S, C, G, stb, dY.ptr(), x.ptr(), gp, mean.ptr(), rstd.ptr(), dX.ptr());
            else group_norm_backward_f64(sg3, S, C, G, stb, dY.ptr(), x.ptr(), gp, mean.ptr(), rstd.ptr(), dX.ptr());
        });
    }
    Geom<2> sg2 = geom<2>(spatial, {sp(x), sp(dY)});
    int chunks = 0;
    if (fast && S >= 32) {  // CudaFastRows.groupNormParamGradSamples: (channel, sample chunk) partials, then their sum in order
        int warps = 256 / 32;
        chunks = (int)std::max(1L, std::min(((long)H200 * 8 + C - 1) / C, (long)(N + warps - 1) / warps));
        int nPer = (N + chunks - 1) / chunks;
        chunks = (N + nPer - 1) / nPer;
        std::vector<double> part(2 * chunks * C, std::nan(""));
        jdhost::launch(jd_dim3{(unsigned)C, (unsigned)chunks, 1}, 256, [&] {
            if constexpr (sizeof(X) == 4) group_norm_rows_param_partials_f32(N, S, C, G, nPer, fast->vec, mean.stride(0), mean.stride(1), rstd.stride(0), rstd.stride(1), dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), part.data());
            else group_norm_rows_param_partials_f64(N, S, C, G, nPer, fast->vec, mean.stride(0), mean.stride(1), rstd.stride(0), rstd.stride(1), dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), part.data());
        });
        jdhost::launch((unsigned)((C + ELEMENTWISE_BLOCK - 1) / ELEMENTWISE_BLOCK), ELEMENTWISE_BLOCK, [&] {
            if constexpr (sizeof(X) == 4) group_norm_param_grads_sum_f32(C, chunks, part.data(), dGamma.ptr(), dGamma.stride(0), dBeta.ptr(), dBeta.stride(0));
            else group_norm_param_grads_sum_f64(C, chunks, part.data(), dGamma.ptr(), dGamma.stride(0), dBeta.ptr(), dBeta.stride(0));
        });
    } else {
        jdhost::launch((unsigned)C, rowBlock((long)N * S), [&] {
            if constexpr (sizeof(X) == 4) group_norm_param_grads_f32(sg2, N, S, C, G, stb, dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), dGamma.ptr(), dGamma.stride(0), dBeta.ptr(), dBeta.stride(0));
            else group_norm_param_grads_f64(sg2, N, S, C, G, stb, dY.ptr(), x.ptr(), mean.ptr(), rstd.ptr(), dGamma.ptr(), dGamma.stride(0), dBeta.ptr(), dBeta.stride(0));
        });
    }
    std::vector<double> dyv = dY.values(), mv = mean.values(), rv = rstd.values();  // mean/rstd views are [N, G] logical
    std::vector<double> dx(x.n()), dxMag(x.n()), dg(C, 0), dgMag(C, 0), db(C, 0), dbMag(C, 0);
    for (int n = 0; n < N; ++n) for (int g = 0; g < G; ++g) {
        double m = mv[n * G + g], rr = rv[n * G + g], s1 = 0, s2 = 0, a1 = 0, a2 = 0;
        for (int c = g * Cg; c < (g + 1) * Cg; ++c) for (int k = 0; k < S; ++k) {
            long i = idx(n, c, k);
            double gg = dyv[i] * (affine ? gv[c] : 1), xh = (xv[i] - m) * rr;
            s1 += gg; s2 += gg * xh; a1 += std::fabs(gg); a2 += std::fabs(gg * xh);
            dg[c] += dyv[i] * xh; dgMag[c] += std::fabs(dyv[i]) * (std::fabs(xv[i]) + std::fabs(m)) * rr;
            db[c] += dyv[i]; dbMag[c] += std::fabs(dyv[i]);
        }
        for (int c = g * Cg; c < (g + 1) * Cg; ++c) for (int k = 0; k < S; ++k) {
            long i = idx(n, c, k);
            double gg = dyv[i] * (affine ? gv[c] : 1), xh = (xv[i] - m) * rr;
            dx[i] = rr * (gg - s1 / M - xh * s2 / M);
            dxMag[i] = rr * (std::fabs(gg) + a1 / M + (std::fabs(xv[i]) + std::fabs(m)) * rr * a2 / M);
        }
    }
    expect(cas, "dX", dX, dx, dxMag, rtol);
    expect(cas, "dGamma", dGamma, dg, dgMag, rtol);
    expect(cas, "dBeta", dBeta, db, dbMag, rtol);
    std::printf("%s %s%s\n", failures > before ? "FAIL" : "ok  ", cas.c_str(), chunks ? (" param chunks" + std::to_string(chunks)).c_str() : "");
}

// ---- softmax ------------------------------------------------------------------------------------

template <typename X>
static void softmax(const std::vector<int>& shape, const std::vector<int>& xSt, int dim, bool log, bool stridedOut, double rtol,
                    const Fast* fast = nullptr) {
    int r = (int)shape.size(), D = shape[dim];
    std::vector<int> rowsShape = without(shape, dim);
    int rows = (int)numel(rowsShape);
    std::vector<int> outSt = stridedOut ? permutedStrides(shape, [&] { std::vector<int> o(r); for (int i = 0; i < r; ++i) o[i] = r - 1 - i; return o; }(), std::vector<int>(r, 1))
                                        : contiguous(shape);
    std::string cas = std::string(log ? "log-softmax " : "softmax ") + dt<X>() + " x " + layoutName(shape, xSt) + " dim" + std::to_string(dim) +
                      (stridedOut ? " strided out/dX" : "") + (fast ? fast->name() : " block" + std::to_string(rowBlock(D)));
    int before = failures, off = fast ? fast->offset : 0;
    View<X> x = randomView<X>(shape, xSt, 3.0, 1.0, off), y = output<X>(shape, outSt, off);
    Geom<2> g = geom<2>(rowsShape, {without(x.strides, dim), without(y.strides, dim)});
    if (fast) {  // CudaFastRows.softmax: [rows, D] along dim 1, the spacings the row strides
        withN(fast->N, [&](auto n) {
            jdhost::launch(fast->grid(rows), fast->P, [&] {
                softmax_rows<X, decltype(n)::value>(log ? 1 : 0, rows, D, x.stride(0), y.stride(0), fast->warp, fast->vec, x.ptr(), y.ptr());
            });
        });
    } else {
        jdhost::launch((unsigned)std::max(1, rows), rowBlock(D), [&] {
            if constexpr (sizeof(X) == 4) softmax_f32(log ? 1 : 0, g, D, x.stride(dim), y.stride(dim), x.ptr(), y.ptr());
            else softmax_f64(log ? 1 : 0, g, D, x.stride(dim), y.stride(dim), x.ptr(), y.ptr());
        });
    }
    // logical element (row, k): row-major over shape with dim moved last
    std::vector<double> xv = x.values(), want(x.n()), mag(x.n());
    std::vector<int> st = contiguous(shape);
    auto at = [&](int row, int k) {  // row-major index of (rows index, k along dim)
        long rest = row, i = (long)k * st[dim];
        for (int d = r - 1; d >= 0; --d) { if (d == dim) continue; i += (rest % shape[d]) * st[d]; rest /= shape[d]; }
        return i;
    };
    for (int row = 0; row < rows; ++row) {
        double m = -INFINITY, s = 0;
        for (int k = 0; k < D; ++k) m = std::max(m, xv[at(row, k)]);
        for (int k = 0; k < D; ++k) s += std::exp(xv[at(row, k)] - m);
        double lse = m + std::log(s);
        for (int k = 0; k < D; ++k) {
            long i = at(row, k);
            want[i] = log ? xv[i] - lse : std::exp(xv[i] - lse);
            mag[i] = log ? std::fabs(xv[i]) + std::fabs(lse) : want[i] * (1 + std::fabs(xv[i] - m));  // exp's argument carries ulp(x)
        }
    }
    expect(cas, "y", y, want, mag, rtol);

    // backward from the reference's y, as a saved output would be
    View<X> yr(shape, xSt, off), dY = randomView<X>(shape, outSt, 1, 0, off), dX = output<X>(shape, stridedOut ? xSt : contiguous(shape), off);
    yr.set(want);
    Geom<3> gb = geom<3>(rowsShape, {without(dY.strides, dim), without(yr.strides, dim), without(dX.strides, dim)});
    if (fast) {
        withN(fast->N, [&](auto n) {
            jdhost::launch(fast->grid(rows), fast->P, [&] {
                softmax_rows_backward<X, decltype(n)::value>(log ? 1 : 0, rows, D, dY.stride(0), yr.stride(0), dX.stride(0), fast->warp, fast->vec,
                                                            dY.ptr(), yr.ptr(), dX.ptr());
            });
        });
    } else {
        jdhost::launch((unsigned)std::max(1, rows), rowBlock(D), [&] {
            if constexpr (sizeof(X) == 4) softmax_backward_f32(log ? 1 : 0, gb, D, dY.stride(dim), yr.stride(dim), dX.stride(dim), dY.ptr(), yr.ptr(), dX.ptr());
            else softmax_backward_f64(log ? 1 : 0, gb, D, dY.stride(dim), yr.stride(dim), dX.stride(dim), dY.ptr(), yr.ptr(), dX.ptr());
        });
    }
    std::vector<double> gv = dY.values(), yv = yr.values(), dx(x.n()), dxMag(x.n());
    for (int row = 0; row < rows; ++row) {
        double s = 0, a = 0;
        for (int k = 0; k < D; ++k) { long i = at(row, k); s += log ? gv[i] : gv[i] * yv[i]; a += std::fabs(log ? gv[i] : gv[i] * yv[i]); }
        for (int k = 0; k < D; ++k) {
            long i = at(row, k);
            dx[i] = log ? gv[i] - std::exp(yv[i]) * s : yv[i] * (gv[i] - s);
            dxMag[i] = log ? std::fabs(gv[i]) + std::exp(yv[i]) * a * (1 + std::fabs(yv[i])) : std::fabs(yv[i]) * (std::fabs(gv[i]) + a);
        }
    }
    expect(cas, "dX", dX, dx, dxMag, rtol);
    std::printf("%s %s\n", failures > before ? "FAIL" : "ok  ", cas.c_str());
}

int main(int argc, char** argv) {
    bool quick = argc > 1 && std::string(argv[1]) == "quick";  // three cases, for trying a change
    const double fr = 1e-5, dr = 1e-12;
    auto C = contiguous;
    layerNorm<float>({6, 300}, C({6, 300}), 1, true, false, fr);
    groupNorm<float>({2, 8, 5, 7}, permutedStrides({2, 8, 5, 7}, {0, 2, 3, 1}), 4, true, fr);  // channels-last x
    softmax<float>({5, 1000}, permutedStrides({5, 1000}, {1, 0}, {0, 0}), 1, false, false, fr);
    if (quick) { std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures); return failures ? 1 : 0; }
    // layer norm: one warp .. 32 warps, several elements per thread, permuted and padded x, two normalised dims
    layerNorm<double>({6, 300}, permutedStrides({6, 300}, {1, 0}, {1, 3}), 1, true, true, dr);
    layerNorm<float>({37, 5}, C({37, 5}), 1, true, false, fr);
    layerNorm<double>({3, 5000}, C({3, 5000}), 1, false, false, dr);
    layerNorm<float>({2, 3, 4100}, permutedStrides({2, 3, 4100}, {1, 0, 2}, {0, 0, 3}), 1, true, true, fr);
    layerNorm<float>({4, 6, 7}, permutedStrides({4, 6, 7}, {2, 0, 1}), 2, true, false, fr);
    layerNorm<double>({3, 2, 16, 33}, permutedStrides({3, 2, 16, 33}, {0, 2, 1, 3}, {0, 1, 0, 0}), 2, true, true, dr);
    layerNorm<float>({1100, 40}, C({1100, 40}), 1, true, false, fr);  // param grads over row chunks, atomics from several blocks
    layerNorm<double>({1, 1}, C({1, 1}), 1, true, false, dr);
    // group norm: (n, g) blocks of 32..1024 threads, no spatial dims, strided γ/β
    groupNorm<double>({2, 8, 5, 7}, C({2, 8, 5, 7}), 4, true, dr);
    groupNorm<float>({2, 32, 16, 16}, C({2, 32, 16, 16}), 8, true, fr);
    groupNorm<double>({3, 12, 9, 13}, permutedStrides({3, 12, 9, 13}, {1, 0, 3, 2}, {0, 1, 0, 2}), 3, false, dr);
    groupNorm<float>({5, 6}, C({5, 6}), 2, true, fr);
    groupNorm<float>({1, 4, 1100}, permutedStrides({1, 4, 1100}, {2, 1, 0}), 1, true, fr);
    // softmax / log-softmax: long and short rows, inner and outer dims, strided views
    softmax<double>({5, 1000}, C({5, 1000}), 1, true, true, dr);
    softmax<float>({3, 5000}, C({3, 5000}), 1, true, false, fr);
    softmax<double>({2, 3000}, permutedStrides({2, 3000}, {1, 0}, {1, 0}), 1, false, true, dr);
    softmax<float>({7, 33, 3}, C({7, 33, 3}), 1, false, true, fr);
    softmax<float>({40, 5}, C({40, 5}), 1, true, false, fr);
    softmax<double>({4, 6, 70}, permutedStrides({4, 6, 70}, {2, 0, 1}, {0, 0, 2}), 2, false, false, dr);
    softmax<float>({9, 1}, C({9, 1}), 1, false, false, fr);
    softmax<float>({200, 10}, C({200, 10}), 0, true, true, fr);
    // register kernels (CudaFastRows): a warp per row (several rows a block, a partial last block) and a
    // block per row, N = 4 .. 64, vectors (aligned, rows whole vectors apart) and scalars (odd offsets,
    // rows of 49 or padded to odd spacings), rows shorter than the team's reach (empty lanes)
    Fast w4{true, 128, 4, false, 1}, w4v{true, 64, 4, true, 0}, w32v{true, 128, 32, true, 0}, w8d{true, 96, 8, true, 0};
    Fast b16v{false, 256, 16, true, 0}, b8{false, 128, 8, false, 1}, b64v{false, 512, 64, true, 0}, b16dv{false, 64, 16, true, 0};
    Fast b32{false, 64, 32, false, 3};
    softmax<float>({7, 49}, C({7, 49}), 1, false, false, fr, &w4);
    softmax<float>({5, 49}, permutedStrides({5, 49}, {0, 1}, {0, 3}), 1, true, false, fr, &w4);  // rows 52 apart
    softmax<float>({6, 12}, C({6, 12}), 1, false, false, fr, &w4v);
    softmax<float>({5, 1000}, C({5, 1000}), 1, true, false, fr, &w32v);
    softmax<double>({4, 200}, permutedStrides({4, 200}, {0, 1}, {0, 2}), 1, false, false, dr, &w8d);
    softmax<float>({3, 3000}, C({3, 3000}), 1, false, false, fr, &b16v);
    softmax<float>({2, 1001}, C({2, 1001}), 1, true, false, fr, &b8);
    softmax<double>({2, 1000}, C({2, 1000}), 1, true, false, dr, &b16dv);
    softmax<float>({2, 2000}, C({2, 2000}), 1, false, false, fr, &b32);
    layerNorm<float>({7, 49}, C({7, 49}), 1, true, false, fr, &w4);
    layerNorm<float>({5, 1000}, C({5, 1000}), 1, true, false, fr, &w32v);
    layerNorm<double>({4, 200}, permutedStrides({4, 200}, {0, 1}, {0, 2}), 1, false, false, dr, &w8d);
    layerNorm<float>({3, 4000}, C({3, 4000}), 1, true, false, fr, &b16v);
    layerNorm<float>({2, 1001}, C({2, 1001}), 1, false, false, fr, &b8);
    layerNorm<float>({2, 30000}, C({2, 30000}), 1, true, false, fr, &b64v);
    layerNorm<double>({2, 1000}, C({2, 1000}), 1, true, false, dr, &b16dv);
    groupNorm<float>({2, 8, 4, 4}, C({2, 8, 4, 4}), 4, true, fr, &w4v);
    groupNorm<float>({3, 6, 3, 5}, C({3, 6, 3, 5}), 3, true, fr, &w4);
    groupNorm<double>({2, 8, 5, 8}, C({2, 8, 5, 8}), 2, true, dr, &w8d);
    groupNorm<float>({2, 32, 16, 16}, C({2, 32, 16, 16}), 8, true, fr, &b16v);
    groupNorm<float>({2, 8, 28, 28}, C({2, 8, 28, 28}), 2, false, fr, &b16v);
    groupNorm<float>({1, 4, 9, 11}, C({1, 4, 9, 11}), 1, true, fr, &b8);
    groupNorm<float>({1, 8, 64, 64}, C({1, 8, 64, 64}), 1, true, fr, &b64v);
    groupNorm<double>({2, 6, 4, 10}, C({2, 6, 4, 10}), 3, true, dr, &b16dv);
    Fast b32v{false, 512, 32, true, 0};
    groupNorm<float>({1, 8, 40, 40}, C({1, 8, 40, 40}), 1, false, fr, &b32v);
    // parameter gradients over several sample chunks (the last one short), scalar (odd offset) and vectors
    groupNorm<float>({20, 4, 6, 6}, C({20, 4, 6, 6}), 2, true, fr, &w4);
    groupNorm<double>({19, 2, 8, 8}, C({19, 2, 8, 8}), 1, true, dr, &w8d);
    // layer norm dX and parameter gradients: many rows in chunks, a partial last block of warps
    layerNorm<float>({301, 40}, C({301, 40}), 1, true, false, fr, &w4v);
    layerNorm<double>({7, 33}, C({7, 33}), 1, true, false, dr, &w4);
    std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures);
    return failures ? 1 : 0;
}
