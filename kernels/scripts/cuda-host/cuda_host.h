// Runs CUDA kernel source on the CPU for checking indexing and control flow where no GPU exists.
//
// Shape legend: a launch is a grid (x, y, z) of blocks of blockX threads (1-d blocks, as every
// kernel here uses); each thread is a fiber (started by ucontext, then switched by _setjmp/_longjmp, which unlike
// swapcontext make no system call) and the blocks run one after another.
// __syncthreads is a block-wide barrier: a fiber yields there until every unfinished fiber of the
// block waits at it; __shfl_xor_sync and mma.sync are warp-wide barriers, released once every
// unfinished lane of the warp waits at the same one (so warps may shuffle while others wait at
// __syncthreads, as block_reduce's first warp does). A shuffle or mma whose partner lane has exited,
// or a barrier the threads of a block (or the lanes of a warp) reach in different kinds, aborts.
// Shared memory is poisoned (all bits set: NaN) before every block, so a read of an element the
// block never wrote shows. The sm_80 instructions of gemm.cuh are emulated:
//   cp.async      checks 16-byte alignment; JD_CP_ASYNC=late poisons the destination at issue and
//                 lands the data at cp.async.wait_group (a read before the wait shows), the default
//                 (early) lands it at issue (a copy into a buffer other threads still read shows);
//   mma.sync      m16n8k8 TF32 and m16n8k16 BF16 with the PTX ISA's fragment layouts, products
//                 summed in float64 and rounded once to float32 (the hardware's order is unspecified);
//   cvt           rna to TF32 (10-bit mantissa), rn to a bf16 pair.
// Bytes moved: none; this models the execution model, not the memory system or its speed.
#ifndef JD_CUDA_HOST_H
#define JD_CUDA_HOST_H

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>
#include <csetjmp>
#include <sys/mman.h>
#include <ucontext.h>

#define __global__
#define __device__
#define __constant__
#define __host__
#define __forceinline__ inline
#define JD_CUDA_HOST 1
// every __shared__ variable lives in one section, poisoned before each block
#define __shared__ __attribute__((section("jd_shared"))) static
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)
#define __grid_constant__

extern "C" __attribute__((weak)) char __start_jd_shared[];
extern "C" __attribute__((weak)) char __stop_jd_shared[];

struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
struct __attribute__((aligned(16))) double2 { double x, y; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline double2 make_double2(double x, double y) { return {x, y}; }
inline int max(int a, int b) { return a > b ? a : b; }
inline int min(int a, int b) { return a < b ? a : b; }

struct jd_dim3 { unsigned x = 0, y = 0, z = 0; };
inline jd_dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace jdhost {
enum Wait { RUNNING, SYNC, SHUFFLE, MMA, DONE };
// A fiber's stack: 256 KiB under a no-access guard page, so an overflow faults at once instead of
// overwriting a neighbour's stack.
struct Stack {
    static constexpr size_t SIZE = 256 * 1024, GUARD = 4096;
    char* base = nullptr;
    Stack() = default;
    Stack(const Stack&) : Stack() {}  // a copy is a fresh, unallocated stack
    Stack& operator=(const Stack&) = delete;
    ~Stack() { if (base) munmap(base, SIZE + GUARD); }
    bool empty() const { return base == nullptr; }
    void allocate() {
        void* m = mmap(nullptr, SIZE + GUARD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) { std::perror("cuda_host: fiber stack"); std::abort(); }
        mprotect(m, GUARD, PROT_NONE);  // stacks grow down, into the guard
        base = static_cast<char*>(m);
    }
    char* data() const { return base + GUARD; }
    size_t size() const { return SIZE; }
};
// one cp.async in flight: the bytes it read and where they land
struct Copy { void* dst; unsigned char data[16]; int bytes; };
struct Fiber {
    ucontext_t ctx;  // the first entry
    jmp_buf jb;      // where it yielded
    bool started = false;
    Stack stack;
    Wait wait = RUNNING;
    unsigned tid = 0;
    std::vector<Copy> open;                 // issued since the last commit_group
    std::vector<std::vector<Copy>> groups;  // committed, oldest first
};
inline std::vector<Fiber> fibers;
inline ucontext_t scheduler;
inline jmp_buf schedulerJb;
inline Fiber* current = nullptr;
inline std::vector<unsigned long long> slots;  // shuffle exchange, one 8-byte slot per thread
inline std::function<void()> body;
inline const char* kernelName = "kernel";  // for messages
inline const bool warpsReversed = [] { const char* m = std::getenv("JD_WARP_ORDER"); return m && !std::strcmp(m, "reverse"); }();

inline void yield(Wait w) {
    current->wait = w;
    if (!_setjmp(current->jb)) _longjmp(schedulerJb, 1);
}

// A fiber runs the kernel body once per block: after a block it waits at DONE, and the next block
// (or launch, which only replaces body) resumes it there, so its context is made only once.
inline void entry() {
    for (;;) {
        body();
        yield(DONE);
    }
}

inline void runBlock(unsigned blockX);

// Runs body on a grid (x, y, z) of blocks of blockX threads.
inline void launch(jd_dim3 grid, unsigned blockX, std::function<void()> kernel) {
    body = std::move(kernel);
    if (fibers.size() != blockX) {
        fibers.clear();
        fibers.resize(blockX);
    }
    slots.assign(blockX, 0);
    gridDim = grid;
    blockDim.x = blockX; blockDim.y = blockDim.z = 1;
    for (auto& f : fibers)
        if (f.stack.empty()) f.stack.allocate();
    for (unsigned z = 0; z < grid.z; ++z)
        for (unsigned y = 0; y < grid.y; ++y)
            for (unsigned x = 0; x < grid.x; ++x) {
                blockIdx.x = x; blockIdx.y = y; blockIdx.z = z;
                runBlock(blockX);
            }
}

inline void launch(unsigned gridX, unsigned blockX, std::function<void()> kernel) {
    launch(jd_dim3{gridX, 1, 1}, blockX, std::move(kernel));
}

inline void runBlock(unsigned blockX) {
    if (__start_jd_shared && +__stop_jd_shared > +__start_jd_shared)
        std::memset(__start_jd_shared, 0xff, (size_t)(__stop_jd_shared - __start_jd_shared));
    for (unsigned t = 0; t < blockX; ++t) {
        Fiber& f = fibers[t];
        f.tid = t;
        f.wait = RUNNING;
        f.open.clear();
        f.groups.clear();
        if (f.started) continue;
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = f.stack.data();
        f.ctx.uc_stack.ss_size = f.stack.size();
        f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, entry, 0);
    }
    for (;;) {
        // each warp in turn runs ahead to a __syncthreads (or its end): its released lanes run to
        // their next barrier, and a shuffle or mma releases the warp once every unfinished lane of
        // the warp waits at it. Warp 0 first (JD_WARP_ORDER unset) shows a shared value it
        // overwrites before a later warp has read it; the last warp first (JD_WARP_ORDER=reverse)
        // shows a later warp reading a value warp 0 has not written yet.
        unsigned warps = (blockX + 31) / 32;
        for (unsigned wi = 0; wi < warps; ++wi) {
            unsigned w0 = 32 * (warpsReversed ? warps - 1 - wi : wi), w1 = std::min(blockX, w0 + 32);
            for (;;) {
                for (unsigned t = w0; t < w1; ++t) {
                    Fiber& f = fibers[t];
                    if (f.wait != RUNNING) continue;
                    current = &f;
                    threadIdx.x = f.tid;
                    if (!_setjmp(schedulerJb)) {
                        if (f.started) _longjmp(f.jb, 1);
                        f.started = true;
                        swapcontext(&scheduler, &f.ctx);
                    }
                }
                Wait kind = DONE;
                bool same = true;
                for (unsigned t = w0; t < w1; ++t) {
                    Wait k = fibers[t].wait;
                    if (k == DONE) continue;
                    if (kind != DONE && k != kind) same = false;
                    kind = k;
                }
                if (!same || (kind != SHUFFLE && kind != MMA)) break;
                for (unsigned t = w0; t < w1; ++t)
                    if (fibers[t].wait != DONE) fibers[t].wait = RUNNING;
            }
        }
        // __syncthreads releases the block once every unfinished thread waits at it
        Wait kind = DONE;
        for (auto& f : fibers) {
            if (f.wait == DONE) continue;
            if (kind != DONE && f.wait != kind) {
                std::fprintf(stderr, "%s, block (%u, %u, %u): threads wait at different barriers (__syncthreads, shuffle, mma)\n",
                             kernelName, blockIdx.x, blockIdx.y, blockIdx.z);
                std::abort();
            }
            kind = f.wait;
        }
        if (kind == DONE) break;
        if (kind != SYNC) {
            std::fprintf(stderr, "%s, block (%u, %u, %u): a warp waits at a shuffle or mma that some of its lanes never reach\n",
                         kernelName, blockIdx.x, blockIdx.y, blockIdx.z);
            std::abort();
        }
        for (auto& f : fibers)
            if (f.wait != DONE) f.wait = RUNNING;
    }
}
}  // namespace jdhost

inline void __syncthreads() { jdhost::yield(jdhost::SYNC); }

template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int laneMask, int = 32) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    unsigned me = threadIdx.x, partner = me ^ (unsigned)laneMask;
    std::memcpy(&jdhost::slots[me], &v, sizeof(T));
    jdhost::yield(jdhost::SHUFFLE);
    if (partner >= jdhost::fibers.size() || jdhost::fibers[partner].wait == jdhost::DONE) {
        std::fprintf(stderr, "%s: shuffle: lane %u's partner %u has exited\n", jdhost::kernelName, me, partner);
        std::abort();
    }
    T r;
    std::memcpy(&r, &jdhost::slots[partner], sizeof(T));
    jdhost::yield(jdhost::SHUFFLE);  // nobody overwrites a slot before its partner has read it
    return r;
}

// atomics: blocks run one after another and fibers switch only at barriers, so a plain update is atomic
inline int atomicCAS(int* a, int cmp, int val) { int old = *a; if (old == cmp) *a = val; return old; }
template <typename T> inline T atomicAdd(T* a, T v) { T old = *a; *a = old + v; return old; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
// explicit rounding, never fused into an FMA (the host build has no FMA contraction either)
inline double __dmul_rn(double a, double b) { volatile double r = a * b; return r; }
inline double __dadd_rn(double a, double b) { volatile double r = a + b; return r; }
inline double __dsub_rn(double a, double b) { volatile double r = a - b; return r; }
inline double __ddiv_rn(double a, double b) { volatile double r = a / b; return r; }
inline double __dsqrt_rn(double a) { return std::sqrt(a); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline double __longlong_as_double(long long i) { double d; std::memcpy(&d, &i, 8); return d; }
inline float __double2float_rn(double d) { return (float)d; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline long long __double_as_longlong(double d) { long long i; std::memcpy(&i, &d, 8); return i; }
inline unsigned __float2uint_rn(float f) { return (unsigned)std::nearbyint(f); }  // default mode: nearest even
inline float __double2float_rz(double d) {  // toward zero
    float f = (float)d;
    if (std::isinf(f) && !std::isinf(d)) return std::copysign(3.40282347e38f, f);
    if (std::fabs((double)f) > std::fabs(d)) f = std::nextafter(f, 0.0f);
    return f;
}

// ---- sm_80 instructions of gemm.cuh ------------------------------------------------------------

namespace jdhost {
inline const bool cpAsyncLate = [] { const char* m = std::getenv("JD_CP_ASYNC"); return m && !std::strcmp(m, "late"); }();


// cp.async of `size` bytes to dst, reading `srcBytes` (the rest zero-filled)
inline void cpAsync(void* dst, const void* src, int srcBytes, int size) {
    if ((reinterpret_cast<unsigned long>(dst) % size) || (srcBytes > 0 && reinterpret_cast<unsigned long>(src) % size)) {
        std::fprintf(stderr, "%s: cp.async of %d bytes: misaligned address (thread %u, block %u)\n", kernelName, size, threadIdx.x, blockIdx.x);
        std::abort();
    }
    Copy c{dst, {}, size};
    if (srcBytes > 0) std::memcpy(c.data, src, (size_t)srcBytes);
    if (cpAsyncLate) {
        std::memset(dst, 0xff, (size_t)size);  // undefined until the group lands
        current->open.push_back(c);
    } else {
        std::memcpy(dst, c.data, (size_t)size);
    }
}

// one mma.sync operand set per thread, exchanged within the warp
struct MmaSlot { unsigned a[4], b[2]; float c[4]; };
inline std::vector<MmaSlot> mmaSlots;

inline float tf32Value(unsigned u) { return __uint_as_float(u & 0xffffe000u); }  // the unit reads 19 bits
inline float bf16Value(unsigned half) { return __uint_as_float((half & 0xffffu) << 16); }

// d = a·b + c over one warp: A [16][K] row-major, B [K][8] column-major, fragments of the PTX ISA
// ("Matrix fragments for mma.m16n8k8" (.tf32) and "for mma.m16n8k16 with floating point type");
// groupID g = lane / 4, threadID_in_group t = lane % 4.
template <bool BF16>
inline void mma(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    constexpr int K = BF16 ? 16 : 8;
    unsigned me = threadIdx.x, warp0 = me & ~31u;
    if (mmaSlots.size() < fibers.size()) mmaSlots.resize(fibers.size());
    if (warp0 + 32 > fibers.size()) { std::fprintf(stderr, "%s: mma.sync in a partial warp\n", kernelName); std::abort(); }
    mmaSlots[me] = MmaSlot{{a[0], a[1], a[2], a[3]}, {b[0], b[1]}, {d[0], d[1], d[2], d[3]}};
    yield(MMA);
    double A[16][16], B[16][8];
    for (unsigned lane = 0; lane < 32; ++lane) {
        if (fibers[warp0 + lane].wait == DONE) { std::fprintf(stderr, "%s: mma.sync: lane %u has exited\n", kernelName, warp0 + lane); std::abort(); }
        const MmaSlot& s = mmaSlots[warp0 + lane];
        int g = (int)lane / 4, t = (int)lane % 4;
        if (!BF16) {
            A[g][t] = tf32Value(s.a[0]); A[g + 8][t] = tf32Value(s.a[1]);
            A[g][t + 4] = tf32Value(s.a[2]); A[g + 8][t + 4] = tf32Value(s.a[3]);
            B[t][g] = tf32Value(s.b[0]); B[t + 4][g] = tf32Value(s.b[1]);
        } else {
            for (int i = 0; i < 8; ++i) {  // a_i: register i / 2, the lower half for even i
                int row = g + ((i / 2) % 2) * 8, col = 2 * t + (i & 1) + (i >= 4 ? 8 : 0);
                A[row][col] = bf16Value(s.a[i / 2] >> (16 * (i & 1)));
            }
            for (int i = 0; i < 4; ++i) B[2 * t + (i & 1) + (i >= 2 ? 8 : 0)][g] = bf16Value(s.b[i / 2] >> (16 * (i & 1)));
        }
    }
    int g = (int)(me % 32) / 4, t = (int)(me % 32) % 4;
    float out[4];
    for (int i = 0; i < 4; ++i) {
        int row = g + (i >= 2 ? 8 : 0), col = 2 * t + (i & 1);
        double acc = mmaSlots[me].c[i];
        for (int k = 0; k < K; ++k) acc += A[row][k] * B[k][col];
        out[i] = (float)acc;
    }
    yield(MMA);  // nobody overwrites a slot before the warp has read it
    for (int i = 0; i < 4; ++i) d[i] = out[i];
}
}  // namespace jdhost

inline void cp_async4(float* dst, const float* src, const float* any) { jdhost::cpAsync(dst, src ? src : any, src ? 4 : 0, 4); }
inline void cp_async16(float* dst, const float* src, int count, const float* any) {
    jdhost::cpAsync(dst, count > 0 ? src : any, count * 4, 16);
}
inline void cp_async_commit() {
    auto* f = jdhost::current;
    f->groups.push_back(std::move(f->open));
    f->open.clear();
}
// lands every committed group but the newest N
template <int N> inline void cp_async_wait() {
    auto* f = jdhost::current;
    while (f->groups.size() > (size_t)N) {
        for (const auto& c : f->groups.front()) std::memcpy(c.dst, c.data, (size_t)c.bytes);
        f->groups.erase(f->groups.begin());
    }
}

// cvt.rna.tf32.f32: round to nearest, ties away from zero, to a 10-bit mantissa
inline unsigned to_tf32(float f) {
    unsigned u = __float_as_uint(f);
    if ((u & 0x7f800000u) != 0x7f800000u) u += 0x1000u;
    return u & 0xffffe000u;
}
// cvt.rn.bf16x2.f32: round to nearest even; lo in bits 0..15
inline unsigned pack_bf16x2(float lo, float hi) {
    auto rn = [](float f) -> unsigned {
        unsigned u = __float_as_uint(f);
        if (std::isnan(f)) return 0x7fffu;
        return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    };
    return rn(lo) | (rn(hi) << 16);
}
inline void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) { jdhost::mma<false>(d, a, b); }
inline void mma_bf16(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) { jdhost::mma<true>(d, a, b); }

#endif
