// Shared definitions of the jdiffusion CUDA kernels.
//
// Shape legend: every strided kernel walks one logical shape of rank <= JD_MAX_DIMS whose dims are
// stored innermost first (size[0] varies fastest); each of its N operands has its own element
// strides over that shape. Pointers passed to kernels already point at each tensor's first element
// (storage base + offset), so geometries carry no offsets. Element offsets fit in int because a
// storage never holds more than 2^31 - 1 elements.
//
// Bytes moved / FLOPs: none here; each kernel file states its own.
//
// The source compiles with nvcc (one translation unit including every .cu file) and with NVRTC at
// run time, so it includes no host headers.
#ifndef JD_COMMON_CUH
#define JD_COMMON_CUH

#define JD_MAX_DIMS 8

typedef long long i64;
typedef unsigned long long u64;

// N operands over one shape; packed by CudaGeometry.java as int[1 + 8 + 8 * N].
template <int N> struct Geom {
    int rank;
    int size[JD_MAX_DIMS];
    int stride[JD_MAX_DIMS][N];
};

// Element offsets of linear (row-major) index i for every operand of g.
template <int N>
__device__ __forceinline__ void geom_offsets(const Geom<N>& g, int i, int (&off)[N]) {
#pragma unroll
    for (int j = 0; j < N; ++j) off[j] = 0;
#pragma unroll
    for (int k = 0; k < JD_MAX_DIMS; ++k) {
        if (k >= g.rank) break;
        int idx = i;  // the outermost dim needs no division: what remains of i is below its size
        if (k < g.rank - 1) {
            int q = i / g.size[k];
            idx = i - q * g.size[k];
            i = q;
        }
#pragma unroll
        for (int j = 0; j < N; ++j) off[j] += idx * g.stride[k][j];
    }
}

// Grid-stride loop over [0, n).
#define JD_GRID_LOOP(i, n) \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (i64)(n); i += (i64)blockDim.x * gridDim.x)

// Op ids (UnaryOpId, BinaryOpId, ReduceOpId, DistributionId) and the device error codes (ErrorCode):
// generated from the Java enums by CudaOpIds into op_ids.cuh (./scripts/gen-ops; CudaOpIdsTest
// fails when it is stale), so the two sides cannot drift.
#include "op_ids.cuh"

// Device-side error flag (4 ints): [code, bound, lo32(value), hi32(value)]; the first error wins.
// code = ErrorCode | (dim << 8) for the index errors. The host reads the flag at every
// synchronisation point (CudaErrorFlag.java names the codes).
__device__ __forceinline__ void jd_report(int* err, int code, i64 value, int bound) {
    if (atomicCAS(err, 0, code) == 0) {
        err[1] = bound;
        err[2] = (int)(value & 0xffffffffLL);
        err[3] = (int)(value >> 32);
    }
}

// ---- numeric helpers ---------------------------------------------------------------------------

#define JD_I64_MAX 0x7fffffffffffffffLL
#define JD_I64_MIN (-0x7fffffffffffffffLL - 1)

__device__ __forceinline__ float jd_nan_f() { return __int_as_float(0x7fc00000); }
__device__ __forceinline__ double jd_nan_d() { return __longlong_as_double(0x7ff8000000000000LL); }
__device__ __forceinline__ float jd_inf_f() { return __int_as_float(0x7f800000); }
__device__ __forceinline__ double jd_inf_d() { return __longlong_as_double(0x7ff0000000000000LL); }

// Java's (long) of a double: truncation, NaN -> 0, saturating at the int64 range.
__device__ __forceinline__ i64 java_d2l(double v) {
    if (v != v) return 0;
    if (v >= 9.223372036854775807e18) return JD_I64_MAX;
    if (v <= -9.223372036854775808e18) return JD_I64_MIN;
    return (i64)v;
}

// Casts with the CPU reference's semantics (values pass through double except same-type copies).
template <typename D, typename S> struct Cast;
template <> struct Cast<float, float> { __device__ static float of(float v) { return v; } };
template <> struct Cast<double, float> { __device__ static double of(float v) { return (double)v; } };
template <> struct Cast<i64, float> { __device__ static i64 of(float v) { return java_d2l((double)v); } };
template <> struct Cast<float, double> { __device__ static float of(double v) { return __double2float_rn(v); } };
template <> struct Cast<double, double> { __device__ static double of(double v) { return v; } };
template <> struct Cast<i64, double> { __device__ static i64 of(double v) { return java_d2l(v); } };
template <> struct Cast<float, i64> { __device__ static float of(i64 v) { return __double2float_rn((double)v); } };
template <> struct Cast<double, i64> { __device__ static double of(i64 v) { return (double)v; } };
template <> struct Cast<i64, i64> { __device__ static i64 of(i64 v) { return v; } };

// ---- 16-bit floating storage ---------------------------------------------------------------------
// bfloat16 (sign, 8 exponent, 7 mantissa bits: the top half of a float32) and float16 (IEEE binary16:
// sign, 5 exponent bits of bias 15, 10 mantissa bits) held as bit patterns: cuda_bf16.h/cuda_fp16.h
// pull in host headers, so the conversions are written out here with integer ops, bit for bit those
// of HalfFloats.java: widening exact; narrowing rounds to nearest even once, overflows to +-Inf,
// keeps subnormals exact, and turns NaN into 0x7FC0 (bf16) or sign|0x7E00 (f16).
struct bf16 { unsigned short bits; };
struct f16 { unsigned short bits; };

__device__ __forceinline__ bf16 make_bf16(unsigned b) { bf16 h; h.bits = (unsigned short)b; return h; }
__device__ __forceinline__ f16 make_f16(unsigned b) { f16 h; h.bits = (unsigned short)b; return h; }

__device__ __forceinline__ float bf16_to_float(bf16 h) { return __uint_as_float((unsigned)h.bits << 16); }

// Round to nearest even: add 0x7FFF plus the kept part's last bit, then drop the low 16 bits.
__device__ __forceinline__ bf16 bf16_from_float(float f) {
    unsigned u = __float_as_uint(f);
    return make_bf16(f != f ? 0x7FC0u : (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

__device__ __forceinline__ float f16_to_float(f16 h) {
    unsigned b = h.bits, sign = (b & 0x8000u) << 16, e = (b >> 10) & 0x1Fu, m = b & 0x3FFu;
    if (e == 0x1Fu) return __uint_as_float(sign | 0x7F800000u | (m << 13));  // +-Inf, NaN (payload kept)
    if (e == 0u) {                                                             // subnormal: m * 2^-24, exact
        float v = (float)m * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    return __uint_as_float(sign | ((e + 112u) << 23) | (m << 13));           // exponent bias 15 -> 127
}

__device__ __forceinline__ f16 f16_from_float(float f) {
    unsigned u = __float_as_uint(f), sign = (u >> 16) & 0x8000u, a = u & 0x7FFFFFFFu;
    if (a > 0x7F800000u) return make_f16(sign | 0x7E00u);                     // NaN
    if (a >= 0x477FF000u) return make_f16(sign | 0x7C00u);                    // |f| >= 65520, the tie above 65504: Inf
    if (a >= 0x38800000u) {                                                    // normal: |f| >= 2^-14
        unsigned r = a - 0x38000000u;                                          // exponent bias 127 -> 15
        return make_f16(sign | ((r + 0xFFFu + ((r >> 13) & 1u)) >> 13));      // drop 13 bits, ties to even
    }
    // subnormal or zero: round(|f| * 2^24) to nearest even (the product is exact); 1024 is 2^-14 itself
    return make_f16(sign | __float2uint_rn(__uint_as_float(a) * 16777216.0f));
}

// d narrowed to float with round-to-odd (truncate; set the last bit when inexact): one correct
// rounding to a half format follows, since float keeps >= 2 more bits than either at every magnitude.
__device__ __forceinline__ float jd_d2f_odd(double d) {
    float f = __double2float_rz(d);
    if (d == d && (double)f != d) f = __uint_as_float(__float_as_uint(f) | 1u);
    return f;
}

__device__ __forceinline__ bf16 bf16_from_double(double d) { return bf16_from_float(jd_d2f_odd(d)); }
__device__ __forceinline__ f16 f16_from_double(double d) {
    if (d != d) return make_f16(__double_as_longlong(d) < 0 ? 0xFE00u : 0x7E00u);
    return f16_from_float(jd_d2f_odd(d));
}

template <> struct Cast<bf16, float> { __device__ static bf16 of(float v) { return bf16_from_float(v); } };
template <> struct Cast<bf16, double> { __device__ static bf16 of(double v) { return bf16_from_double(v); } };
template <> struct Cast<bf16, i64> { __device__ static bf16 of(i64 v) { return bf16_from_double((double)v); } };
template <> struct Cast<bf16, bf16> { __device__ static bf16 of(bf16 v) { return v; } };
template <> struct Cast<bf16, f16> { __device__ static bf16 of(f16 v) { return bf16_from_float(f16_to_float(v)); } };
template <> struct Cast<f16, float> { __device__ static f16 of(float v) { return f16_from_float(v); } };
template <> struct Cast<f16, double> { __device__ static f16 of(double v) { return f16_from_double(v); } };
template <> struct Cast<f16, i64> { __device__ static f16 of(i64 v) { return f16_from_double((double)v); } };
template <> struct Cast<f16, bf16> { __device__ static f16 of(bf16 v) { return f16_from_float(bf16_to_float(v)); } };
template <> struct Cast<f16, f16> { __device__ static f16 of(f16 v) { return v; } };
template <> struct Cast<float, bf16> { __device__ static float of(bf16 v) { return bf16_to_float(v); } };
template <> struct Cast<float, f16> { __device__ static float of(f16 v) { return f16_to_float(v); } };
template <> struct Cast<double, bf16> { __device__ static double of(bf16 v) { return (double)bf16_to_float(v); } };
template <> struct Cast<double, f16> { __device__ static double of(f16 v) { return (double)f16_to_float(v); } };
template <> struct Cast<i64, bf16> { __device__ static i64 of(bf16 v) { return java_d2l((double)bf16_to_float(v)); } };
template <> struct Cast<i64, f16> { __device__ static i64 of(f16 v) { return java_d2l((double)f16_to_float(v)); } };

// Accumulator type of reductions: double for floating dtypes, int64 for int64.
template <typename T> struct Acc { typedef double type; };
template <> struct Acc<i64> { typedef i64 type; };

// A pointer that float4 / double2 loads and stores may use.
__device__ __forceinline__ bool aligned16(const void* p) { return (((u64)p) & 15ULL) == 0; }

// 16 bytes of T as one load / store.
template <typename T> struct Vec16;
template <> struct Vec16<float> { typedef float4 type; enum { n = 4 }; };
template <> struct Vec16<double> { typedef double2 type; enum { n = 2 }; };

template <typename T>
__device__ __forceinline__ void load16(const T* src, T (&r)[Vec16<T>::n]) {
    typename Vec16<T>::type x = *reinterpret_cast<const typename Vec16<T>::type*>(src);
    const T* lanes = reinterpret_cast<const T*>(&x);
#pragma unroll
    for (int k = 0; k < Vec16<T>::n; ++k) r[k] = lanes[k];
}

template <typename T>
__device__ __forceinline__ void store16(T* dst, const T (&r)[Vec16<T>::n]) {
    typename Vec16<T>::type x;
    T* lanes = reinterpret_cast<T*>(&x);
#pragma unroll
    for (int k = 0; k < Vec16<T>::n; ++k) lanes[k] = r[k];
    *reinterpret_cast<typename Vec16<T>::type*>(dst) = x;
}

// ---- warp and block reductions -----------------------------------------------------------------

struct SumOp {
    template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return a + b; }
};

template <typename A, typename Op>
__device__ __forceinline__ A warp_reduce(A v, Op op) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Reduces v over the block (blockDim.x a multiple of 32, at most 1024) and returns the result to
// every thread. scratch holds 32 values in shared memory.
template <typename A, typename Op>
__device__ __forceinline__ A block_reduce(A v, Op op, A identity, A* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_reduce(v, op);
    __syncthreads();  // a previous call may still be reading scratch[0]
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < warps ? scratch[lane] : identity;
        v = warp_reduce(v, op);
        if (lane == 0) scratch[0] = v;
    }
    __syncthreads();
    return scratch[0];
}

// ---- runs held in registers (the contiguous fast paths of softmax.cu and norm.cu) -----------------
// A team, one warp of the block (warpRows: row = block * warps + warp) or the whole block (row =
// block), owns one contiguous run of M elements (a row, or a group of group norm). Thread t of its P
// threads holds N of them, T v[N]: with 16-byte vectors (vec: M, the run's start and the pointers
// all multiples of V = 16 / sizeof(T) elements) v[i] is element ((i / V) * P + t) * V + i % V,
// otherwise i * P + t; so every load and store is coalesced, and one read of x and one write of
// the output are the only traffic. N is a template constant and v is indexed only in unrolled
// loops, so it stays in registers (no local memory: target/ptxas-report.txt).
struct Team {
    int t, P;
    bool warp;
    i64 row;
};

// Sets up the calling thread's team; false when its warp has no row (the last block's spare warps).
__device__ __forceinline__ bool team_of(int warpRows, int R, Team& tm) {
    if (warpRows) {
        tm.t = threadIdx.x & 31;
        tm.P = 32;
        tm.warp = true;
        tm.row = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    } else {
        tm.t = threadIdx.x;
        tm.P = blockDim.x;
        tm.warp = false;
        tm.row = blockIdx.x;
    }
    return tm.row < R;
}

// Position in the run of register i (a compile-time constant after unrolling).
template <typename T>
__device__ __forceinline__ int team_pos(int i, const Team& tm, bool vec) {
    const int V = Vec16<T>::n;
    return vec ? ((i / V) * tm.P + tm.t) * V + i % V : i * tm.P + tm.t;
}

// v = src[0 .. M) in the team layout; positions past M get fill.
template <typename T, int N>
__device__ __forceinline__ void team_load(const T* src, int M, const Team& tm, bool vec, T fill, T (&v)[N]) {
    const int V = Vec16<T>::n;
    if (vec) {
#pragma unroll
        for (int i = 0; i < N; i += V) {
            int j = team_pos<T>(i, tm, true);
            T r[V];
            if (j < M) {
                load16(src + j, r);
            } else {
#pragma unroll
                for (int l = 0; l < V; ++l) r[l] = fill;
            }
#pragma unroll
            for (int l = 0; l < V; ++l) v[i + l] = r[l];
        }
    } else {
#pragma unroll
        for (int i = 0; i < N; ++i) {
            int j = team_pos<T>(i, tm, false);
            v[i] = j < M ? src[j] : fill;
        }
    }
}

// dst[0 .. M) = v in the team layout.
template <typename T, int N>
__device__ __forceinline__ void team_store(T* dst, int M, const Team& tm, bool vec, const T (&v)[N]) {
    const int V = Vec16<T>::n;
    if (vec) {
#pragma unroll
        for (int i = 0; i < N; i += V) {
            int j = team_pos<T>(i, tm, true);
            T r[V];
#pragma unroll
            for (int l = 0; l < V; ++l) r[l] = v[i + l];
            if (j < M) store16(dst + j, r);
        }
    } else {
#pragma unroll
        for (int i = 0; i < N; ++i) {
            int j = team_pos<T>(i, tm, false);
            if (j < M) dst[j] = v[i];
        }
    }
}

// Sum of f(lo) .. f(lo + n - 1) as a balanced tree: a float partial of n values errs by at most
// log2(n) + 1 roundings (6 for 32 values, 4e-7 relative), not n.
template <int n, typename T, typename F>
__device__ __forceinline__ T tree_sum(const F& f, int lo) {
    if constexpr (n == 1) return f(lo);
    else return tree_sum<n / 2, T>(f, lo) + tree_sum<n - n / 2, T>(f, lo + n / 2);
}

// Reduces over the team: warp shuffles only for a warp, block_reduce for the block.
template <typename A, typename Op>
__device__ __forceinline__ A team_reduce(A v, Op op, A identity, const Team& tm, A* scratch) {
    return tm.warp ? warp_reduce(v, op) : block_reduce(v, op, identity, scratch);
}

// Mean and 1/sqrt(var + eps) of the run held in v (positions past M hold 0), two passes over the
// registers: mu = sum v / M, var = sum ((v - hi) - lo)^2 / M where hi + lo is mu split into the
// T nearest to it and the rest, so v - mu loses nothing to mu's rounding. Per-thread partials in T
// (tree sums of N values), the team's sums in double.
template <typename T, int N>
__device__ __forceinline__ void team_stats(const T (&v)[N], int M, const Team& tm, bool vec, double eps, double* scratch,
                                           double& mu, double& r, T& hi, T& lo) {
    T s = tree_sum<N, T>([&](int i) { return v[i]; }, 0);
    mu = team_reduce((double)s, SumOp(), 0.0, tm, scratch) / M;
    hi = (T)mu;
    lo = (T)(mu - (double)hi);
    T ss = tree_sum<N, T>([&](int i) {
        T d = (v[i] - hi) - lo;
        return team_pos<T>(i, tm, vec) < M ? d * d : (T)0;
    }, 0);
    double var = team_reduce((double)ss, SumOp(), 0.0, tm, scratch) / M;
    r = 1.0 / sqrt(var + eps);
}

#endif  // JD_COMMON_CUH
