package org.jdiffusion.kernels.cuda;

import jcuda.driver.CUstream;

/** A CUstream filled by cuStreamCreate whose native handle libraries called through FFM (NCCL) need. */
final class NativeStream extends CUstream {
    long address() { return getNativePointer(); }
}
