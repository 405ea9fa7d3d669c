// Batched matrix product out[z] = a[z] · b[z] (+ bias over rows), float32 and float64.
//
// Shapes: a [B, M, K], b [B, K, N], out [B, M, N], bias [M] or null; every operand has its own
// (batch, row, column) element strides, so transposed views (a given M-major, b given K-major) and
// broadcast batches (stride 0) need no copy. The tile engine and the four versions are in gemm.cuh:
//   gemm_naive_{f32,f64}  v1, one thread per output (the float64 path and the correctness baseline);
//   gemm_simt_f32         v2, mode fp32 (default): fp32 FMA, matches the CPU reference within float32 rounding;
//   gemm_tf32_f32         v3, mode tf32: TF32 tensor cores, fp32 accumulate;
//   gemm_bf16_f32         v4, mode bf16: BF16 tensor cores, fp32 accumulate;
//   gemm_<v>_m64_f32, gemm_<v>_m32_f32   v2..v4 with 64- and 32-row tiles, for M <= 64 and M <= 32.
// FLOPs: 2·B·M·N·K. Bytes moved: B·(M·K + K·N + M·N)·sizeof(T) compulsory (gemm.cuh: tile re-reads).
#include "gemm.cuh"

// Packed by CudaMatmul.java as int[15].
struct MatmulGeom {
    int M, N, K, batch;
    int sab, sam, sak;  // a: batch, row, column strides
    int sbb, sbk, sbn;  // b
    int sob, som, son;  // out
    int sbias;          // bias stride over rows
    int flags;          // MM_* below
};
enum MatmulFlags { MM_A_VEC = 1, MM_B_VEC = 2 };  // a m-contiguous / b n-contiguous, 16-byte aligned

template <typename T> struct MatmulP {
    static constexpr bool VEC = true;
    struct BCol { int off; };
    int M, N, K, kbeg, batch;
    int sab, sam, sak, sbb, sbk, sbn, sob, som, son, sbias;
    bool a_vec, b_vec;
    const T* A;
    const T* B;
    T* C;
    const T* bias;

    __device__ static MatmulP of(const MatmulGeom& g, const T* a, const T* b, T* out, const T* bias) {
        MatmulP p;
        p.M = g.M; p.N = g.N; p.K = g.K; p.kbeg = 0; p.batch = g.batch;
        p.sab = g.sab; p.sam = g.sam; p.sak = g.sak;
        p.sbb = g.sbb; p.sbk = g.sbk; p.sbn = g.sbn;
        p.sob = g.sob; p.som = g.som; p.son = g.son; p.sbias = g.sbias;
        p.a_vec = g.flags & MM_A_VEC; p.b_vec = g.flags & MM_B_VEC;
        p.A = a; p.B = b; p.C = out; p.bias = bias;
        return p;
    }
    __device__ void select(int z) {
        A += z * sab;
        B += z * sbb;
        C += z * sob;
    }
    __device__ int a_row(int m) const { return m < M ? m * sam : -1; }
    __device__ int a_col(int k) const { return k < K ? k * sak : -1; }
    __device__ BCol b_col(int n) const { return {n < N ? n * sbn : -1}; }
    __device__ const T* b_at(int k, const BCol& c) const { return k < K && c.off >= 0 ? B + k * sbk + c.off : nullptr; }
    __device__ int b_krow(int k) const { return k < K ? k * sbk : -1; }
    __device__ int c_row(int m) const { return m * som; }
    __device__ int c_col(int n) const { return n * son; }
    __device__ T bias_of(int m) const { return bias ? bias[m * sbias] : (T)0; }
};

#define JD_GEMM_NAIVE(sfx, T)                                                                                      \
    extern "C" __global__ void gemm_naive_##sfx(MatmulGeom g, const T* a, const T* b, T* out, const T* bias) { \
        gemm_naive_body<T>(MatmulP<T>::of(g, a, b, out, bias));                                               \
    }
JD_GEMM_NAIVE(f32, float)
JD_GEMM_NAIVE(f64, double)

// One kernel per (tiled version, tile rows): gemm_<ver>_f32 (128 rows), gemm_<ver>_m64_f32, gemm_<ver>_m32_f32.
// The 128-row simt (136 registers) and tf32 (180) run one block of 8 warps per SM (capped at 128 they
// spill), bf16 fits 128 without spills and runs two; the 64- and 32-row tiles fit 128 and run two
// (ptxas report, kernels/README.md).
#define JD_GEMM_TILED(ver, V, BM, MIN_BLOCKS)                                                                                \
    extern "C" __global__ void __launch_bounds__(JD_GEMM_THREADS, MIN_BLOCKS) gemm_##ver##_f32(MatmulGeom g, const float* a,     \
                                                                                  const float* b, float* out, const float* bias) { \
        gemm_tiled<V, BM>(MatmulP<float>::of(g, a, b, out, bias));                                                           \
    }
JD_GEMM_TILED(simt, GEMM_SIMT, 128, 1)
JD_GEMM_TILED(tf32, GEMM_TF32, 128, 1)
JD_GEMM_TILED(bf16, GEMM_BF16, 128, 2)
JD_GEMM_TILED(simt_m64, GEMM_SIMT, 64, 2)
JD_GEMM_TILED(tf32_m64, GEMM_TF32, 64, 2)
JD_GEMM_TILED(bf16_m64, GEMM_BF16, 64, 2)
JD_GEMM_TILED(simt_m32, GEMM_SIMT, 32, 2)
JD_GEMM_TILED(tf32_m32, GEMM_TF32, 32, 2)
JD_GEMM_TILED(bf16_m32, GEMM_BF16, 32, 2)
