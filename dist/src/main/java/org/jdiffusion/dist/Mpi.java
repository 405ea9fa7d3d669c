package org.jdiffusion.dist;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Open MPI's C API through the FFM API (libmpi.so.40, Open MPI 3.x-5.x). In Open MPI's ABI a
 * communicator, datatype or op handle is the address of a global object, so MPI_COMM_WORLD is
 * {@code &ompi_mpi_comm_world}, MPI_FLOAT {@code &ompi_mpi_float}, MPI_SUM {@code &ompi_mpi_op_sum};
 * MPI_IN_PLACE is the address 1 and MPI_STATUS_IGNORE is NULL (mpi.h). Only the calls the
 * communicator needs are bound: the non-blocking collectives, so a watchdog can poll them with
 * MPI_Test against a deadline.
 */
final class Mpi {
    static final int THREAD_FUNNELED = 1;
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);
    static final int MAX_LIBRARY_VERSION_STRING = 256;
    static final String ENV = "JDIFFUSION_MPI_LIB";

    final NativeLibrary lib;
    final MemorySegment commWorld, float32, float64, int8, opSum;
    final MethodHandle initThread, initialized, finalized, finalize, commRank, commSize, iallreduce, ibcast, ibarrier, test, abort,
            libraryVersion;

    private static volatile Mpi instance;

    /** The Open MPI search: JDIFFUSION_MPI_LIB, the loader's path, Debian's and the upstream default install folders. */
    static NativeLibrary.Search search(String envValue) {
        return new NativeLibrary.Search("MPI (Open MPI)", ENV, envValue, List.of("libmpi.so.40"),
                List.of(Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/usr/lib/aarch64-linux-gnu"), Path.of("/usr/lib64/openmpi/lib"),
                        Path.of("/usr/local/lib"), Path.of("/opt/openmpi/lib")),
                "Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; Fedora: dnf install openmpi)");
    }

    static Mpi get() {
        Mpi m = instance;
        if (m == null) {
            synchronized (Mpi.class) {
                if (instance == null) instance = new Mpi(NativeLibrary.open(search(System.getenv(ENV))));
                m = instance;
            }
        }
        return m;
    }

    private Mpi(NativeLibrary lib) {
        this.lib = lib;
        commWorld = lib.symbol("ompi_mpi_comm_world");
        float32 = lib.symbol("ompi_mpi_float");
        float64 = lib.symbol("ompi_mpi_double");
        int8 = lib.symbol("ompi_mpi_byte");
        opSum = lib.symbol("ompi_mpi_op_sum");
        initThread = lib.function("MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        initialized = lib.function("MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalized = lib.function("MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalize = lib.function("MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        commRank = lib.function("MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = lib.function("MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // int MPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype, MPI_Op, MPI_Comm, MPI_Request *)
        iallreduce = lib.function("MPI_Iallreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // int MPI_Ibcast(void *buffer, int count, MPI_Datatype, int root, MPI_Comm, MPI_Request *)
        ibcast = lib.function("MPI_Ibcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        ibarrier = lib.function("MPI_Ibarrier", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // int MPI_Test(MPI_Request *, int *flag, MPI_Status *)
        test = lib.function("MPI_Test", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        abort = lib.function("MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        libraryVersion = lib.function("MPI_Get_library_version", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** Raises an error naming the call when an MPI function returned other than MPI_SUCCESS (0). */
    static void check(int rc, String call) {
        if (rc != 0) throw new IllegalStateException("MPI: " + call + " failed with error code " + rc);
    }
}
