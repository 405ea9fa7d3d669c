// gather / scatterAdd / indexSelect / indexAdd along one dim (embedding lookup is indexSelect on dim 0).
//
// Shapes: gather out[..., i, ...] = x[..., index[..., i, ...], ...]; index and out share one shape.
//         scatterAdd acc[..., index[..., i, ...], ...] += src[..., i, ...]; index and src share one shape.
//         indexSelect out = x with dim restricted to the 1-d index; indexAdd its accumulating inverse.
// Each kernel walks the shape of its iterated tensor with a Geom<3> whose strides are
// (iterated tensor, index operand, the other tensor with its stride along dim set to 0); the dim
// coordinate is recovered through the index operand's strides (gather/scatter: index's own strides;
// indexSelect/indexAdd: 1 along dim, 0 elsewhere, into the 1-d index). An index outside
// [0, size) is reported through the error flag and its element skipped.
// Bytes moved: n*(2*s + 8) for n iterated elements (scatter/indexAdd: plus atomics on acc).
#include "common.cuh"

__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(i64* p, i64 v) {
    atomicAdd(reinterpret_cast<u64*>(p), (u64)v);
}

// out[o] = x[x' + index[ix] * xDimStride]
template <typename T>
__device__ void gather_kernel(Geom<3> g, int n, int indexStride, int xDimSize, int xDimStride, const T* x,
                              const i64* index, T* out, int* err, int code) {
    JD_GRID_LOOP(i, n) {
        int off[3];
        geom_offsets(g, (int)i, off);
        i64 k = index[(i64)off[1] * indexStride];
        if (k < 0 || k >= xDimSize) {
            jd_report(err, code, k, xDimSize);
            continue;
        }
        out[off[0]] = x[off[2] + (int)k * xDimStride];
    }
}

// acc[acc' + index[ix] * accDimStride] += src[s]
template <typename T>
__device__ void scatter_kernel(Geom<3> g, int n, int indexStride, int accDimSize, int accDimStride, const T* src,
                               const i64* index, T* acc, int* err, int code) {
    JD_GRID_LOOP(i, n) {
        int off[3];
        geom_offsets(g, (int)i, off);
        i64 k = index[(i64)off[1] * indexStride];
        if (k < 0 || k >= accDimSize) {
            jd_report(err, code, k, accDimSize);
            continue;
        }
        atomic_add(acc + off[2] + (int)k * accDimStride, src[off[0]]);
    }
}

// gather: index operand strides are index's own (indexStride 1); indexSelect: the dim coordinate
// (indexStride = the 1-d index's stride).
#define JD_INDEX(sfx, T)                                                                               \
    extern "C" __global__ void gather_##sfx(Geom<3> g, int n, int indexStride, int xDimSize, int xDimStride, \
                                            const T* x, const i64* index, T* out, int* err, int code) { \
        gather_kernel<T>(g, n, indexStride, xDimSize, xDimStride, x, index, out, err, code);           \
    }                                                                                                  \
    extern "C" __global__ void scatter_add_##sfx(Geom<3> g, int n, int indexStride, int accDimSize,    \
                                                 int accDimStride, const T* src, const i64* index, T* acc, \
                                                 int* err, int code) {                                 \
        scatter_kernel<T>(g, n, indexStride, accDimSize, accDimStride, src, index, acc, err, code);    \
    }

JD_INDEX(f32, float)
JD_INDEX(f64, double)
JD_INDEX(i64, i64)
