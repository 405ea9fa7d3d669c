package org.jdiffusion.kernels.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import org.jdiffusion.tensor.Device;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime of one CUDA device: its primary context (bound to each calling thread on demand),
 * properties, the default stream and each thread's current stream, the caching allocator, the
 * pinned staging buffer, the device error flag and the loaded kernels. Every launch goes through
 * {@link #launch}, which checks the launch and, with {@code JDIFFUSION_CUDA_DEBUG=1}, synchronises
 * after it so a failing kernel is named by its op.
 */
public final class CudaContext {
    static final String DEBUG_ENV = "JDIFFUSION_CUDA_DEBUG";
    private static final ThreadLocal<CUcontext> BOUND = new ThreadLocal<>();

    private final Device device;
    private final CUcontext context = new CUcontext();
    private final String name;
    private final int ccMajor, ccMinor, smCount;
    private final long totalMemory;
    private final CudaDriver.Info driver;
    private final boolean debug;
    private final AtomicLong streamIds = new AtomicLong();
    private final AtomicLong launches = new AtomicLong();
    private final AtomicLong synchronizations = new AtomicLong();
    private final java.util.ArrayDeque<String> recentSyncs = new java.util.ArrayDeque<>();
    private final CudaStream defaultStream;
    private final ThreadLocal<CudaStream> current;
    private final Map<Long, CUdeviceptr> handles = new ConcurrentHashMap<>();
    private final Map<Long, CudaStream> streams = new ConcurrentHashMap<>();
    private final CachingAllocator allocator;
    private final PinnedStaging staging;
    private final CudaErrorFlag errorFlag;
    private final CudaKernels kernels;

    private CudaContext(Device device, CudaDriver.Info driver) {
        this.device = device;
        this.driver = driver;
        CUdevice dev = new CUdevice();
        CudaDriver.check(JCudaDriver.cuDeviceGet(dev, device.index()), "cuDeviceGet(" + device.index() + ")");
        CudaDriver.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, dev), "cuDevicePrimaryCtxRetain");
        bind();
        byte[] nm = new byte[256];
        CudaDriver.check(JCudaDriver.cuDeviceGetName(nm, nm.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < nm.length && nm[len] != 0) len++;
        name = new String(nm, 0, len, StandardCharsets.US_ASCII);
        ccMajor = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        ccMinor = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        smCount = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] total = new long[1];
        CudaDriver.check(JCudaDriver.cuDeviceTotalMem(total, dev), "cuDeviceTotalMem");
        totalMemory = total[0];
        debug = "1".equals(System.getenv(DEBUG_ENV)) || Boolean.getBoolean("jdiffusion.cuda.debug");
        defaultStream = createStream(false);
        current = ThreadLocal.withInitial(() -> defaultStream);
        errorFlag = new CudaErrorFlag(this);
        staging = new PinnedStaging(this);
        allocator = new CachingAllocator(device.toString(), new RawDeviceMemory(), new StreamEvents(), CudaContext::collectGarbage);
        kernels = CudaKernels.load(device.toString(), driver, ccMajor, ccMinor);
    }

    /** Opens the device: driver, context, kernels. Throws one clear IllegalStateException when any is missing. */
    static CudaContext open(Device device) {
        CudaDriver.Info info = CudaDriver.get(device.toString());
        if (device.index() >= info.deviceCount())
            throw new IllegalStateException(device + " is not available: this machine has " + info.deviceCount() + " CUDA device"
                    + (info.deviceCount() == 1 ? " (cuda:0)" : "s (cuda:0..cuda:" + (info.deviceCount() - 1) + ")"));
        CudaContext ctx = new CudaContext(device, info);
        // one line per device saying which kernel path was taken (fatbin or NVRTC)
        System.getLogger("org.jdiffusion.kernels.cuda").log(System.Logger.Level.INFO, "opened " + ctx);
        return ctx;
    }

    private static int attribute(CUdevice dev, int attr) {
        int[] v = new int[1];
        CudaDriver.check(JCudaDriver.cuDeviceGetAttribute(v, attr, dev), "cuDeviceGetAttribute(" + attr + ")");
        return v[0];
    }

    /**
     * Makes this device's context current on the calling thread, for libraries called through FFM
     * that use the current device (NCCL's ncclCommInitRank).
     */
    public void makeCurrent() { bind(); }

    /** Makes this device's context current on the calling thread (cheap when it already is). */
    void bind() {
        if (BOUND.get() == context) return;
        CudaDriver.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent(" + device + ")");
        BOUND.set(context);
    }

    public Device device() { return device; }

    public String name() { return name; }

    public int computeCapabilityMajor() { return ccMajor; }

    public int computeCapabilityMinor() { return ccMinor; }

    public int multiprocessors() { return smCount; }

    public long totalMemory() { return totalMemory; }

    /** The driver's CUDA version, e.g. "13.0". */
    public String driverVersion() { return driver.versionString(); }

    /** How the kernels were loaded (nvcc's fatbin or NVRTC at run time). */
    public String kernelSource() { return kernels.source(); }

    public boolean debug() { return debug; }

    /**
     * Kernels launched on this device so far, by every thread. The difference over a training step is
     * its launch count: at a few microseconds of host and driver time per launch, it says whether
     * capturing the step in a CUDA graph could pay.
     */
    public long kernelLaunches() { return launches.get(); }

    /**
     * Times the host waited for this device so far: stream and context synchronisations, including
     * those inside copies to and from the host, and event waits. Its difference over forward,
     * backward and the update of a training step should be zero: the host queues the whole step and
     * only reads results after it.
     */
    public long synchronizations() { return synchronizations.get(); }

    /** The ops of the last synchronisations, oldest first (at most 32), to name what waited. */
    public synchronized java.util.List<String> recentSynchronizations() { return java.util.List.copyOf(recentSyncs); }

    synchronized void countSynchronization(String op) {
        synchronizations.incrementAndGet();
        if (recentSyncs.size() == 32) recentSyncs.removeFirst();
        recentSyncs.addLast(op + " from " + CALLER.walk(f -> f.filter(CudaContext::outsideTensorAndKernels).findFirst()
                .map(x -> x.getClassName().substring(x.getClassName().lastIndexOf('.') + 1) + "." + x.getMethodName() + ":" + x.getLineNumber())
                .orElse("?")));
    }

    private static final StackWalker CALLER = StackWalker.getInstance();

    private static boolean outsideTensorAndKernels(StackWalker.StackFrame f) {
        String c = f.getClassName();
        return !c.startsWith("org.jdiffusion.kernels.") && !c.startsWith("org.jdiffusion.tensor.");
    }

    CachingAllocator allocator() { return allocator; }

    PinnedStaging staging() { return staging; }

    CudaErrorFlag errorFlag() { return errorFlag; }

    // ---- streams ------------------------------------------------------------------------------

    CudaStream createStream(boolean owned) {
        bind();
        NativeStream s = new NativeStream();
        CudaDriver.check(JCudaDriver.cuStreamCreate(s, 0), "cuStreamCreate");
        CudaStream cs = new CudaStream(this, s, streamIds.getAndIncrement(), owned);
        streams.put(cs.id(), cs);
        return cs;
    }

    void forget(CudaStream s) {
        streams.remove(s.id());
        if (current.get() == s) current.set(defaultStream);
    }

    public CudaStream defaultStream() { return defaultStream; }

    public CudaStream currentStream() { return current.get(); }

    void setCurrentStream(CudaStream s) { current.set(s); }

    // ---- memory -------------------------------------------------------------------------------

    /** The device pointer of an address returned by the allocator (plus a byte offset). */
    CUdeviceptr pointer(long address) {
        CUdeviceptr p = handles.get(address);
        if (p == null) throw new IllegalStateException(device + ": no allocation at 0x" + Long.toHexString(address));
        return p;
    }

    private final class RawDeviceMemory implements CachingAllocator.RawAllocator {
        @Override public long malloc(long bytes) {
            bind();
            DevicePointer p = new DevicePointer();
            int rc = JCudaDriver.cuMemAlloc(p, bytes);
            if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY) return 0;
            CudaDriver.check(rc, "cuMemAlloc(" + bytes + " bytes) on " + device);
            handles.put(p.address(), p);
            return p.address();
        }

        @Override public void free(long address) {
            bind();
            CUdeviceptr p = handles.remove(address);
            if (p != null) CudaDriver.check(JCudaDriver.cuMemFree(p), "cuMemFree on " + device);
        }

        @Override public String describeDevice() {
            bind();
            long[] free = new long[1], total = new long[1];
            if (JCudaDriver.cuMemGetInfo(free, total) != CUresult.CUDA_SUCCESS) return name + " (free memory unknown)";
            return name + ", " + MemoryStats.human(free[0]) + " free of " + MemoryStats.human(total[0]);
        }
    }

    private final class StreamEvents implements CachingAllocator.EventSource {
        @Override public Object record(long stream) {
            CudaStream s = streams.getOrDefault(stream, defaultStream);
            return new CudaEvent(CudaContext.this, false).record(s);
        }

        @Override public boolean isDone(Object event) { return ((CudaEvent) event).isDone(); }

        @Override public void release(Object event) { ((CudaEvent) event).close(); }
    }

    private static void collectGarbage() {
        System.gc();
        try {
            Thread.sleep(50);  // let the cleaner thread return the blocks of unreachable tensors
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- launching ----------------------------------------------------------------------------

    /**
     * Launches {@code kernel} for {@code op} on the current stream. Arguments: Integer (int),
     * Long (pointer or int64), Double, Float, Short (a bfloat16/float16 bit pattern), int[] (a struct of
     * ints, e.g. a packed Geom).
     */
    void launch(String op, String kernel, LaunchConfig cfg, Object... args) {
        bind();
        NativePointerObject[] ps = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            ps[i] = switch (args[i]) {
                case Integer v -> Pointer.to(new int[]{v});
                case Long v -> Pointer.to(new long[]{v});
                case Double v -> Pointer.to(new double[]{v});
                case Float v -> Pointer.to(new float[]{v});
                case Short v -> Pointer.to(new short[]{v});
                case int[] a -> Pointer.to(a);
                default -> throw new IllegalArgumentException("unsupported kernel argument " + args[i] + " for " + kernel);
            };
        }
        CudaStream s = currentStream();
        int rc = JCudaDriver.cuLaunchKernel(kernels.function(kernel), cfg.gridX(), cfg.gridY(), 1, cfg.blockX(), 1, 1, 0,
                s.handle(), Pointer.to(ps), null);
        if (rc != CUresult.CUDA_SUCCESS)
            throw new IllegalStateException(op + " on " + device + ": launching kernel " + kernel + " with " + cfg + " and arguments ("
                    + describeArgs(args) + ") failed: " + CudaDriver.name(rc));
        launches.incrementAndGet();
        s.launched(op + " [" + kernel + "]");
        if (debug) s.synchronize(op);
    }

    /** A launch's arguments for an error message: device pointers in hex, numbers as they are, structs as int lists. */
    private String describeArgs(Object[] args) {
        StringBuilder b = new StringBuilder();
        for (Object a : args) {
            if (!b.isEmpty()) b.append(", ");
            if (a instanceof Long l && (handles.containsKey(l) || l > 0xffffffffL)) b.append("0x").append(Long.toHexString(l));
            else if (a instanceof int[] v) b.append(java.util.Arrays.toString(v));
            else if (a instanceof Short h) b.append("0x").append(Integer.toHexString(h & 0xffff));
            else b.append(a);
        }
        return b.toString();
    }

    @Override public String toString() {
        return device + " (" + name + ", sm_" + ccMajor + ccMinor + ", " + smCount + " SMs, " + MemoryStats.human(totalMemory)
                + "; driver CUDA " + driver.versionString() + "; kernels: " + kernels.source() + ")";
    }
}
