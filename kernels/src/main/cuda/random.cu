// Philox-4x32-10 random fills, bit-identical to org.jdiffusion.tensor.Philox.
//
// Shapes: out of n elements (any strides; `g` is a Geom<1> over its shape, innermost first, so
// linear i is the row-major index). Element i uses counter c = offset + i:
//   key (lo32 seed, hi32 seed), counter (lo32 c, hi32 c, 0, 0) -> (x0, x1, x2, x3)
//   u24(x) = min(((x >> 8) + 0.5) 2^-24, 1 - 2^-24),  u53(x, y) = min((((x << 21) | (y >> 11)) + 0.5) 2^-53, 1 - 2^-53)
//   UNIFORM a + (b - a) u (u24(x0) for float32, u53(x0, x1) otherwise)
//   NORMAL  a + b sqrt(-2 ln u53(x0, x1)) cos(2 pi u53(x2, x3))
//   INTEGER lo + ((x1 << 32 | x0) unsigned mod (hi - lo));  BERNOULLI u53(x0, x1) < a
// Arithmetic uses the _rn intrinsics so nothing is contracted into an FMA: the same operations in
// the same order as the Java reference, hence the same bits (normals: up to the last ulp of the
// device's log/cos in float64, see Philox.java).
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

template <typename T> struct Store {
    __device__ static T of(double v) { return Cast<T, double>::of(v); }
};

template <typename T>
__device__ void random_fill(int dist, Geom<1> g, int n, u64 seed, i64 offset, double a, double b, i64 lo, i64 hi,
                            T* out) {
    const double twoPi = 6.283185307179586;  // 2.0 * Math.PI, exactly as Java rounds it
    JD_GRID_LOOP(i, n) {
        int off[1];
        geom_offsets(g, (int)i, off);
        Philox4 r = philox4x32_10((u64)(offset + i), seed);
        T v;
        if (dist == D_UNIFORM) {
            double u = sizeof(T) == 4 ? u24(r.x0) : u53(r.x0, r.x1);
            v = Store<T>::of(__dadd_rn(a, __dmul_rn(__dsub_rn(b, a), u)));
        } else if (dist == D_NORMAL) {
            double rad = sqrt(__dmul_rn(-2.0, log(u53(r.x0, r.x1))));
            double ang = cos(__dmul_rn(twoPi, u53(r.x2, r.x3)));
            v = Store<T>::of(__dadd_rn(a, __dmul_rn(__dmul_rn(b, rad), ang)));
        } else if (dist == D_INTEGER) {
            u64 bits = ((u64)r.x1 << 32) | (u64)r.x0;
            i64 k = (i64)((u64)lo + bits % (u64)(hi - lo));
            v = Store<T>::of((double)k);  // Philox.value yields a double, as here
        } else {
            v = u53(r.x0, r.x1) < a ? T(1) : T(0);
        }
        out[off[0]] = v;
    }
}

#define JD_RANDOM(sfx, T)                                                                              \
    extern "C" __global__ void random_##sfx(int dist, Geom<1> g, int n, u64 seed, i64 offset, double a, double b, \
                                            i64 lo, i64 hi, T* out) {                                  \
        random_fill<T>(dist, g, n, seed, offset, a, b, lo, hi, out);                                   \
    }

JD_RANDOM(f32, float)
JD_RANDOM(f64, double)
JD_RANDOM(i64, i64)
