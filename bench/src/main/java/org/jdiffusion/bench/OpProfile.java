package org.jdiffusion.bench;

import org.jdiffusion.autograd.LossFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.kernels.cpu.CpuBackend;
import org.jdiffusion.nn.optim.Adam;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a U-Net training step spends its wall-clock time, per backend op and operand shape: the cpu
 * device's backend is wrapped in a timing proxy, a few steps warm up, then the mean per step of each
 * (op, shape) is printed, largest first, with the share of the step. A diagnostic, not a benchmark:
 * {@code java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar org.jdiffusion.bench.OpProfile [steps]}.
 */
public final class OpProfile {
    private OpProfile() {}

    private static final Map<String, long[]> TIMES = new ConcurrentHashMap<>();
    private static volatile boolean recording;

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        install();
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(8));
        Adam opt = Adam.adamW(net.namedParameters(), 1e-4, 0.01);
        Generator g = new Generator(9);
        Tensor x = Rand.uniform(g, -1, 1, DType.FLOAT32, Device.CPU, 64, 1, 28, 28), noise = Rand.normal(g, 64, 1, 28, 28);
        Tensor t = Rand.randint(g, 0, 1000, Device.CPU, 64), y = Rand.randint(g, 0, 11, Device.CPU, 64);
        Runnable step = () -> {
            Variable loss = LossFunctions.mse(net.forward(Variable.constant(x), t, y), noise);
            opt.zeroGrad();
            loss.backward();
            opt.step();
        };
        for (int i = 0; i < 4; i++) step.run();
        recording = true;
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) step.run();
        long total = System.nanoTime() - t0;
        recording = false;
        TreeMap<Long, String> rows = new TreeMap<>();
        long inOps = 0;
        for (var e : TIMES.entrySet()) {
            inOps += e.getValue()[0];
            rows.put(-e.getValue()[0] * 1000 - rows.size(), e.getKey() + "\t" + e.getValue()[1] / steps);
        }
        System.out.printf("step %.1f ms, in backend ops %.1f ms (%.0f%%), outside %.1f ms%n", total / 1e6 / steps, inOps / 1e6 / steps,
                100.0 * inOps / total, (total - inOps) / 1e6 / steps);
        for (var e : rows.entrySet()) {
            double ms = -e.getKey() / 1000 / 1e6 / steps;
            if (ms < 0.5) break;
            System.out.printf("%8.1f ms %5.1f%%  %s%n", ms, 100 * ms * 1e6 * steps / total, e.getValue());
        }
    }

    /** Replaces the cached cpu backend with a proxy that times every call. */
    @SuppressWarnings("unchecked")
    private static void install() throws Exception {
        Backend real = CpuBackend.INSTANCE;
        Backend timed = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (p, m, a) -> {
            long s = System.nanoTime();
            try {
                return m.invoke(real, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (recording && a != null && !m.getName().equals("device")) {
                    StringBuilder key = new StringBuilder(m.getName());
                    int shapes = m.getName().startsWith("conv") ? 2 : 1;
                    for (Object o : a) {
                        if (o instanceof Tensor tt && shapes-- > 0) key.append(' ').append(Shapes.str(tt.shape()));
                        if (o instanceof Enum<?> en) key.append(' ').append(en.name());
                        if (o instanceof org.jdiffusion.tensor.Conv2dParams cp && cp.strideH() > 1) key.append(" s").append(cp.strideH());
                    }
                    long[] acc = TIMES.computeIfAbsent(key.toString(), k -> new long[2]);
                    synchronized (acc) { acc[0] += System.nanoTime() - s; acc[1]++; }
                }
            }
        });
        Field f = Backends.class.getDeclaredField("CACHE");
        f.setAccessible(true);
        ((Map<Device, Backend>) f.get(null)).put(Device.CPU, timed);
    }
}
