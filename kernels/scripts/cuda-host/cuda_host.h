// Runs CUDA kernel source on the CPU for checking indexing and control flow where no GPU exists.
//
// Shape legend: a launch is gridX blocks of blockX threads (1-d, as the attention kernels use);
// each thread is a fiber (ucontext) and the blocks run one after another, so __shared__ can be a
// static. __syncthreads and __shfl_xor_sync are block-wide barriers: a fiber yields there until
// every unfinished fiber of the block waits at the same kind of barrier; a shuffle whose partner
// lane has exited, or a barrier the threads of a block reach in different kinds, aborts.
// Bytes moved: none; this models the execution model, not the memory system or its speed.
#ifndef JD_CUDA_HOST_H
#define JD_CUDA_HOST_H

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>
#include <ucontext.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(n)

struct jd_dim3 { unsigned x = 0, y = 0, z = 0; };
inline jd_dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace jdhost {
enum Wait { RUNNING, SYNC, SHUFFLE, DONE };
struct Fiber { ucontext_t ctx; std::vector<char> stack; Wait wait = RUNNING; unsigned tid = 0; };
inline std::vector<Fiber> fibers;
inline ucontext_t scheduler;
inline Fiber* current = nullptr;
inline std::vector<unsigned long long> slots;  // shuffle exchange, one 8-byte slot per thread
inline std::function<void()> body;

inline void yield(Wait w) {
    current->wait = w;
    swapcontext(&current->ctx, &scheduler);
}

inline void entry() {
    body();
    yield(DONE);
}

// Runs body on gridX blocks of blockX threads.
inline void launch(unsigned gridX, unsigned blockX, std::function<void()> kernel) {
    body = std::move(kernel);
    fibers.assign(blockX, Fiber());
    slots.assign(blockX, 0);
    gridDim.x = gridX; gridDim.y = gridDim.z = 1;
    blockDim.x = blockX; blockDim.y = blockDim.z = 1;
    for (auto& f : fibers) f.stack.resize(1 << 16);
    for (unsigned b = 0; b < gridX; ++b) {
        blockIdx.x = b;
        for (unsigned t = 0; t < blockX; ++t) {
            Fiber& f = fibers[t];
            f.tid = t;
            f.wait = RUNNING;
            getcontext(&f.ctx);
            f.ctx.uc_stack.ss_sp = f.stack.data();
            f.ctx.uc_stack.ss_size = f.stack.size();
            f.ctx.uc_link = nullptr;
            makecontext(&f.ctx, entry, 0);
        }
        for (;;) {
            // run every fiber to its next barrier (or its end)
            for (auto& f : fibers) {
                if (f.wait == DONE) continue;
                current = &f;
                threadIdx.x = f.tid;
                swapcontext(&scheduler, &f.ctx);
            }
            Wait kind = DONE;
            for (auto& f : fibers) {
                if (f.wait == DONE) continue;
                if (kind != DONE && f.wait != kind) {
                    std::fprintf(stderr, "block %u: threads wait at different barriers (__syncthreads vs shuffle)\n", b);
                    std::abort();
                }
                kind = f.wait;
            }
            if (kind == DONE) break;
        }
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
        std::fprintf(stderr, "shuffle: lane %u's partner %u has exited\n", me, partner);
        std::abort();
    }
    T r;
    std::memcpy(&r, &jdhost::slots[partner], sizeof(T));
    jdhost::yield(jdhost::SHUFFLE);  // nobody overwrites a slot before its partner has read it
    return r;
}

inline int atomicCAS(int* a, int cmp, int val) { int old = *a; if (old == cmp) *a = val; return old; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline double __longlong_as_double(long long i) { double d; std::memcpy(&d, &i, 8); return d; }
inline float __double2float_rn(double d) { return (float)d; }

#endif
