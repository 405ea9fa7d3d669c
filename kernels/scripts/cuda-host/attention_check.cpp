// Runs attention.cu's kernels under cuda_host.h's CPU emulation against a float64 reference (the
// algorithm of CpuAttention) on random inputs: every variant, odd and unit sequence lengths,
// transposed (SpatialSelfAttention's) views, masks (dense with -inf entries, broadcast, a fully
// masked row), float32 and float64. Exits non-zero on the first mismatch.
//
// Shape legend: q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv], mask [B, H, Tq, Tk], out [B, H, Tq, Dv].
// Bytes moved: irrelevant here (emulation).
#include "cuda_host.h"
#include "attention.cu"

#include <random>
#include <string>

static std::mt19937_64 rng(12345);
static double normal() { static std::normal_distribution<double> n(0, 1); return n(rng); }

// A 4-d view over its own storage: row-major [B, H, T, C] or transposed storage [B, H, C, T].
struct Buf {
    int B, H, T, C;
    bool transposed;
    std::vector<double> v;  // logical values, row-major [B, H, T, C]
    AttnView view() const {
        return transposed ? AttnView{H * C * T, C * T, 1, T} : AttnView{H * T * C, T * C, C, 1};
    }
    int at(int b, int h, int t, int c) const { AttnView s = view(); return b * s.b + h * s.h + t * s.t + c * s.d; }
    double& operator()(int b, int h, int t, int c) { return v[((b * H + h) * T + t) * C + c]; }
    double operator()(int b, int h, int t, int c) const { return v[((b * H + h) * T + t) * C + c]; }
    template <typename X> std::vector<X> device() const {
        std::vector<X> d(std::max<size_t>(1, v.size()), X(NAN));
        for (int b = 0; b < B; ++b) for (int h = 0; h < H; ++h) for (int t = 0; t < T; ++t) for (int c = 0; c < C; ++c)
            d[at(b, h, t, c)] = (X)(*this)(b, h, t, c);
        return d;
    }
};
static Buf randomBuf(int B, int H, int T, int C, bool tr) {
    Buf b{B, H, T, C, tr, std::vector<double>((size_t)B * H * T * C)};
    for (auto& x : b.v) x = normal();
    return b;
}

struct Ref { std::vector<double> out, lse, dq, dk, dv; };

// mask(b, h, i, j) as a function; the reference in float64 (CpuAttention's algorithm)
template <typename Mask>
static Ref reference(const Buf& q, const Buf& k, const Buf& v, const Buf& g, Mask mask, double scale) {
    int B = q.B, H = q.H, Tq = q.T, Tk = k.T, D = q.C, Dv = v.C;
    Ref r{std::vector<double>((size_t)B * H * Tq * Dv), std::vector<double>((size_t)B * H * Tq),
          std::vector<double>((size_t)B * H * Tq * D), std::vector<double>((size_t)B * H * Tk * D, 0.0),
          std::vector<double>((size_t)B * H * Tk * Dv, 0.0)};
    for (int b = 0; b < B; ++b) for (int h = 0; h < H; ++h) for (int i = 0; i < Tq; ++i) {
        std::vector<double> s(Tk);
        double m = -INFINITY;
        for (int j = 0; j < Tk; ++j) {
            double dot = 0;
            for (int c = 0; c < D; ++c) dot += q(b, h, i, c) * k(b, h, j, c);
            s[j] = scale * dot + mask(b, h, i, j);
            m = std::max(m, s[j]);
        }
        size_t row = (size_t)(b * H + h) * Tq + i;
        if (m == -INFINITY) {
            for (int e = 0; e < Dv; ++e) r.out[row * Dv + e] = 0;
            for (int c = 0; c < D; ++c) r.dq[row * D + c] = 0;
            r.lse[row] = -INFINITY;
            continue;
        }
        double l = 0;
        for (int j = 0; j < Tk; ++j) l += std::exp(s[j] - m);
        double lse = m + std::log(l), di = 0;
        r.lse[row] = lse;
        for (int e = 0; e < Dv; ++e) {
            double o = 0;
            for (int j = 0; j < Tk; ++j) o += std::exp(s[j] - lse) * v(b, h, j, e);
            r.out[row * Dv + e] = o;
            di += o * g(b, h, i, e);
        }
        for (int c = 0; c < D; ++c) r.dq[row * D + c] = 0;
        for (int j = 0; j < Tk; ++j) {
            double p = std::exp(s[j] - lse), dp = 0;
            for (int e = 0; e < Dv; ++e) dp += g(b, h, i, e) * v(b, h, j, e);
            double ds = p * (dp - di);
            size_t kr = (size_t)(b * H + h) * Tk + j;
            for (int e = 0; e < Dv; ++e) r.dv[kr * Dv + e] += p * g(b, h, i, e);
            for (int c = 0; c < D; ++c) {
                r.dq[row * D + c] += scale * ds * k(b, h, j, c);
                r.dk[kr * D + c] += scale * ds * q(b, h, i, c);
            }
        }
    }
    return r;
}

static int failures = 0;

template <typename X>
static void compare(const char* what, const std::string& cas, const std::vector<double>& want, const std::vector<X>& got,
                    const Buf& layout, double atol, double rtol) {
    for (int b = 0; b < layout.B; ++b) for (int h = 0; h < layout.H; ++h) for (int t = 0; t < layout.T; ++t)
        for (int c = 0; c < layout.C; ++c) {
            double e = want[((size_t)(b * layout.H + h) * layout.T + t) * layout.C + c], a = got[layout.at(b, h, t, c)];
            bool ok = (e == a) || std::fabs(e - a) <= atol + rtol * std::fabs(e);
            if (!ok) {
                if (failures++ < 10)
                    std::fprintf(stderr, "%s %s: [%d,%d,%d,%d] expected %.9g got %.9g\n", cas.c_str(), what, b, h, t, c, e, a);
                return;
            }
        }
}

template <typename X>
struct Kernels {
    void (*fwd)(AttnDims, double, const X*, AttnView, const X*, AttnView, const X*, AttnView, const X*, AttnView, X*, AttnView,
                X*, AttnView);
    void (*dkdv)(AttnDims, double, const X*, AttnView, const X*, AttnView, const X*, AttnView, const X*, AttnView, const X*,
                 AttnView, const X*, AttnView, const X*, X*, AttnView, X*, AttnView);
    void (*dq)(AttnDims, double, const X*, AttnView, const X*, AttnView, const X*, AttnView, const X*, AttnView, const X*,
               AttnView, const X*, AttnView, const X*, X*, AttnView);
    void (*rowdot)(AttnDims, int, const X*, AttnView, const X*, AttnView, X*);
    int rows;
};

template <typename X> Kernels<X> pick(int d, int dv);
#define PICK(X, sfx)                                                                                              \
    template <> Kernels<X> pick<X>(int d, int dv) {                                                               \
        if (d == dv && d == 16) return {attention_fwd_d16_##sfx, attention_bwd_dkdv_d16_##sfx, attention_bwd_dq_d16_##sfx, attention_bwd_rowdot_##sfx, 32}; \
        if (d == dv && d == 32) return {attention_fwd_d32_##sfx, attention_bwd_dkdv_d32_##sfx, attention_bwd_dq_d32_##sfx, attention_bwd_rowdot_##sfx, 16}; \
        if (d == dv && d == 64) return {attention_fwd_d64_##sfx, attention_bwd_dkdv_d64_##sfx, attention_bwd_dq_d64_##sfx, attention_bwd_rowdot_##sfx, 16}; \
        if (d == dv && d == 128) return {attention_fwd_d128_##sfx, attention_bwd_dkdv_d128_##sfx, attention_bwd_dq_d128_##sfx, attention_bwd_rowdot_##sfx, 16}; \
        return {attention_fwd_any_##sfx, attention_bwd_dkdv_any_##sfx, attention_bwd_dq_any_##sfx, attention_bwd_rowdot_##sfx, 8};              \
    }
PICK(float, f32)
PICK(double, f64)

template <typename X>
static void run(int B, int H, int Tq, int Tk, int D, int Dv, bool tr, int maskKind, double atol, double rtol) {
    std::string cas = std::string(sizeof(X) == 4 ? "f32" : "f64") + " B" + std::to_string(B) + " H" + std::to_string(H) + " Tq" +
                      std::to_string(Tq) + " Tk" + std::to_string(Tk) + " D" + std::to_string(D) + " Dv" + std::to_string(Dv) +
                      (tr ? " transposed" : "") + " mask" + std::to_string(maskKind);
    Buf q = randomBuf(B, H, Tq, D, tr), k = randomBuf(B, H, Tk, D, tr), v = randomBuf(B, H, Tk, Dv, tr), g = randomBuf(B, H, Tq, Dv, false);
    // mask kinds: 0 none; 1 dense [B, H, Tq, Tk] with ~20% -inf and row 0 of every head fully masked; 2 broadcast [Tq, Tk] (stride 0 over B, H)
    Buf mk = randomBuf(maskKind == 2 ? 1 : B, maskKind == 2 ? 1 : H, Tq, Tk, false);
    for (auto& x : mk.v) if (normal() > 0.85) x = -INFINITY;
    if (maskKind == 1) for (int b = 0; b < B; ++b) for (int h = 0; h < H; ++h) for (int j = 0; j < Tk; ++j) mk(b, h, 0, j) = -INFINITY;
    auto mask = [&](int b, int h, int i, int j) { return maskKind == 0 ? 0.0 : maskKind == 1 ? mk(b, h, i, j) : mk(0, 0, i, j); };
    AttnView vm = maskKind == 0 ? AttnView{0, 0, 0, 0} : maskKind == 1 ? mk.view() : AttnView{0, 0, Tk, 1};
    double scale = 1 / std::sqrt((double)D);
    Ref r = reference(q, k, v, g, mask, scale);

    std::vector<X> dq_ = q.device<X>(), dk_ = k.device<X>(), dv_ = v.device<X>(), dg = g.device<X>(), dm = mk.device<X>();
    Buf outL{B, H, Tq, Dv, false, {}}, lseL{B, H, Tq, 1, false, {}};
    std::vector<X> out(std::max(1, B * H * Tq * Dv), X(NAN)), lse(std::max(1, B * H * Tq), X(NAN));
    AttnDims s{H, Tq, Tk, D, Dv};
    Kernels<X> kn = pick<X>(D, Dv);
    const X* maskp = maskKind == 0 ? nullptr : dm.data();
    AttnView vl{H * Tq, Tq, 1, 0};
    int bh = B * H;
    auto tiles = [](int n, int per) { return (n + per - 1) / per; };
    if (Tq > 0 && bh > 0)
        jdhost::launch(tiles(Tq, kn.rows) * bh, ATTN_THREADS, [&] {
            kn.fwd(s, scale, dq_.data(), q.view(), dk_.data(), k.view(), dv_.data(), v.view(), maskp, vm, out.data(), outL.view(),
                   lse.data(), vl);
        });
    compare("out", cas, r.out, out, outL, atol, rtol);
    compare("lse", cas, r.lse, lse, lseL, atol, rtol);

    // backward from the reference's out and lse, as the Java tests do
    std::vector<X> ro(r.out.begin(), r.out.end()), rl(r.lse.begin(), r.lse.end());
    ro.resize(std::max<size_t>(1, ro.size()));
    rl.resize(std::max<size_t>(1, rl.size()));
    std::vector<X> rowdot(std::max(1, bh * Tq), X(NAN));
    Buf dQL = q, dKL = k, dVL = v;  // the gradients share their inputs' layouts
    std::vector<X> gq(dq_.size(), X(NAN)), gk(dk_.size(), X(NAN)), gv(dv_.size(), X(NAN));
    int rows = bh * Tq;
    if (rows > 0) {
        jdhost::launch(tiles(rows, ATTN_THREADS / 32), ATTN_THREADS,
                       [&] { kn.rowdot(s, rows, dg.data(), g.view(), ro.data(), outL.view(), rowdot.data()); });
        jdhost::launch(tiles(Tq, kn.rows) * bh, ATTN_THREADS, [&] {
            kn.dq(s, scale, dq_.data(), q.view(), dk_.data(), k.view(), dv_.data(), v.view(), maskp, vm, dg.data(), g.view(), rl.data(),
                  vl, rowdot.data(), gq.data(), dQL.view());
        });
    }
    if (Tk > 0 && bh > 0)
        jdhost::launch(tiles(Tk, kn.rows) * bh, ATTN_THREADS, [&] {
            kn.dkdv(s, scale, dq_.data(), q.view(), dk_.data(), k.view(), dv_.data(), v.view(), maskp, vm, dg.data(), g.view(), rl.data(),
                    vl, rowdot.data(), gk.data(), dKL.view(), gv.data(), dVL.view());
        });
    compare("dQ", cas, r.dq, gq, dQL, atol, rtol);
    compare("dK", cas, r.dk, gk, dKL, atol, rtol);
    compare("dV", cas, r.dv, gv, dVL, atol, rtol);
    std::printf("%s %s\n", failures ? "FAIL?" : "ok  ", cas.c_str());
}

int main(int argc, char** argv) {
    bool quick = argc > 1 && std::string(argv[1]) == "quick";  // two cases, for trying a change
    const double fa = 1e-4, fr = 1e-4, da = 1e-10, dr = 1e-10;
    int dims[][2] = {{16, 16}, {32, 32}, {64, 64}, {128, 128}, {24, 40}, {200, 7}, {1, 1}};
    for (auto& dd : dims) {
        run<float>(2, 3, 37, 45, dd[0], dd[1], false, 0, fa, fr);
        run<double>(1, 2, 33, 19, dd[0], dd[1], true, 1, da, dr);
        if (quick) return failures ? 1 : 0;
    }
    run<float>(3, 4, 49, 49, 16, 16, true, 0, fa, fr);      // the U-Net's attention (heads 4, d 16, 7x7)
    run<float>(2, 2, 1, 1, 64, 64, false, 0, fa, fr);       // T = 1
    run<float>(1, 3, 1, 70, 32, 32, true, 2, fa, fr);
    run<float>(2, 2, 70, 33, 128, 128, false, 1, fa, fr);
    run<float>(1, 2, 40, 64, 64, 64, true, 2, fa, fr);
    run<double>(1, 1, 5, 0, 32, 32, false, 0, da, dr);     // no keys: out 0, lse -inf
    run<float>(2, 1, 17, 23, 100, 60, false, 1, fa, fr);
    std::printf(failures ? "FAILED (%d)\n" : "all passed\n", failures);
    return failures ? 1 : 0;
}
