// 2-d convolution (cross-correlation) and its two gradients as implicit GEMMs: no im2col buffer,
// the tile loaders of gemm.cuh compute each element's address from (n, c, kh, kw, oh, ow).
//
// Shapes: x [N, C, H, W], w [O, C/G, KH, KW], y [N, O, HO, WO], G groups, Cg = C/G, Og = O/G,
// KK = KH·KW; stride (sH, sW), padding (pH, pW), dilation (dH, dW); any element strides (NCHW at
// the API, views allowed). One GEMM per group (the batch index z of gemm.cuh):
//   forward  y[n, o, p]  = bias[o] + Σ_r w[o, r] · x̂[r, (n, p)]      M = Og, N = N·HO·WO, K = Cg·KK
//   dX       dx[n, c, q] = Σ_(o,i,j) w[o, c, i, j] · dY[n, o, oh, ow] M = Cg, N = N·H·W,   K = Og·KK
//            where ih = oh·sH − pH + i·dH (zero where (ih + pH − i·dH) is not a multiple of sH: a
//            gather, so no atomics and any stride)
//   dW       dw[o, r]    = Σ_(n, p) dY[n, o, p] · x̂[r, (n, p)]       M = Og, N = Cg·KK,  K = N·HO·WO
//            K is split into `splits` chunks when M·N has too few tiles to fill the GPU: partial
//            products go to a workspace [splits, O, Cg·KK] that conv_dw_reduce sums in a fixed order.
// with r = (c, i, j), x̂[r, (n, oh, ow)] = x[n, c, oh·sH − pH + i·dH, ow·sW − pW + j·dW] (0 outside).
// Tiles of BM = 128, 64 or 32 rows by M (gemm.cuh, GemmPlan.tileM): the U-Net's 32- and 64-channel
// layers fill 32- and 64-row tiles. The loaders' index arithmetic (k -> (c, i, j), column -> (n, oh,
// ow), and dX's stride test) divides by launch constants through FastDiv (multiply-high and shift,
// magic numbers from the host) instead of integer division.
// FLOPs: 2·N·O·Cg·KK·HO·WO for each of the three. Bytes moved: x, w, y (or dY, dX, dW) once each
// compulsory; the tiled versions re-read A once per column of tiles and B once per row of BM-row
// tiles (mostly from L2), plus 2·splits·O·Cg·KK·sizeof(T) for a split dW.
#include "gemm.cuh"

// n / d for 0 <= n < 2^31 and a divisor d >= 1 fixed for the launch, without a division: with
// l = ⌈log2 d⌉ and mul = ⌈2^(31+l) / d⌉ < 2^32, ⌊n / d⌋ = ⌊n · mul / 2^(31+l)⌋ (Granlund & Montgomery,
// "Division by invariant integers using multiplication", PLDI 1994, thm. 4.2 with N = 31: the error
// mul·d − 2^(31+l) is below d <= 2^l) = umulhi(2n, mul) >> l. Three 32-bit instructions (add,
// IMAD.HI, shift) where n / d costs ~20. mul and l come from FastDivision.java, tested against division.
struct FastDiv {
    unsigned mul;
    int shr;  // l
    __device__ __forceinline__ int div(int n) const { return (int)(__umulhi((unsigned)n + (unsigned)n, mul) >> shr); }
};

// Packed by CudaConv.java as int[47].
struct ConvGeom {
    int N, C, H, W, O, KH, KW, HO, WO;
    int sH, sW, pH, pW, dH, dW, G;
    int sx[4], sw[4], sy[4];  // (n, c, h, w) strides of x (or dX), w (or dW), y (or dY)
    int sbias;
    int kchunk, splits;       // dW: K per split, number of splits
    // n / KH·KW, / KW, / HO·WO, / WO, / H·W, / W, / sH, / sW (a zero extent packs divisor 1)
    FastDiv byKK, byKW, byPo, byWO, byPi, byW, bySH, bySW;
    // (c, i, j) of r = (c·KH + i)·KW + j
    __device__ __forceinline__ void crs(int r, int& c, int& i, int& j) const {
        int KK = KH * KW;
        c = byKK.div(r);
        int q = r - c * KK;
        i = byKW.div(q);
        j = q - i * KW;
    }
    // (n, oh, ow) of p = (n·HO + oh)·WO + ow
    __device__ __forceinline__ void out_pos(int p, int& n, int& oh, int& ow) const {
        n = byPo.div(p);
        int q = p - n * HO * WO;
        oh = byWO.div(q);
        ow = q - oh * WO;
    }
    // (n, ih, iw) of p = (n·H + ih)·W + iw
    __device__ __forceinline__ void in_pos(int p, int& n, int& ih, int& iw) const {
        n = byPi.div(p);
        int q = p - n * H * W;
        ih = byW.div(q);
        iw = q - ih * W;
    }
};

// The shared fields of the three problems; b_col state is (base offset, row origin, column origin).
template <typename T> struct ConvBase {
    static constexpr bool VEC = false;
    struct BCol { int base, h0, w0; };
    ConvGeom g;
    int M, N, K, kbeg, batch, Cg, Og, KK;
    const T* A;
    const T* B;
    T* C;
    __device__ void init(const ConvGeom& geom) {
        g = geom;
        Cg = g.C / g.G;
        Og = g.O / g.G;
        KK = g.KH * g.KW;
        kbeg = 0;
    }
    __device__ T bias_of(int) const { return (T)0; }
};

template <typename T> struct ConvFwdP : ConvBase<T> {
    using typename ConvBase<T>::BCol;
    const T* bias;
    __device__ static ConvFwdP of(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
        ConvFwdP p;
        p.init(g);
        p.M = p.Og; p.N = g.N * g.HO * g.WO; p.K = p.Cg * p.KK; p.batch = g.G;
        p.A = w; p.B = x; p.C = y; p.bias = bias;
        return p;
    }
    __device__ void select(int z) {
        this->A += z * this->Og * this->g.sw[0];
        this->B += z * this->Cg * this->g.sx[1];
        this->C += z * this->Og * this->g.sy[1];
        if (bias) bias += z * this->Og * this->g.sbias;
    }
    __device__ int a_row(int m) const { return m < this->M ? m * this->g.sw[0] : -1; }
    __device__ int a_col(int k) const {
        if (k >= this->K) return -1;
        int c, i, j;
        this->g.crs(k, c, i, j);
        return c * this->g.sw[1] + i * this->g.sw[2] + j * this->g.sw[3];
    }
    __device__ BCol b_col(int n) const {
        if (n >= this->N) return {-1, 0, 0};
        int nb, oh, ow;
        this->g.out_pos(n, nb, oh, ow);
        return {nb * this->g.sx[0], oh * this->g.sH - this->g.pH, ow * this->g.sW - this->g.pW};
    }
    __device__ const T* b_at(int k, const BCol& col) const {
        if (k >= this->K || col.base < 0) return nullptr;
        int c, i, j;
        this->g.crs(k, c, i, j);
        int ih = col.h0 + i * this->g.dH, iw = col.w0 + j * this->g.dW;
        if (ih < 0 || ih >= this->g.H || iw < 0 || iw >= this->g.W) return nullptr;
        return this->B + col.base + c * this->g.sx[1] + ih * this->g.sx[2] + iw * this->g.sx[3];
    }
    __device__ int c_row(int m) const { return m * this->g.sy[1]; }
    __device__ int c_col(int n) const {
        int nb, oh, ow;
        this->g.out_pos(n, nb, oh, ow);
        return nb * this->g.sy[0] + oh * this->g.sy[2] + ow * this->g.sy[3];
    }
    __device__ T bias_of(int m) const { return bias ? bias[m * this->g.sbias] : (T)0; }
};

template <typename T> struct ConvDxP : ConvBase<T> {
    using typename ConvBase<T>::BCol;
    __device__ static ConvDxP of(const ConvGeom& g, const T* dy, const T* w, T* dx) {
        ConvDxP p;
        p.init(g);
        p.M = p.Cg; p.N = g.N * g.H * g.W; p.K = p.Og * p.KK; p.batch = g.G;
        p.A = w; p.B = dy; p.C = dx;
        return p;
    }
    __device__ void select(int z) {
        this->A += z * this->Og * this->g.sw[0];
        this->B += z * this->Og * this->g.sy[1];
        this->C += z * this->Cg * this->g.sx[1];
    }
    __device__ int a_row(int m) const { return m < this->M ? m * this->g.sw[1] : -1; }
    __device__ int a_col(int k) const {
        if (k >= this->K) return -1;
        int o, i, j;
        this->g.crs(k, o, i, j);
        return o * this->g.sw[0] + i * this->g.sw[2] + j * this->g.sw[3];
    }
    // column (n, ih, iw) of dX: origins ih + pH, iw + pW, from which oh·sH = origin − i·dH
    __device__ BCol b_col(int n) const {
        if (n >= this->N) return {-1, 0, 0};
        int nb, ih, iw;
        this->g.in_pos(n, nb, ih, iw);
        return {nb * this->g.sy[0], ih + this->g.pH, iw + this->g.pW};
    }
    __device__ const T* b_at(int k, const BCol& col) const {
        if (k >= this->K || col.base < 0) return nullptr;
        int o, i, j;
        this->g.crs(k, o, i, j);
        int th = col.h0 - i * this->g.dH, tw = col.w0 - j * this->g.dW;
        if (th < 0 || tw < 0) return nullptr;
        int oh = this->g.bySH.div(th), ow = this->g.bySW.div(tw);
        if (oh * this->g.sH != th || ow * this->g.sW != tw || oh >= this->g.HO || ow >= this->g.WO) return nullptr;
        return this->B + col.base + o * this->g.sy[1] + oh * this->g.sy[2] + ow * this->g.sy[3];
    }
    __device__ int c_row(int m) const { return m * this->g.sx[1]; }
    __device__ int c_col(int n) const {
        int nb, ih, iw;
        this->g.in_pos(n, nb, ih, iw);
        return nb * this->g.sx[0] + ih * this->g.sx[2] + iw * this->g.sx[3];
    }
};

template <typename T> struct ConvDwP : ConvBase<T> {
    using typename ConvBase<T>::BCol;
    T* ws;  // [splits, O, Cg·KK] when splits > 1
    __device__ static ConvDwP of(const ConvGeom& g, const T* dy, const T* x, T* dw, T* ws) {
        ConvDwP p;
        p.init(g);
        p.M = p.Og; p.N = p.Cg * p.KK; p.K = g.N * g.HO * g.WO; p.batch = g.G * g.splits;
        p.A = dy; p.B = x; p.C = dw; p.ws = ws;
        return p;
    }
    __device__ void select(int z) {
        int grp = z / this->g.splits, split = z - grp * this->g.splits;
        this->kbeg = split * this->g.kchunk;
        this->K = min(this->K, this->kbeg + this->g.kchunk);
        this->A += grp * this->Og * this->g.sy[1];
        this->B += grp * this->Cg * this->g.sx[1];
        if (this->g.splits > 1) this->C = ws + (split * this->g.O + grp * this->Og) * this->N;
        else this->C += grp * this->Og * this->g.sw[0];
    }
    __device__ int a_row(int m) const { return m < this->M ? m * this->g.sy[1] : -1; }
    __device__ int a_col(int k) const {
        if (k >= this->K) return -1;
        int nb, oh, ow;
        this->g.out_pos(k, nb, oh, ow);
        return nb * this->g.sy[0] + oh * this->g.sy[2] + ow * this->g.sy[3];
    }
    // column (c, i, j) of dW: base c·sx1 and the offsets i·dH − pH, j·dW − pW
    __device__ BCol b_col(int n) const {
        if (n >= this->N) return {-1, 0, 0};
        int c, i, j;
        this->g.crs(n, c, i, j);
        return {c * this->g.sx[1], i * this->g.dH - this->g.pH, j * this->g.dW - this->g.pW};
    }
    __device__ const T* b_at(int k, const BCol& col) const {
        if (k >= this->K || col.base < 0) return nullptr;
        int nb, oh, ow;
        this->g.out_pos(k, nb, oh, ow);
        int ih = oh * this->g.sH + col.h0, iw = ow * this->g.sW + col.w0;
        if (ih < 0 || ih >= this->g.H || iw < 0 || iw >= this->g.W) return nullptr;
        return this->B + nb * this->g.sx[0] + col.base + ih * this->g.sx[2] + iw * this->g.sx[3];
    }
    __device__ int c_row(int m) const { return this->g.splits > 1 ? m * this->N : m * this->g.sw[0]; }
    __device__ int c_col(int n) const {
        if (this->g.splits > 1) return n;
        int c, i, j;
        this->g.crs(n, c, i, j);
        return c * this->g.sw[1] + i * this->g.sw[2] + j * this->g.sw[3];
    }
};

// dW[o, r] = Σ_s ws[s, o, r], summed in split order (deterministic).
template <typename T> __device__ void conv_dw_reduce_body(const ConvGeom& g, const T* ws, T* dw) {
    int KK = g.KH * g.KW, R = g.C / g.G * KK, total = g.O * R;
    JD_GRID_LOOP(e, total) {
        int o = (int)e / R, n = (int)e - o * R;
        T acc = 0;
        for (int s = 0; s < g.splits; ++s) acc += ws[(s * g.O + o) * R + n];
        int c = n / KK, r = n - c * KK, i = r / g.KW, j = r - i * g.KW;
        dw[o * g.sw[0] + c * g.sw[1] + i * g.sw[2] + j * g.sw[3]] = acc;
    }
}

#define JD_CONV_NAIVE(sfx, T)                                                                                           \
    extern "C" __global__ void conv_fwd_naive_##sfx(ConvGeom g, const T* x, const T* w, const T* bias, T* y) {         \
        gemm_naive_body<T>(ConvFwdP<T>::of(g, x, w, bias, y));                                                         \
    }                                                                                                                  \
    extern "C" __global__ void conv_dx_naive_##sfx(ConvGeom g, const T* dy, const T* w, T* dx) {                       \
        gemm_naive_body<T>(ConvDxP<T>::of(g, dy, w, dx));                                                              \
    }                                                                                                                  \
    extern "C" __global__ void conv_dw_naive_##sfx(ConvGeom g, const T* dy, const T* x, T* dw, T* ws) {                \
        gemm_naive_body<T>(ConvDwP<T>::of(g, dy, x, dw, ws));                                                          \
    }                                                                                                                  \
    extern "C" __global__ void conv_dw_reduce_##sfx(ConvGeom g, const T* ws, T* dw) { conv_dw_reduce_body<T>(g, ws, dw); }
JD_CONV_NAIVE(f32, float)
JD_CONV_NAIVE(f64, double)

// One kernel per (pass, tiled version, tile rows): conv_<pass>_<ver>_f32 (128 rows), _<ver>_m64_ and
// _<ver>_m32_ (GemmPlan.tileM picks from M); launch bounds as the matmul kernels of the same shape.
#define JD_CONV_TILED(ver, V, BM, MIN_BLOCKS)                                                                                \
    extern "C" __global__ void __launch_bounds__(JD_GEMM_THREADS, MIN_BLOCKS) conv_fwd_##ver##_f32(ConvGeom g, const float* x, const float* w, \
                                                                             const float* bias, float* y) {              \
        gemm_tiled<V, BM>(ConvFwdP<float>::of(g, x, w, bias, y));                                                        \
    }                                                                                                                    \
    extern "C" __global__ void __launch_bounds__(JD_GEMM_THREADS, MIN_BLOCKS) conv_dx_##ver##_f32(ConvGeom g, const float* dy, const float* w, \
                                                                            float* dx) {                                 \
        gemm_tiled<V, BM>(ConvDxP<float>::of(g, dy, w, dx));                                                             \
    }                                                                                                                    \
    extern "C" __global__ void __launch_bounds__(JD_GEMM_THREADS, MIN_BLOCKS) conv_dw_##ver##_f32(ConvGeom g, const float* dy, const float* x, \
                                                                            float* dw, float* ws) {                      \
        gemm_tiled<V, BM>(ConvDwP<float>::of(g, dy, x, dw, ws));                                                         \
    }
JD_CONV_TILED(simt, GEMM_SIMT, 128, 1)
JD_CONV_TILED(tf32, GEMM_TF32, 128, 1)
JD_CONV_TILED(bf16, GEMM_BF16, 128, 2)
JD_CONV_TILED(simt_m64, GEMM_SIMT, 64, 2)
JD_CONV_TILED(tf32_m64, GEMM_TF32, 64, 2)
JD_CONV_TILED(bf16_m64, GEMM_BF16, 64, 2)
JD_CONV_TILED(simt_m32, GEMM_SIMT, 32, 2)
JD_CONV_TILED(tf32_m32, GEMM_TF32, 32, 2)
JD_CONV_TILED(bf16_m32, GEMM_BF16, 32, 2)
