package org.jdiffusion.kernels.cuda;

import jcuda.driver.CUdeviceptr;

/** A CUdeviceptr filled by the driver whose numeric address the kernels' pointer arguments need. */
final class DevicePointer extends CUdeviceptr {
    long address() { return getNativePointer() + getByteOffset(); }
}
