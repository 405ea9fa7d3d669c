// A CUDA driver for machines without a GPU: the driver-API functions the CUDA backend calls through
// JCuda, built as libcuda.so.1 around every kernel of src/main/cuda run under cuda_host.h. With
// its folder on LD_LIBRARY_PATH, JCuda's JNI library binds to it instead of NVIDIA's, so the Java
// backend runs unchanged (contexts, the caching allocator, geometry packing, launch sizing, error
// flags) and its kernels run on the CPU, one launch at a time.
//
// Model: one device ("cuda:0", sm_90, 16 multiprocessors, 8 GiB); device memory is host memory
// (256-byte aligned, filled with 0xff bytes when allocated, so unwritten float outputs read NaN);
// every call is synchronous, so streams and events only order what is already in order, and an
// event's time is the host clock's. cuModuleLoadData accepts any image (the fatbin or NVRTC's PTX)
// and cuModuleGetFunction finds kernels by name in the compiled-in table (kernel_table.inc, made
// by cuda-emulator-build.sh from the preprocessed sources). A launch with blockDim y or z > 1, or
// dynamic shared memory, is refused (no kernel here uses them). Every entry point holds one lock.
//
// JD_EMU_SKIP_KERNELS=1 accepts every launch and runs nothing: outputs keep whatever memory held, and
// what a workload still spends is the host's share (the framework's dispatch, the JNI calls,
// allocation) plus this emulator's own memory fills and copies, which a GPU runs asynchronously.
// JD_EMU_PROFILE=FILE appends one line per launch to FILE: kernel, blocks, threads per block and the
// host seconds it took. Host seconds are no GPU timing, but per thread they show which launches carry
// the most serial work per thread: the ones a GPU cannot spread over its multiprocessors.
// Faults, for the tests of what the Java side does after one: JD_EMU_MEMORY=BYTES sets the device's
// memory (default 8 GiB), so a test runs out of it; JD_EMU_FAIL_LAUNCH=KERNEL makes every launch of
// that kernel fail with CUDA_ERROR_LAUNCH_FAILED (nothing runs), as a faulting kernel does on a GPU.
//
// Shape legend and bytes moved: those of each kernel (src/main/cuda); nothing here is timed.
#include "cuda_host.h"
#include "kernel_sources.inc"

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void* CUcontext;
typedef void* CUstream;
typedef void* CUevent;
typedef void* CUmodule;
typedef void* CUfunction;

enum {
    CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_NOT_FOUND = 500, CUDA_ERROR_LAUNCH_FAILED = 719, CUDA_ERROR_NOT_SUPPORTED = 801
};

namespace emu {
std::recursive_mutex lock;
const size_t TOTAL = [] {
    const char* v = std::getenv("JD_EMU_MEMORY");
    return v && *v ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : 8ull << 30;
}();
size_t used = 0;
std::map<unsigned long long, size_t> blocks;  // device allocations: address -> bytes

// kernel name -> launcher(params)
using Launcher = void (*)(void**);
template <class... A, size_t... I>
void call(void (*f)(A...), void** p, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
}
template <class... A> void invoke(void (*f)(A...), void** p) { call(f, p, std::index_sequence_for<A...>{}); }

struct Kernel { const char* name; void (*run)(void**); };
#define JD_KERNEL(name) {#name, [](void** p) { invoke(&name, p); }},
const Kernel TABLE[] = {
#include "kernel_table.inc"
};

struct Event { std::chrono::steady_clock::time_point t; };
int module, stream, context;  // addresses for the opaque handles

const char* errorName(CUresult r) {
    switch (r) {
        case CUDA_SUCCESS: return "CUDA_SUCCESS";
        case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case CUDA_ERROR_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case CUDA_ERROR_INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case CUDA_ERROR_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case CUDA_ERROR_LAUNCH_FAILED: return "CUDA_ERROR_LAUNCH_FAILED";
        case CUDA_ERROR_NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
        default: return nullptr;
    }
}
}  // namespace emu

#define API extern "C" __attribute__((visibility("default"))) CUresult
#define LOCKED std::lock_guard<std::recursive_mutex> held(emu::lock)

API cuInit(unsigned) { return CUDA_SUCCESS; }
API cuDriverGetVersion(int* v) { *v = 13000; return CUDA_SUCCESS; }
API cuDeviceGetCount(int* n) { *n = 1; return CUDA_SUCCESS; }
API cuDeviceGet(CUdevice* d, int ordinal) {
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *d = 0;
    return CUDA_SUCCESS;
}
API cuDeviceGetName(char* name, int len, CUdevice) {
    std::snprintf(name, (size_t)len, "jdiffusion CUDA emulator (CPU)");
    return CUDA_SUCCESS;
}
API cuDeviceTotalMem_v2(size_t* bytes, CUdevice) { *bytes = emu::TOTAL; return CUDA_SUCCESS; }
API cuDeviceGetAttribute(int* v, int attribute, CUdevice) {
    switch (attribute) {
        case 1: *v = 1024; break;       // max threads per block
        case 8: *v = 48 * 1024; break;  // shared memory per block
        case 10: *v = 32; break;        // warp size
        case 16: *v = 16; break;        // multiprocessors
        case 75: *v = 9; break;         // compute capability major
        case 76: *v = 0; break;         // minor
        default: *v = 0;
    }
    return CUDA_SUCCESS;
}
API cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice) { *c = &emu::context; return CUDA_SUCCESS; }
API cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }
API cuCtxSynchronize() { return CUDA_SUCCESS; }

API cuStreamCreate(CUstream* s, unsigned) { *s = new int(0); return CUDA_SUCCESS; }
API cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }
API cuStreamWaitEvent(CUstream, CUevent, unsigned) { return CUDA_SUCCESS; }
API cuStreamDestroy_v2(CUstream s) { delete static_cast<int*>(s); return CUDA_SUCCESS; }

API cuEventCreate(CUevent* e, unsigned) { *e = new emu::Event{std::chrono::steady_clock::now()}; return CUDA_SUCCESS; }
API cuEventRecord(CUevent e, CUstream) { static_cast<emu::Event*>(e)->t = std::chrono::steady_clock::now(); return CUDA_SUCCESS; }
API cuEventQuery(CUevent) { return CUDA_SUCCESS; }
API cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }
API cuEventElapsedTime(float* ms, CUevent a, CUevent b) {
    *ms = std::chrono::duration<float, std::milli>(static_cast<emu::Event*>(b)->t - static_cast<emu::Event*>(a)->t).count();
    return CUDA_SUCCESS;
}
API cuEventDestroy_v2(CUevent e) { delete static_cast<emu::Event*>(e); return CUDA_SUCCESS; }

API cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    LOCKED;
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (emu::used + bytes > emu::TOTAL) return CUDA_ERROR_OUT_OF_MEMORY;
    size_t rounded = (bytes + 255) / 256 * 256;
    void* m = std::aligned_alloc(256, rounded);
    if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
    std::memset(m, 0xff, rounded);
    *p = reinterpret_cast<CUdeviceptr>(m);
    emu::blocks[*p] = rounded;
    emu::used += rounded;
    return CUDA_SUCCESS;
}
API cuMemFree_v2(CUdeviceptr p) {
    LOCKED;
    auto it = emu::blocks.find(p);
    if (it == emu::blocks.end()) return CUDA_ERROR_INVALID_VALUE;
    emu::used -= it->second;
    emu::blocks.erase(it);
    std::free(reinterpret_cast<void*>(p));
    return CUDA_SUCCESS;
}
API cuMemGetInfo_v2(size_t* free, size_t* total) {
    LOCKED;
    *free = emu::TOTAL - emu::used;
    *total = emu::TOTAL;
    return CUDA_SUCCESS;
}
API cuMemAllocHost_v2(void** p, size_t bytes) {
    *p = std::malloc(bytes ? bytes : 1);
    return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
API cuMemFreeHost(void* p) { std::free(p); return CUDA_SUCCESS; }

#define DEV(p) reinterpret_cast<void*>(p)
API cuMemcpyHtoD_v2(CUdeviceptr d, const void* s, size_t n) { LOCKED; std::memcpy(DEV(d), s, n); return CUDA_SUCCESS; }
API cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void* s, size_t n, CUstream) { return cuMemcpyHtoD_v2(d, s, n); }
API cuMemcpyDtoH_v2(void* d, CUdeviceptr s, size_t n) { LOCKED; std::memcpy(d, DEV(s), n); return CUDA_SUCCESS; }
API cuMemcpyDtoHAsync_v2(void* d, CUdeviceptr s, size_t n, CUstream) { return cuMemcpyDtoH_v2(d, s, n); }
API cuMemcpyDtoD_v2(CUdeviceptr d, CUdeviceptr s, size_t n) { LOCKED; std::memmove(DEV(d), DEV(s), n); return CUDA_SUCCESS; }
API cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream) { return cuMemcpyDtoD_v2(d, s, n); }
API cuMemsetD8_v2(CUdeviceptr d, unsigned char v, size_t n) { LOCKED; std::memset(DEV(d), v, n); return CUDA_SUCCESS; }
API cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, CUstream) { return cuMemsetD8_v2(d, v, n); }
API cuMemsetD32_v2(CUdeviceptr d, unsigned v, size_t n) {
    LOCKED;
    unsigned* p = static_cast<unsigned*>(DEV(d));
    for (size_t i = 0; i < n; ++i) p[i] = v;
    return CUDA_SUCCESS;
}
API cuMemsetD32Async(CUdeviceptr d, unsigned v, size_t n, CUstream) { return cuMemsetD32_v2(d, v, n); }

API cuModuleLoadData(CUmodule* m, const void*) { *m = &emu::module; return CUDA_SUCCESS; }
API cuModuleGetFunction(CUfunction* f, CUmodule, const char* name) {
    for (const auto& k : emu::TABLE)
        if (std::strcmp(k.name, name) == 0) {
            *f = const_cast<emu::Kernel*>(&k);
            return CUDA_SUCCESS;
        }
    return CUDA_ERROR_NOT_FOUND;
}
API cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned shmem,
                   CUstream, void** params, void** extra) {
    LOCKED;
    if (!f || by != 1 || bz != 1 || shmem != 0 || extra || gx == 0 || gy == 0 || gz == 0 || bx == 0 || bx > 1024)
        return CUDA_ERROR_INVALID_VALUE;
    const emu::Kernel* k = static_cast<const emu::Kernel*>(f);
    jdhost::kernelName = k->name;
    static FILE* profile = [] { const char* p = std::getenv("JD_EMU_PROFILE"); return p ? std::fopen(p, "a") : nullptr; }();
    static const bool skip = [] { const char* v = std::getenv("JD_EMU_SKIP_KERNELS"); return v && !std::strcmp(v, "1"); }();
    static const char* failing = std::getenv("JD_EMU_FAIL_LAUNCH");
    if (failing && !std::strcmp(failing, k->name)) return CUDA_ERROR_LAUNCH_FAILED;
    if (skip) return CUDA_SUCCESS;
    auto t0 = std::chrono::steady_clock::now();
    jdhost::launch(jd_dim3{gx, gy, gz}, bx, [&] { k->run(params); });
    if (profile) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(profile, "%s\t%llu\t%u\t%.6f\n", k->name, (unsigned long long)gx * gy * gz, bx, s);
        std::fflush(profile);
    }
    return CUDA_SUCCESS;
}

API cuGetErrorName(CUresult r, const char** s) {
    *s = emu::errorName(r);
    return *s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
API cuGetErrorString(CUresult r, const char** s) {
    *s = emu::errorName(r);
    return *s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
