// Philox-4x32-10 random fills, bit-identical to org.jdiffusion.tensor.Philox.
//
// Shapes: out of n elements (any strides; `g` is a Geom<1> over its shape, innermost first, so
// linear i is the row-major index). Element i uses counter c = offset + i:
//   key (lo32 seed, hi32 seed), counter (lo32 c, hi32 c, 0, 0) -> (x0, x1, x2, x3)
//   u24(x) = min(((x >> 8) + 0.5) 2^-24, 1 - 2^-24),  u53(x, y) = min((((x << 21) | (y >> 11)) + 0.5) 2^-53, 1 - 2^-53)
//   UNIFORM a + (b - a) u (u24(x0) for float32, u53(x0, x1) otherwise)
//   NORMAL  a + b sqrt(-2 ln u53(x0, x1)) cos(2 pi u53(x2, x3)), with ln and cos(2 pi .) as px_log and
//           px_cos2pi below (series in fused multiply-adds, as Philox.log and Philox.cos2Pi)
//   INTEGER lo + ((x1 << 32 | x0) unsigned mod (hi - lo));  BERNOULLI u53(x0, x1) < a
// Arithmetic uses the _rn intrinsics so nothing is contracted into an FMA: the same operations in
// the same order as the Java reference, hence the same bits, normals included (the device's own
// log and cos differed from Java's in the last ulp on an H200, so neither is used).
// Bytes moved: n*s written. FLOPs: ~60 integer ops per element (10 Philox rounds).
#include "common.cuh"

struct Philox4 {
    unsigned int x0, x1, x2, x3;
};

__device__ __forceinline__ Philox4 philox4x32_10(u64 counter, u64 seed) {
    const unsigned int M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
#pragma unroll
    for (int r = 0; r < 10; ++r) {
        if (r > 0) {
            k0 += W0;
            k1 += W1;
        }
        unsigned int hi0 = __umulhi(M0, c0), lo0 = M0 * c0;
        unsigned int hi1 = __umulhi(M1, c2), lo1 = M1 * c2;
        unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    return Philox4{c0, c1, c2, c3};
}

// min(.., 1 - 2^-k) keeps the top value below 1 once rounded, as Philox.java does
__device__ __forceinline__ double u24(unsigned int x) {
    return fmin(__dmul_rn(__dadd_rn((double)(x >> 8), 0.5), 0x1.0p-24), 1.0 - 0x1.0p-24);
}

__device__ __forceinline__ double u53(unsigned int x, unsigned int y) {
    u64 bits = ((u64)x << 21) | (u64)(y >> 11);
    return fmin(__dmul_rn(__dadd_rn((double)bits, 0.5), 0x1.0p-53), 1.0 - 0x1.0p-53);
}

// 1/3, 1/5, ... 1/19 and the Taylor coefficients of sin (1/3!, ...) and cos (1/4!, ...): Philox.java's bits
__constant__ const double PX_ODD[9] = {0x1.5555555555555p-2, 0x1.999999999999ap-3, 0x1.2492492492492p-3,
                                       0x1.c71c71c71c71cp-4, 0x1.745d1745d1746p-4, 0x1.3b13b13b13b14p-4,
                                       0x1.1111111111111p-4, 0x1.e1e1e1e1e1e1ep-5, 0x1.af286bca1af28p-5};
__constant__ const double PX_SIN[8] = {-0x1.5555555555555p-3, 0x1.1111111111111p-7, -0x1.a01a01a01a01ap-13,
                                       0x1.71de3a556c734p-19, -0x1.ae64567f544e4p-26, 0x1.6124613a86d09p-33,
                                       -0x1.ae7f3e733b81fp-41, 0x1.952c77030ad4ap-49};
__constant__ const double PX_COS[8] = {0x1.5555555555555p-5, -0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-16,
                                       -0x1.27e4fb7789f5cp-22, 0x1.1eed8eff8d898p-29, -0x1.93974a8c07c9dp-37,
                                       0x1.ae7f3e733b81fp-45, -0x1.6827863b97d97p-53};

template <int N>
__device__ __forceinline__ double px_horner(const double (&p)[N], double z) {
    double r = p[N - 1];
#pragma unroll
    for (int k = N - 2; k >= 0; --k) r = __fma_rn(r, z, p[k]);
    return r;
}

// ln u = e ln 2 + 2 atanh s, u = 2^e m, m in (sqrt(2)/2, sqrt(2)], s = (m - 1)/(m + 1)  (Philox.log)
__device__ __forceinline__ double px_log(double u) {
    long long bits = __double_as_longlong(u);
    int e = (int)((bits >> 52) & 0x7FF) - 1023;
    double m = __longlong_as_double((bits & 0x000FFFFFFFFFFFFFLL) | 0x3FF0000000000000LL);
    if (m > 0x1.6a09e667f3bcdp0) {
        m = __dmul_rn(m, 0.5);
        e += 1;
    }
    double f = __dsub_rn(m, 1.0), s = __ddiv_rn(f, __dadd_rn(2.0, f)), s2 = __dadd_rn(s, s), z = __dmul_rn(s, s);
    double lnm = __fma_rn(s2, __dmul_rn(z, px_horner(PX_ODD, z)), s2);
    return __fma_rn((double)e, 0x1.62e42fefa39efp-1, lnm);
}

// cos(2 pi u), u in [0, 1): 4u = q + r exactly; x = (pi/2) min(r, 1 - r); sign and sin/cos by quadrant
__device__ __forceinline__ double px_cos2pi(double u) {
    double v = __dmul_rn(4.0, u);
    int q = (int)v;
    double r = __dsub_rn(v, (double)q);
    bool flip = r > 0.5;
    double x = __dmul_rn(0x1.921fb54442d18p0, flip ? __dsub_rn(1.0, r) : r), z = __dmul_rn(x, x);
    double sn = __fma_rn(__dmul_rn(x, z), px_horner(PX_SIN, z), x);
    double cs = __fma_rn(__dmul_rn(z, z), px_horner(PX_COS, z), __fma_rn(-0.5, z, 1.0));
    double cr = flip ? sn : cs, sr = flip ? cs : sn;
    switch (q & 3) {
        case 0: return cr;
        case 1: return -sr;
        case 2: return -cr;
        default: return sr;
    }
}

template <typename T> struct Store {
    __device__ static T of(double v) { return Cast<T, double>::of(v); }
};

template <typename T>
__device__ void random_fill(int dist, Geom<1> g, int n, u64 seed, i64 offset, double a, double b, i64 lo, i64 hi,
                            T* out, int* err) {
    JD_GRID_LOOP(i, n) {
        int off[1];
        geom_offsets(g, (int)i, off);
        Philox4 r = philox4x32_10((u64)(offset + i), seed);
        T v;
        if (dist == D_UNIFORM) {
            double u = sizeof(T) == 4 ? u24(r.x0) : u53(r.x0, r.x1);
            v = Store<T>::of(__dadd_rn(a, __dmul_rn(__dsub_rn(b, a), u)));
        } else if (dist == D_NORMAL) {
            double rad = __dsqrt_rn(__dmul_rn(-2.0, px_log(u53(r.x0, r.x1))));
            double ang = px_cos2pi(u53(r.x2, r.x3));
            v = Store<T>::of(__dadd_rn(a, __dmul_rn(__dmul_rn(b, rad), ang)));
        } else if (dist == D_INTEGER) {
            u64 bits = ((u64)r.x1 << 32) | (u64)r.x0;
            i64 k = (i64)((u64)lo + bits % (u64)(hi - lo));
            v = Store<T>::of((double)k);  // Philox.value yields a double, as here
        } else if (dist == D_BERNOULLI) {
            v = u53(r.x0, r.x1) < a ? T(1) : T(0);
        } else {   // an id past the DistributionId enum: the device error flag, and NaN rather than a plausible draw
            if (i == 0) jd_report(err, E_UNKNOWN_OP, dist, 0);
            v = Store<T>::of(jd_nan_d());
        }
        out[off[0]] = v;
    }
}

#define JD_RANDOM(sfx, T)                                                                              \
    extern "C" __global__ void random_##sfx(int dist, Geom<1> g, int n, u64 seed, i64 offset, double a, double b, \
                                            i64 lo, i64 hi, T* out, int* err) {                        \
        random_fill<T>(dist, g, n, seed, offset, a, b, lo, hi, out, err);                              \
    }

JD_RANDOM(f32, float)
JD_RANDOM(f64, double)
JD_RANDOM(i64, i64)
