// Elementwise kernels: fill, copy/cast, unary, binary, where (launched by CudaElementwise.java). The
// unary and binary ops are declared in UnaryOp.java / BinaryOp.java, their ids generated into
// op_ids.cuh. bfloat16 and float16 (bit patterns, common.cuh) have fill and copy/cast only: the
// backend rejects the computing ops for them.
//
// Shapes: x, a, b, cond, out share one logical shape of n elements (inputs may broadcast with
// stride 0). Strided kernels take a Geom over that shape; *_dense kernels take dense operands
// and, for float32 with 16-byte aligned pointers, move float4 vectors.
//
// Bytes moved (dense operands; s the element size, 2 for bf16/f16): fill n*s; copy n*(s_src + s_dst);
// unary 2*n*s; binary 3*n*s; where n*(s_cond + 3*s). FLOPs: 1 per element (a few tens for the transcendental unary ops).
#include "common.cuh"

// ---- the pointwise functions, per dtype --------------------------------------------------------

__device__ __forceinline__ float jd_exp(float x) { return expf(x); }
__device__ __forceinline__ double jd_exp(double x) { return exp(x); }
__device__ __forceinline__ float jd_log(float x) { return logf(x); }
__device__ __forceinline__ double jd_log(double x) { return log(x); }
__device__ __forceinline__ float jd_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double jd_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float jd_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double jd_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float jd_erfc(float x) { return erfcf(x); }
__device__ __forceinline__ double jd_erfc(double x) { return erfc(x); }
__device__ __forceinline__ float jd_log1p(float x) { return log1pf(x); }
__device__ __forceinline__ double jd_log1p(double x) { return log1p(x); }
__device__ __forceinline__ float jd_sin(float x) { return sinf(x); }
__device__ __forceinline__ double jd_sin(double x) { return sin(x); }
__device__ __forceinline__ float jd_cos(float x) { return cosf(x); }
__device__ __forceinline__ double jd_cos(double x) { return cos(x); }
__device__ __forceinline__ float jd_floor(float x) { return floorf(x); }
__device__ __forceinline__ double jd_floor(double x) { return floor(x); }
__device__ __forceinline__ float jd_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double jd_abs(double x) { return fabs(x); }
__device__ __forceinline__ bool jd_signbit(float x) { return __float_as_int(x) < 0; }
__device__ __forceinline__ bool jd_signbit(double x) { return __double_as_longlong(x) < 0; }

__device__ __forceinline__ float jd_nan_of(float) { return jd_nan_f(); }
__device__ __forceinline__ double jd_nan_of(double) { return jd_nan_d(); }

template <typename T>
__device__ __forceinline__ T sigmoid_of(T x) {
    if (x >= T(0)) return T(1) / (T(1) + jd_exp(-x));
    T e = jd_exp(x);
    return e / (T(1) + e);
}

// y = f(x) for floating T, the definitions of UnaryOp.apply. An id without a case is a launch the
// host should never make (op_ids.cuh is generated from the Java enum): it is reported through the
// device error flag (E_UNKNOWN_OP, raised at the next synchronisation) and yields NaN, never x.
template <typename T>
__device__ __forceinline__ T unary_apply(int op, T x, int* err) {
    switch (op) {
        case U_NEG: return -x;
        case U_ABS: return jd_abs(x);
        case U_EXP: return jd_exp(x);
        case U_LOG: return jd_log(x);
        case U_SQRT: return jd_sqrt(x);
        case U_RSQRT: return T(1) / jd_sqrt(x);
        case U_SQUARE: return x * x;
        case U_TANH: return jd_tanh(x);
        case U_SIGMOID: return sigmoid_of(x);
        case U_RELU: return x > T(0) || x != x ? x : T(0);  // NaN passes through
        case U_SILU: return x * sigmoid_of(x);
        case U_GELU: return T(0.5) * x * jd_erfc(-x * T(0.70710678118654752440));  // accurate for x << 0
        case U_GELU_TANH: {
            T inner = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
            return T(0.5) * x * (T(1) + jd_tanh(inner));
        }
        case U_SIN: return jd_sin(x);
        case U_COS: return jd_cos(x);
        case U_FLOOR: return jd_floor(x);
        case U_SIGN: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);  // keeps ±0 and NaN
        case U_SOFTPLUS: return (x > T(0) ? x : T(0)) + jd_log1p(jd_exp(-jd_abs(x)));  // NaN: exp(NaN) carries it
        default: jd_report(err, E_UNKNOWN_OP, op, 0); return jd_nan_of(x);
    }
}

// int64: exact two's-complement definitions (UnaryOp.applyLong); the other ops need a floating dtype.
template <typename T> struct Unary {
    __device__ static T apply(int op, T x, int* err) { return unary_apply<T>(op, x, err); }
};
template <> struct Unary<i64> {
    __device__ static i64 apply(int op, i64 x, int* err) {
        switch (op) {
            case U_NEG: return (i64)(0ULL - (u64)x);
            case U_ABS: return x < 0 ? (i64)(0ULL - (u64)x) : x;
            case U_SQUARE: return (i64)((u64)x * (u64)x);
            case U_RELU: return x > 0 ? x : 0;
            case U_SIGN: return (x > 0) - (x < 0);
            case U_FLOOR: return x;
            default: jd_report(err, E_UNKNOWN_OP, op, 0); return 0;  // the frontend rejects the floating-only ops for int64
        }
    }
};

// Java's Math.max / Math.min: NaN wins, +0 > -0.
template <typename T>
__device__ __forceinline__ T java_max(T a, T b) {
    if (a != a || b != b) return a != a ? a : b;
    if (a == b) return jd_signbit(a) ? b : a;
    return a > b ? a : b;
}
template <typename T>
__device__ __forceinline__ T java_min(T a, T b) {
    if (a != a || b != b) return a != a ? a : b;
    if (a == b) return jd_signbit(a) ? a : b;
    return a < b ? a : b;
}

template <typename T> struct Binary {
    __device__ static T apply(int op, T a, T b, int* err) {
        switch (op) {
            case B_ADD: return a + b;
            case B_SUB: return a - b;
            case B_MUL: return a * b;
            case B_DIV: return a / b;
            case B_POW: return (T)pow((double)a, (double)b);
            case B_MAXIMUM: return java_max(a, b);
            case B_MINIMUM: return java_min(a, b);
            case B_EQ: return a == b ? T(1) : T(0);
            case B_NE: return a != b ? T(1) : T(0);
            case B_LT: return a < b ? T(1) : T(0);
            case B_LE: return a <= b ? T(1) : T(0);
            case B_GT: return a > b ? T(1) : T(0);
            case B_GE: return a >= b ? T(1) : T(0);
            default: jd_report(err, E_UNKNOWN_OP, op, 0); return jd_nan_of(a);
        }
    }
};

// int64: exact two's-complement arithmetic (BinaryOp.applyLong); division by zero is reported.
template <> struct Binary<i64> {
    __device__ static i64 apply(int op, i64 a, i64 b, int* err) {
        switch (op) {
            case B_ADD: return (i64)((u64)a + (u64)b);
            case B_SUB: return (i64)((u64)a - (u64)b);
            case B_MUL: return (i64)((u64)a * (u64)b);
            case B_DIV:
                if (b == 0) { jd_report(err, E_INT_DIV_ZERO, a, 0); return 0; }
                if (b == -1) return (i64)(0ULL - (u64)a);
                return a / b;
            case B_MAXIMUM: return a > b ? a : b;
            case B_MINIMUM: return a < b ? a : b;
            case B_EQ: return a == b;
            case B_NE: return a != b;
            case B_LT: return a < b;
            case B_LE: return a <= b;
            case B_GT: return a > b;
            case B_GE: return a >= b;
            default: jd_report(err, E_UNKNOWN_OP, op, 0); return 0;
        }
    }
};

// ---- fill --------------------------------------------------------------------------------------

template <typename T>
__device__ void fill_strided(Geom<1> g, int n, T* out, T v) {
    JD_GRID_LOOP(i, n) {
        int off[1];
        geom_offsets(g, (int)i, off);
        out[off[0]] = v;
    }
}

template <typename T>
__device__ void fill_dense(int n, T* out, T v) {
    JD_GRID_LOOP(i, n) out[i] = v;
}

template <>
__device__ void fill_dense<float>(int n, float* out, float v) {
    int head = 0;
    if (aligned16(out)) {
        int n4 = n >> 2;
        float4 v4 = make_float4(v, v, v, v);
        JD_GRID_LOOP(i, n4) reinterpret_cast<float4*>(out)[i] = v4;
        head = n4 << 2;
    }
    JD_GRID_LOOP(i, n - head) out[head + i] = v;
}

// ---- copy / cast -------------------------------------------------------------------------------

template <typename S, typename D>
__device__ void copy_strided(Geom<2> g, int n, const S* x, D* y) {
    JD_GRID_LOOP(i, n) {
        int off[2];
        geom_offsets(g, (int)i, off);
        y[off[1]] = Cast<D, S>::of(x[off[0]]);
    }
}

template <typename S, typename D>
__device__ void copy_dense(int n, const S* x, D* y) {
    JD_GRID_LOOP(i, n) y[i] = Cast<D, S>::of(x[i]);
}

template <>
__device__ void copy_dense<float, float>(int n, const float* x, float* y) {
    int head = 0;
    if (aligned16(x) && aligned16(y)) {
        int n4 = n >> 2;
        JD_GRID_LOOP(i, n4) reinterpret_cast<float4*>(y)[i] = reinterpret_cast<const float4*>(x)[i];
        head = n4 << 2;
    }
    JD_GRID_LOOP(i, n - head) y[head + i] = x[head + i];
}

// ---- unary -------------------------------------------------------------------------------------

template <typename T>
__device__ void unary_strided(int op, Geom<2> g, int n, const T* x, T* y, int* err) {
    JD_GRID_LOOP(i, n) {
        int off[2];
        geom_offsets(g, (int)i, off);
        y[off[1]] = Unary<T>::apply(op, x[off[0]], err);
    }
}

template <typename T>
__device__ void unary_dense(int op, int n, const T* x, T* y, int* err) {
    JD_GRID_LOOP(i, n) y[i] = Unary<T>::apply(op, x[i], err);
}

template <>
__device__ void unary_dense<float>(int op, int n, const float* x, float* y, int* err) {
    int head = 0;
    if (aligned16(x) && aligned16(y)) {
        int n4 = n >> 2;
        JD_GRID_LOOP(i, n4) {
            float4 v = reinterpret_cast<const float4*>(x)[i];
            v.x = unary_apply(op, v.x, err);
            v.y = unary_apply(op, v.y, err);
            v.z = unary_apply(op, v.z, err);
            v.w = unary_apply(op, v.w, err);
            reinterpret_cast<float4*>(y)[i] = v;
        }
        head = n4 << 2;
    }
    JD_GRID_LOOP(i, n - head) y[head + i] = unary_apply(op, x[head + i], err);
}

// ---- binary ------------------------------------------------------------------------------------

template <typename T>
__device__ void binary_strided(int op, Geom<3> g, int n, const T* a, const T* b, T* out, int* err) {
    JD_GRID_LOOP(i, n) {
        int off[3];
        geom_offsets(g, (int)i, off);
        out[off[2]] = Binary<T>::apply(op, a[off[0]], b[off[1]], err);
    }
}

template <typename T>
__device__ void binary_dense(int op, int n, const T* a, const T* b, T* out, int* err) {
    JD_GRID_LOOP(i, n) out[i] = Binary<T>::apply(op, a[i], b[i], err);
}

template <>
__device__ void binary_dense<float>(int op, int n, const float* a, const float* b, float* out, int* err) {
    int head = 0;
    if (aligned16(a) && aligned16(b) && aligned16(out)) {
        int n4 = n >> 2;
        JD_GRID_LOOP(i, n4) {
            float4 u = reinterpret_cast<const float4*>(a)[i];
            float4 v = reinterpret_cast<const float4*>(b)[i];
            u.x = Binary<float>::apply(op, u.x, v.x, err);
            u.y = Binary<float>::apply(op, u.y, v.y, err);
            u.z = Binary<float>::apply(op, u.z, v.z, err);
            u.w = Binary<float>::apply(op, u.w, v.w, err);
            reinterpret_cast<float4*>(out)[i] = u;
        }
        head = n4 << 2;
    }
    JD_GRID_LOOP(i, n - head) out[head + i] = Binary<float>::apply(op, a[head + i], b[head + i], err);
}

// ---- where -------------------------------------------------------------------------------------

template <typename C, typename T>
__device__ void where_strided(Geom<4> g, int n, const C* cond, const T* a, const T* b, T* out) {
    JD_GRID_LOOP(i, n) {
        int off[4];
        geom_offsets(g, (int)i, off);
        out[off[3]] = cond[off[0]] != C(0) ? a[off[1]] : b[off[2]];
    }
}

// ---- entry points ------------------------------------------------------------------------------

#define JD_FILL_T(sfx, T)                                                                             \
    extern "C" __global__ void fill_##sfx(Geom<1> g, int n, T* out, T v) { fill_strided<T>(g, n, out, v); } \
    extern "C" __global__ void fill_dense_##sfx(int n, T* out, T v) { fill_dense<T>(n, out, v); }

#define JD_ELEMENTWISE_T(sfx, T)                                                                      \
    extern "C" __global__ void unary_##sfx(int op, Geom<2> g, int n, const T* x, T* y, int* err) {       \
        unary_strided<T>(op, g, n, x, y, err);                                                           \
    }                                                                                                    \
    extern "C" __global__ void unary_dense_##sfx(int op, int n, const T* x, T* y, int* err) {            \
        unary_dense<T>(op, n, x, y, err);                                                                \
    }                                                                                                    \
    extern "C" __global__ void binary_##sfx(int op, Geom<3> g, int n, const T* a, const T* b, T* out,    \
                                            int* err) {                                                  \
        binary_strided<T>(op, g, n, a, b, out, err);                                                     \
    }                                                                                                    \
    extern "C" __global__ void binary_dense_##sfx(int op, int n, const T* a, const T* b, T* out,         \
                                                  int* err) {                                            \
        binary_dense<T>(op, n, a, b, out, err);                                                          \
    }

JD_FILL_T(f32, float)
JD_FILL_T(f64, double)
JD_FILL_T(i64, i64)
JD_FILL_T(bf16, bf16)
JD_FILL_T(f16, f16)
JD_ELEMENTWISE_T(f32, float)
JD_ELEMENTWISE_T(f64, double)
JD_ELEMENTWISE_T(i64, i64)

#define JD_COPY(ss, S, ds, D)                                                                          \
    extern "C" __global__ void copy_##ss##_##ds(Geom<2> g, int n, const S* x, D* y) {                  \
        copy_strided<S, D>(g, n, x, y);                                                                \
    }                                                                                                  \
    extern "C" __global__ void copy_dense_##ss##_##ds(int n, const S* x, D* y) { copy_dense<S, D>(n, x, y); }

#define JD_COPY_FROM(ss, S) JD_COPY(ss, S, f32, float) JD_COPY(ss, S, f64, double) JD_COPY(ss, S, i64, i64) \
    JD_COPY(ss, S, bf16, bf16) JD_COPY(ss, S, f16, f16)
JD_COPY_FROM(f32, float)
JD_COPY_FROM(f64, double)
JD_COPY_FROM(i64, i64)
JD_COPY_FROM(bf16, bf16)
JD_COPY_FROM(f16, f16)

#define JD_WHERE(cs, C, ts, T)                                                                         \
    extern "C" __global__ void where_##cs##_##ts(Geom<4> g, int n, const C* cond, const T* a, const T* b, \
                                                 T* out) {                                             \
        where_strided<C, T>(g, n, cond, a, b, out);                                                    \
    }
#define JD_WHERE_COND(cs, C) JD_WHERE(cs, C, f32, float) JD_WHERE(cs, C, f64, double) JD_WHERE(cs, C, i64, i64)
JD_WHERE_COND(f32, float)
JD_WHERE_COND(f64, double)
JD_WHERE_COND(i64, i64)
