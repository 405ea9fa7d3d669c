package org.jdiffusion.kernels.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.util.List;

/**
 * Four ints of device memory where kernels report bad input they cannot throw for (common.cuh's
 * {@code jd_report}: [code, bound, value lo, value hi]); read and cleared at every stream
 * synchronisation, so the error surfaces there with the op's name.
 */
final class CudaErrorFlag {
    private final CudaContext ctx;
    private final DevicePointer ptr = new DevicePointer();

    CudaErrorFlag(CudaContext ctx) {
        this.ctx = ctx;
        CudaDriver.check(JCudaDriver.cuMemAlloc(ptr, 16), "cuMemAlloc (error flag)");
        CudaDriver.check(JCudaDriver.cuMemsetD32(ptr, 0, 4), "cuMemsetD32 (error flag)");
    }

    /** The flag's device address (the kernels' {@code int* err}). */
    long address() { return ptr.address(); }

    /** Throws when a kernel reported an error since the last check (then clears the flag). */
    void check(String op, List<String> since) {
        int[] f = new int[4];
        CudaDriver.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(f), ptr, 16), "reading the device error flag at " + op);
        if (f[0] == 0) return;
        CudaDriver.check(JCudaDriver.cuMemsetD32(ptr, 0, 4), "clearing the device error flag");
        throw error(f[0], f[1], (f[2] & 0xFFFFFFFFL) | ((long) f[3] << 32), ctx.device() + " at " + op + ", after " + since);
    }

    /** The exception for a flag of op_ids.cuh's ErrorCode ({@link CudaOpIds.DeviceError}) (index errors carry their dim in bits 8 and up), worded as the CPU words it. */
    static RuntimeException error(int flag, int bound, long value, String where) {
        int code = flag & 0xFF, dim = flag >>> 8;
        CudaOpIds.DeviceError[] all = CudaOpIds.DeviceError.values();
        CudaOpIds.DeviceError e = code < all.length ? all[code] : null;
        String op = e == null ? null : switch (e) {
            case GATHER_INDEX -> "gather";
            case SCATTER_ADD_INDEX -> "scatterAdd";
            case INDEX_SELECT_INDEX -> "indexSelect";
            case INDEX_ADD_INDEX -> "indexAdd";
            case NONE, INT_DIV_ZERO, UNKNOWN_OP -> null;
        };
        if (op != null)
            return new IllegalArgumentException(op + ": index " + value + " is out of range for dim " + dim + " of size " + bound
                    + " (expected 0 <= index < " + bound + (value < 0 ? "; negative indices are not supported" : "") + "); reported by "
                    + where);
        if (e == CudaOpIds.DeviceError.INT_DIV_ZERO)
            return new ArithmeticException("div: integer division by zero (dividend " + value + "); reported by " + where);
        if (e == CudaOpIds.DeviceError.UNKNOWN_OP)
            return new IllegalStateException("a kernel was launched with op id " + value + ", which it has no case for (op_ids.cuh is generated from"
                    + " the Java enums: rebuild the kernels); reported by " + where);
        return new IllegalStateException("unknown device error code " + flag + " reported by " + where);
    }
}
