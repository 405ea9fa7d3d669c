package org.jdiffusion.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NCCL's C API (libnccl.so.2, NCCL 2.x) through the FFM API: the calls a data-parallel step needs,
 * on raw device pointers and a raw cudaStream_t. {@code ncclUniqueId} is a 128-byte struct passed
 * by value to ncclCommInitRank; {@code ncclComm_t} an opaque pointer; the enums are NCCL 2's
 * ({@code ncclFloat32} = 7, {@code ncclFloat64} = 8, {@code ncclSum} = 0). The library is looked
 * for as {@code $JDIFFUSION_NCCL}, on the loader's path, then in the pip wheels PyTorch installs
 * (site-packages/nvidia/nccl/lib, torch/lib).
 */
final class Nccl {
    static final String ENV = "JDIFFUSION_NCCL";
    static final int UNIQUE_ID_BYTES = 128;
    static final MemoryLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, ValueLayout.JAVA_BYTE).withName("internal"));
    static final int FLOAT32 = 7, FLOAT64 = 8, SUM = 0;
    static final int SUCCESS = 0, IN_PROGRESS = 7;

    final NativeLibrary lib;
    final MethodHandle getUniqueId, commInitRank, allReduce, broadcast, groupStart, groupEnd, commDestroy, commAbort, errorString, getVersion,
            commGetAsyncError;

    Nccl(NativeLibrary lib) {
        this.lib = lib;
        getUniqueId = lib.function("ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank)
        commInitRank = lib.function("ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT));
        // ncclResult_t ncclAllReduce(const void *send, void *recv, size_t count, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)
        allReduce = lib.function("ncclAllReduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        // ncclResult_t ncclBroadcast(const void *send, void *recv, size_t count, ncclDataType_t, int root, ncclComm_t, cudaStream_t)
        broadcast = lib.function("ncclBroadcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        groupStart = lib.function("ncclGroupStart", FunctionDescriptor.of(JAVA_INT));
        groupEnd = lib.function("ncclGroupEnd", FunctionDescriptor.of(JAVA_INT));
        commDestroy = lib.function("ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commAbort = lib.function("ncclCommAbort", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorString = lib.function("ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getVersion = lib.function("ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commGetAsyncError = lib.function("ncclCommGetAsyncError", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    static Nccl load() { return new Nccl(NativeLibrary.open(search(System.getenv(ENV), pythonLibFolders()))); }

    static NativeLibrary.Search search(String envValue, List<Path> folders) {
        return new NativeLibrary.Search("NCCL", ENV, envValue, List.of("libnccl.so.2"), folders,
                "Install NCCL (Debian/Ubuntu with NVIDIA's CUDA repository: apt-get install libnccl2; or pip install nvidia-nccl-cu12, "
                        + "which PyTorch's CUDA wheels bring)");
    }

    /** The folders where pip puts NCCL: nvidia/nccl/lib and torch/lib under every site-packages/dist-packages found. */
    static List<Path> pythonLibFolders() {
        List<Path> roots = new ArrayList<>();
        String home = System.getProperty("user.home");
        for (String base : List.of("/usr/lib", "/usr/local/lib", "/opt/conda/lib", home + "/.local/lib")) {
            Path b = Path.of(base);
            if (!Files.isDirectory(b)) continue;
            try (Stream<Path> s = Files.list(b)) {
                s.filter(p -> p.getFileName().toString().startsWith("python3")).sorted().forEach(py -> {
                    roots.add(py.resolve("site-packages"));
                    roots.add(py.resolve("dist-packages"));
                });
            } catch (java.io.IOException ignored) {
                // an unreadable folder is one place fewer to look
            }
        }
        List<Path> out = new ArrayList<>();
        for (Path r : roots) {
            out.add(r.resolve("nvidia/nccl/lib"));
            out.add(r.resolve("torch/lib"));
        }
        return out;
    }

    /** The library's version as NCCL_VERSION_CODE, e.g. 22105 for 2.21.5. */
    int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(call(() -> (int) getVersion.invokeExact(v)), "ncclGetVersion");
            return v.get(JAVA_INT, 0);
        }
    }

    static String versionString(int code) {
        return code >= 10000 ? (code / 10000) + "." + (code / 100 % 100) + "." + (code % 100) : (code / 1000) + "." + (code / 100 % 10) + "." + (code % 100);
    }

    /** ncclGetUniqueId: the 128 bytes rank 0 makes and every rank passes to {@link #initRank}. */
    byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check(call(() -> (int) getUniqueId.invokeExact(id)), "ncclGetUniqueId");
            return id.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** ncclCommInitRank on the calling thread's current CUDA device: the new ncclComm_t. */
    MemorySegment initRank(int nranks, byte[] id, int rank) {
        if (id.length != UNIQUE_ID_BYTES) throw new IllegalArgumentException("NCCL: a unique id has " + UNIQUE_ID_BYTES + " bytes, got " + id.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comm = a.allocate(ADDRESS);
            MemorySegment idv = a.allocate(UNIQUE_ID);
            MemorySegment.copy(id, 0, idv, ValueLayout.JAVA_BYTE, 0, id.length);
            check(call(() -> (int) commInitRank.invokeExact(comm, nranks, idv, rank)), "ncclCommInitRank(" + nranks + " ranks, rank " + rank + ")");
            return comm.get(ADDRESS, 0);
        }
    }

    /** ncclAllReduce with ncclSum of {@code count} elements of {@code dtype} (FLOAT32/FLOAT64) on {@code stream}. */
    void allReduceSum(long send, long recv, long count, int dtype, MemorySegment comm, long stream) {
        check(call(() -> (int) allReduce.invokeExact(MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), count, dtype, SUM, comm,
                MemorySegment.ofAddress(stream))), "ncclAllReduce(" + count + " elements)");
    }

    /** ncclBroadcast of {@code count} elements from {@code root} on {@code stream}. */
    void broadcast(long send, long recv, long count, int dtype, int root, MemorySegment comm, long stream) {
        check(call(() -> (int) broadcast.invokeExact(MemorySegment.ofAddress(send), MemorySegment.ofAddress(recv), count, dtype, root, comm,
                MemorySegment.ofAddress(stream))), "ncclBroadcast(" + count + " elements from rank " + root + ")");
    }

    void group(boolean start) {
        if (start) check(call(() -> (int) groupStart.invokeExact()), "ncclGroupStart");
        else check(call(() -> (int) groupEnd.invokeExact()), "ncclGroupEnd");
    }

    /** ncclCommGetAsyncError: ncclSuccess, ncclInProgress or the error a failed peer or kernel left. */
    int asyncError(MemorySegment comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(JAVA_INT);
            check(call(() -> (int) commGetAsyncError.invokeExact(comm, r)), "ncclCommGetAsyncError");
            return r.get(JAVA_INT, 0);
        }
    }

    void destroy(MemorySegment comm, boolean abort) {
        if (abort) check(call(() -> (int) commAbort.invokeExact(comm)), "ncclCommAbort");
        else check(call(() -> (int) commDestroy.invokeExact(comm)), "ncclCommDestroy");
    }

    private interface Call { int run() throws Throwable; }

    private static int call(Call c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("NCCL: " + t, t);
        }
    }

    /** An error naming the call and NCCL's own message when {@code rc} is not ncclSuccess. */
    void check(int rc, String call) {
        if (rc == SUCCESS) return;
        String msg;
        try {
            msg = ((MemorySegment) errorString.invokeExact(rc)).reinterpret(1024).getString(0);
        } catch (Throwable t) {
            msg = "error " + rc;
        }
        throw new IllegalStateException("NCCL: " + call + " failed: " + msg + " (ncclResult_t " + rc + ")");
    }
}
