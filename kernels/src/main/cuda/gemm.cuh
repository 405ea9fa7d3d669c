// The GEMM tile engine shared by matmul (gemm.cu) and the implicit-GEMM convolutions (conv.cu).
//
// Shapes: one problem is C[M, N] = A[M, K] · B[K, N] (+ bias[m]), repeated over a batch index z
// (blockIdx.y, grid-stride) that p.select(z) turns into base pointers. A problem type P says where
// elements live; the tile loops never see strides. A and C are separable, B is general:
//   A[m, k] at p.A + p.a_row(m) + p.a_col(k)  (either offset -1 where the element is zero);
//   B[k, n] at p.b_at(k, p.b_col(n))          (nullptr where zero: edges, convolution padding);
//   C[m, n] at p.C + p.c_row(m) + p.c_col(n), written v + p.bias_of(m);
//   P::VEC with p.a_vec (A m-contiguous) / p.b_vec (B n-contiguous at p.B + p.b_krow(k) + n), both
//   16-byte aligned: four neighbours load as one 16-byte cp.async.
// Loader thread mapping (fixed): A loads walk k fastest, B loads walk n fastest; so each thread keeps
// one k of A (its column offset, once per k-tile) and one n of B (its column state, once per tile)
// and only a row offset per A slot, which keeps the address arithmetic out of the registers.
// Tiles: BM x 128 output per block of 256 threads, BM = 128, 64 or 32 (a template parameter; the
// host picks the smallest that holds M, GemmPlan.tileM: a 128-row tile over M = 32 computes four
// times the useful products); block index x -> (tile m, tile n).
//   v1 naive  one thread per output, K-loop from global memory (the correctness baseline).
//   v2 simt   BK 8, cp.async double buffer, fp32 FMA; threads TY x TX owning 4x4 groups:
//             BM 128: 16 x 16 threads of 8x8 outputs; 64: 16 x 16 of 4x8; 32: 8 x 32 of 4x4.
//   v3 tf32   BK 16, 8 warps 2 (m) x 4 (n) of (BM/2) x 32, mma.sync m16n8k8 TF32 (inputs rounded to
//             10-bit mantissa, cvt.rna), fp32 accumulate, cp.async double buffer.
//   v4 bf16   BK 16, warps as v3, mma.sync m16n8k16 BF16 (7-bit mantissa), fp32 accumulate;
//             fp32 loaded to registers, converted and packed in pairs while staged to shared memory.
// FLOPs: 2·M·N·K per problem. Bytes moved: 4·(M·K·⌈N/128⌉ + K·N·⌈M/BM⌉ + M·N) from L2/DRAM for
// the tiled versions (A re-read once per column of tiles, B once per row of tiles); per k-step a
// block reads (BM + 128)·BK elements for BM·128·BK products: 64 products per element at BM 128,
// 43 at 64, 26 at 32 (the price of not computing padding rows).
//
// Every PTX instruction here (cp.async, mma.sync, cvt.rna.tf32, cvt.rn.bf16x2) needs sm_80+.
#ifndef JD_GEMM_CUH
#define JD_GEMM_CUH

#include "common.cuh"

#define JD_GEMM_BN 128
#define JD_GEMM_THREADS 256

// ---- PTX helpers -------------------------------------------------------------------------------
// (kernels/scripts/cuda-host/cuda_host.h defines the same functions for the CPU emulation)
#ifndef JD_CUDA_HOST

__device__ __forceinline__ unsigned smem_addr(const void* p) {
    unsigned a;
    asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(a) : "l"(p));
    return a;
}

// 4-byte async copy global -> shared; src == nullptr writes a zero (src-size 0 reads nothing).
__device__ __forceinline__ void cp_async4(float* dst, const float* src, const float* any) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(smem_addr(dst)), "l"(src ? src : any), "r"(src ? 4 : 0));
}

// 16-byte async copy of the first `count` (0..4) floats; the rest of the 16 bytes are zeroed.
__device__ __forceinline__ void cp_async16(float* dst, const float* src, int count, const float* any) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)), "l"(count > 0 ? src : any), "r"(count * 4));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }

__device__ __forceinline__ unsigned to_tf32(float f) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(f));
    return r;
}

// Two floats as one bf16x2 word: lo in bits 0..15 (the smaller k), hi in bits 16..31.
__device__ __forceinline__ unsigned pack_bf16x2(float lo, float hi) {
    unsigned r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

// d += a·b on one 16x8x8 TF32 tile (fragment layouts in the PTX ISA, "mma.m16n8k8").
__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// d += a·b on one 16x8x16 BF16 tile.
__device__ __forceinline__ void mma_bf16(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

#endif  // JD_CUDA_HOST

__device__ __forceinline__ float load_or0(const float* p) { return p ? *p : 0.f; }

// ---- v1: naive ---------------------------------------------------------------------------------

// One thread per output (grid-stride over M·N), the K-loop straight from global memory, accumulated
// in T (float32 like the CPU reference, float64 for float64).
template <typename T, class P> __device__ void gemm_naive_body(const P& p0) {
    for (int z = blockIdx.y; z < p0.batch; z += gridDim.y) {
        P p = p0;
        p.select(z);
        JD_GRID_LOOP(i, (i64)p.M * p.N) {
            int m = (int)(i / p.N), n = (int)(i - (i64)m * p.N);
            int ar = p.a_row(m);
            typename P::BCol bc = p.b_col(n);
            T acc = 0;
            for (int k = p.kbeg; k < p.K; ++k) {
                int ac = p.a_col(k);
                const T* b = p.b_at(k, bc);
                if (ac >= 0 && b) acc += p.A[ar + ac] * *b;
            }
            p.C[p.c_row(m) + p.c_col(n)] = acc + p.bias_of(m);
        }
    }
}

// ---- tile loaders (cp.async, fp32 into shared memory [k][m or n]) -------------------------------

// Per-tile state of this thread's A rows: slot s covers row m0 + t/BK + s·(256/BK), column t % BK.
template <int BK, int BM, class P> struct ARows {
    static constexpr int SLOTS = BK * BM / JD_GEMM_THREADS;
    static_assert(SLOTS >= 1 && SLOTS * JD_GEMM_THREADS == BK * BM, "A tile: whole slots of 256 elements");
    int off[SLOTS];
    __device__ __forceinline__ void init(const P& p, int m0) {
#pragma unroll
        for (int s = 0; s < SLOTS; ++s) off[s] = p.a_row(m0 + (int)threadIdx.x / BK + s * (JD_GEMM_THREADS / BK));
    }
};

// A tile [BK][BM] into As: scalar copies (k fastest), or one 16-byte copy per 4 m when p.a_vec.
template <int BK, int BM, int LD, class P>
__device__ __forceinline__ void load_a_async(const P& p, const ARows<BK, BM, P>& rows, float (*As)[LD], int m0, int k0) {
    int t = threadIdx.x;
    if constexpr (P::VEC) {
        if (p.a_vec) {  // BM/4 threads per k row: slot s covers k = t/(BM/4) + s·(1024/BM), m = 4·(t % (BM/4))
            constexpr int PER_K = BM / 4, KS = JD_GEMM_THREADS / PER_K, PASSES = (BK + KS - 1) / KS;
            int m = (t % PER_K) * 4, count = max(0, min(4, p.M - m0 - m)), ro = count > 0 ? p.a_row(m0 + m) : -1;
#pragma unroll
            for (int s = 0; s < PASSES; ++s) {
                int k = t / PER_K + KS * s;
                if (KS * PASSES > BK && k >= BK) break;  // BM·BK/4 < 256: some threads have no copy
                int co = p.a_col(k0 + k);
                bool ok = ro >= 0 && co >= 0;
                cp_async16(&As[k][m], p.A + (ok ? ro + co : 0), ok ? count : 0, p.A);
            }
            return;
        }
    }
    int k = t % BK, co = p.a_col(k0 + k);
#pragma unroll
    for (int s = 0; s < ARows<BK, BM, P>::SLOTS; ++s) {
        int m = t / BK + s * (JD_GEMM_THREADS / BK);
        bool ok = co >= 0 && rows.off[s] >= 0;
        cp_async4(&As[k][m], ok ? p.A + rows.off[s] + co : nullptr, p.A);
    }
}

// B tile [BK][BN] into Bs: slot s covers k = t/128 + 2s (scalar) or t/32 + 8s (vector), one column state.
template <int BK, int LD, class P>
__device__ __forceinline__ void load_b_async(const P& p, const typename P::BCol& col, float (*Bs)[LD], int n0, int k0) {
    int t = threadIdx.x;
    if constexpr (P::VEC) {
        if (p.b_vec) {
            int n = (t % 32) * 4, count = max(0, min(4, p.N - n0 - n));
#pragma unroll
            for (int s = 0; s < BK * JD_GEMM_BN / 4 / JD_GEMM_THREADS; ++s) {
                int k = t / 32 + 8 * s, ro = p.b_krow(k0 + k);
                bool ok = ro >= 0 && count > 0;
                cp_async16(&Bs[k][n], p.B + (ok ? ro + n0 + n : 0), ok ? count : 0, p.A);
            }
            return;
        }
    }
    int n = t % JD_GEMM_BN;
#pragma unroll
    for (int s = 0; s < BK * JD_GEMM_BN / JD_GEMM_THREADS; ++s) {
        int k = t / JD_GEMM_BN + s * (JD_GEMM_THREADS / JD_GEMM_BN);
        cp_async4(&Bs[k][n], p.b_at(k0 + k, col), p.A);
    }
}

// The output tile's origin, made opaque to the compiler after the main loop: otherwise it hoists the
// epilogue's 64 output addresses above the loop and keeps them live there (hundreds of bytes of spills).
struct COrigin {
    int m0, n0;
    __device__ __forceinline__ COrigin(int m, int n) : m0(m), n0(n) { asm volatile("" : "+r"(m0), "+r"(n0)); }
};

// C[m, n] = v + bias for the rows and columns inside the problem.
template <class P> __device__ __forceinline__ void store_c(const P& p, int m, int n, float v) {
    if (m < p.M && n < p.N) p.C[p.c_row(m) + p.c_col(n)] = v + p.bias_of(m);
}

/**
 * Stages k-tile kt of A and B into buffer kt & 1 for the tile loop: the first call loads tile 0; each
 * later iteration prefetches tile kt + 1 into the other buffer (cp.async double buffering) and waits
 * until tile kt has landed. Returns the buffer holding tile kt.
 */
template <int BK, int BM, int LDA, int LDB, class P>
__device__ __forceinline__ int stage_tiles(const P& p, const ARows<BK, BM, P>& rows, const typename P::BCol& col,
                                           float (*As)[BK][LDA], float (*Bs)[BK][LDB], int m0, int n0, int kt, int tiles) {
    int s = kt & 1;
    if (kt + 1 < tiles) {
        int k0 = p.kbeg + (kt + 1) * BK;
        load_a_async<BK, BM, LDA>(p, rows, As[s ^ 1], m0, k0);
        load_b_async<BK, LDB>(p, col, Bs[s ^ 1], n0, k0);
        cp_async_commit();
        cp_async_wait<1>();
    } else {
        cp_async_wait<0>();
    }
    return s;
}

// ---- v2: SIMT fp32, BMx128x8 ---------------------------------------------------------------------
// Threads TY (m) x TX (n), each owning GM x GN groups of 4x4 outputs, groups 4·TY rows and 4·TX
// columns apart: BM 128: 16 x 16 threads of 8x8; BM 64: 16 x 16 of 4x8; BM 32: 8 x 32 of 4x4.

#define SIMT_BK 8

template <int BM> struct SimtShape {
    static constexpr int TY = BM / 4 < 16 ? BM / 4 : 16, TX = JD_GEMM_THREADS / TY;
    static constexpr int GM = BM / (4 * TY), GN = JD_GEMM_BN / (4 * TX);
    static constexpr int LDA = BM + 4;  // +4: the scattered 4-byte stores of a k-major A land in distinct banks
    static constexpr int LDB = JD_GEMM_BN + 4;
    static_assert(GM >= 1 && GN >= 1 && GM * 4 * TY == BM && GN * 4 * TX == JD_GEMM_BN, "SIMT thread tiling");
};

template <int BM, class P> __device__ void gemm_simt_tile(const P& p, int tm, int tn) {
    using S = SimtShape<BM>;
    constexpr int GM = S::GM, GN = S::GN;
    __shared__ __align__(16) float As[2][SIMT_BK][S::LDA];
    __shared__ __align__(16) float Bs[2][SIMT_BK][S::LDB];
    int m0 = tm * BM, n0 = tn * JD_GEMM_BN;
    ARows<SIMT_BK, BM, P> rows;
    rows.init(p, m0);
    typename P::BCol col = p.b_col(n0 + (int)threadIdx.x % JD_GEMM_BN);
    int tx = threadIdx.x % S::TX, ty = threadIdx.x / S::TX;
    // this thread's outputs: rows 4·TY·gi + 4·ty + i, columns 4·TX·gj + 4·tx + j (i, j < 4)
    float acc[4 * GM][4 * GN];
#pragma unroll
    for (int i = 0; i < 4 * GM; ++i)
#pragma unroll
        for (int j = 0; j < 4 * GN; ++j) acc[i][j] = 0.f;

    int tiles = (p.K - p.kbeg + SIMT_BK - 1) / SIMT_BK;
    load_a_async<SIMT_BK, BM, S::LDA>(p, rows, As[0], m0, p.kbeg);
    load_b_async<SIMT_BK, S::LDB>(p, col, Bs[0], n0, p.kbeg);
    cp_async_commit();
    for (int kt = 0; kt < tiles; ++kt) {
        int s = stage_tiles<SIMT_BK, BM, S::LDA, S::LDB>(p, rows, col, As, Bs, m0, n0, kt, tiles);
        __syncthreads();
#pragma unroll
        for (int k = 0; k < SIMT_BK; ++k) {
            float a[4 * GM], b[4 * GN];
#pragma unroll
            for (int gi = 0; gi < GM; ++gi) {
                float4 v = *reinterpret_cast<const float4*>(&As[s][k][4 * S::TY * gi + ty * 4]);
                a[4 * gi] = v.x, a[4 * gi + 1] = v.y, a[4 * gi + 2] = v.z, a[4 * gi + 3] = v.w;
            }
#pragma unroll
            for (int gj = 0; gj < GN; ++gj) {
                float4 v = *reinterpret_cast<const float4*>(&Bs[s][k][4 * S::TX * gj + tx * 4]);
                b[4 * gj] = v.x, b[4 * gj + 1] = v.y, b[4 * gj + 2] = v.z, b[4 * gj + 3] = v.w;
            }
#pragma unroll
            for (int i = 0; i < 4 * GM; ++i)
#pragma unroll
                for (int j = 0; j < 4 * GN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();  // the next iteration's copies overwrite the stage just read
    }
    COrigin o(m0, n0);
#pragma unroll
    for (int i = 0; i < 4 * GM; ++i) {
        COrigin r(o.m0 + 4 * S::TY * (i / 4) + ty * 4 + i % 4, o.n0);  // per row: the rows' addresses are not all live at once
#pragma unroll
        for (int j = 0; j < 4 * GN; ++j) store_c(p, r.m0, r.n0 + 4 * S::TX * (j / 4) + tx * 4 + j % 4, acc[i][j]);
    }
}

// ---- v3: TF32 tensor cores, BMx128x16, warps 2 (m) x 4 (n) of (BM/2)x32 ----------------------------
// Each warp holds MI = BM/32 m16 tiles by 4 n8 tiles: BM 128: 64x32; 64: 32x32; 32: 16x32.

#define TC_BK 16

template <int BM, class P> __device__ void gemm_tf32_tile(const P& p, int tm, int tn) {
    constexpr int MI = BM / 32, LDA = BM + 8, LDB = JD_GEMM_BN + 8;  // +8: fragment reads [k = tig][m = g] hit 32 distinct banks
    __shared__ __align__(16) float As[2][TC_BK][LDA];
    __shared__ __align__(16) float Bs[2][TC_BK][LDB];
    int m0 = tm * BM, n0 = tn * JD_GEMM_BN;
    ARows<TC_BK, BM, P> rows;
    rows.init(p, m0);
    typename P::BCol col = p.b_col(n0 + (int)threadIdx.x % JD_GEMM_BN);
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, tig = lane % 4;
    int wm = (warp / 4) * (BM / 2), wn = (warp % 4) * 32;
    float acc[MI][4][4];
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int r = 0; r < 4; ++r) acc[i][j][r] = 0.f;

    int tiles = (p.K - p.kbeg + TC_BK - 1) / TC_BK;
    load_a_async<TC_BK, BM, LDA>(p, rows, As[0], m0, p.kbeg);
    load_b_async<TC_BK, LDB>(p, col, Bs[0], n0, p.kbeg);
    cp_async_commit();
    for (int kt = 0; kt < tiles; ++kt) {
        int s = stage_tiles<TC_BK, BM, LDA, LDB>(p, rows, col, As, Bs, m0, n0, kt, tiles);
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TC_BK; kk += 8) {
            unsigned a[MI][4], b[4][2];
#pragma unroll
            for (int i = 0; i < MI; ++i) {
                int m = wm + i * 16 + g;
                a[i][0] = to_tf32(As[s][kk + tig][m]);
                a[i][1] = to_tf32(As[s][kk + tig][m + 8]);
                a[i][2] = to_tf32(As[s][kk + tig + 4][m]);
                a[i][3] = to_tf32(As[s][kk + tig + 4][m + 8]);
            }
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                int n = wn + j * 8 + g;
                b[j][0] = to_tf32(Bs[s][kk + tig][n]);
                b[j][1] = to_tf32(Bs[s][kk + tig + 4][n]);
            }
#pragma unroll
            for (int i = 0; i < MI; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) mma_tf32(acc[i][j], a[i], b[j]);
        }
        __syncthreads();
    }
    COrigin o(m0, n0);
    // accumulator r of tile (i, j): row g + 8·(r / 2), column 2·tig + r % 2
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int r = 0; r < 4; ++r) {
                store_c(p, o.m0 + wm + i * 16 + g + 8 * (r / 2), o.n0 + wn + j * 8 + 2 * tig + r % 2, acc[i][j][r]);
            }
}

// ---- v4: BF16 tensor cores, BMx128x16, fp32 -> bf16 while staging ----------------------------------

#define BF_LDW 12  // words per shared row: 8 bf16 pairs (k 0..15) + 4 padding, conflict-free fragment reads

// This thread's pairs (k, k+1) of each operand tile, converted to bf16x2 words.
// A: pair slot s is row t/8 + 32s (BM/32 slots), pair t % 8 (k fastest); B: column t % 128, pair t/128 + 2s (4 slots).
template <int BM, class P> struct Bf16Stage {
    static constexpr int AS = BM / 32;
    int aOff[AS];
    typename P::BCol col;
    unsigned wa[AS], wb[4];
    __device__ __forceinline__ void init(const P& p, int m0, int n0) {
#pragma unroll
        for (int s = 0; s < AS; ++s) aOff[s] = p.a_row(m0 + (int)threadIdx.x / 8 + 32 * s);
        col = p.b_col(n0 + (int)threadIdx.x % 128);
    }
    __device__ __forceinline__ void load(const P& p, int k0) {
        int k = k0 + 2 * ((int)threadIdx.x % 8), c0 = p.a_col(k), c1 = p.a_col(k + 1);
#pragma unroll
        for (int s = 0; s < AS; ++s) {
            float lo = c0 >= 0 && aOff[s] >= 0 ? p.A[aOff[s] + c0] : 0.f;
            float hi = c1 >= 0 && aOff[s] >= 0 ? p.A[aOff[s] + c1] : 0.f;
            wa[s] = pack_bf16x2(lo, hi);
        }
#pragma unroll
        for (int s = 0; s < 4; ++s) {
            int kb = k0 + 2 * ((int)threadIdx.x / 128 + 2 * s);
            wb[s] = pack_bf16x2(load_or0(p.b_at(kb, col)), load_or0(p.b_at(kb + 1, col)));
        }
    }
    __device__ __forceinline__ void store(unsigned (*As)[BF_LDW], unsigned (*Bs)[BF_LDW]) const {
#pragma unroll
        for (int s = 0; s < AS; ++s) As[threadIdx.x / 8 + 32 * s][threadIdx.x % 8] = wa[s];
#pragma unroll
        for (int s = 0; s < 4; ++s) Bs[threadIdx.x % 128][threadIdx.x / 128 + 2 * s] = wb[s];
    }
};

template <int BM, class P> __device__ void gemm_bf16_tile(const P& p, int tm, int tn) {
    constexpr int MI = BM / 32;
    __shared__ __align__(16) unsigned As[2][BM][BF_LDW];          // [m][k pair]
    __shared__ __align__(16) unsigned Bs[2][JD_GEMM_BN][BF_LDW];  // [n][k pair]
    int m0 = tm * BM, n0 = tn * JD_GEMM_BN;
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, tig = lane % 4;
    int wm = (warp / 4) * (BM / 2), wn = (warp % 4) * 32;
    float acc[MI][4][4];
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int r = 0; r < 4; ++r) acc[i][j][r] = 0.f;

    Bf16Stage<BM, P> st;
    st.init(p, m0, n0);
    int tiles = (p.K - p.kbeg + TC_BK - 1) / TC_BK;
    st.load(p, p.kbeg);
    st.store(As[0], Bs[0]);
    __syncthreads();
    for (int kt = 0; kt < tiles; ++kt) {
        int s = kt & 1;
        bool more = kt + 1 < tiles;
        if (more) {  // the next tile's global loads are in flight during this tile's mma
            st.load(p, p.kbeg + (kt + 1) * TC_BK);
        }
        unsigned a[MI][4], b[4][2];
#pragma unroll
        for (int i = 0; i < MI; ++i) {
            int m = wm + i * 16 + g;
            a[i][0] = As[s][m][tig];
            a[i][1] = As[s][m + 8][tig];
            a[i][2] = As[s][m][tig + 4];
            a[i][3] = As[s][m + 8][tig + 4];
        }
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            int n = wn + j * 8 + g;
            b[j][0] = Bs[s][n][tig];
            b[j][1] = Bs[s][n][tig + 4];
        }
#pragma unroll
        for (int i = 0; i < MI; ++i)
#pragma unroll
            for (int j = 0; j < 4; ++j) mma_bf16(acc[i][j], a[i], b[j]);
        if (more) st.store(As[s ^ 1], Bs[s ^ 1]);  // stage s^1 was last read before the previous barrier
        __syncthreads();
    }
    COrigin o(m0, n0);
#pragma unroll
    for (int i = 0; i < MI; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int r = 0; r < 4; ++r) {
                store_c(p, o.m0 + wm + i * 16 + g + 8 * (r / 2), o.n0 + wn + j * 8 + 2 * tig + r % 2, acc[i][j][r]);
            }
}

// ---- the tiled versions' grid: block x -> (tile m, tile n), block y strides over the batch --------

enum GemmVersion { GEMM_SIMT = 2, GEMM_TF32 = 3, GEMM_BF16 = 4 };

// BM (128, 64 or 32) rows per tile: the host picks the smallest that holds M (GemmPlan.tileM).
template <int V, int BM, class P> __device__ void gemm_tiled(const P& p0) {
    static_assert(BM == 128 || BM == 64 || BM == 32, "tile rows");
    int tilesM = (p0.M + BM - 1) / BM;
    int tm = blockIdx.x % tilesM, tn = blockIdx.x / tilesM;
    for (int z = blockIdx.y; z < p0.batch; z += gridDim.y) {
        P p = p0;
        p.select(z);
        if constexpr (V == GEMM_SIMT) gemm_simt_tile<BM>(p, tm, tn);
        else if constexpr (V == GEMM_TF32) gemm_tf32_tile<BM>(p, tm, tn);
        else gemm_bf16_tile<BM>(p, tm, tn);
    }
}

#endif  // JD_GEMM_CUH
