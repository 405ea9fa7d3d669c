package org.jdiffusion.samples;

import org.jdiffusion.samples.cli.Cli;
import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.Device;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code ./jdiffusion info}: version, JDK, CPU threads and which devices load here (and why not). */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Version, JDK, CPU threads and the devices found (and why a device does not load).")
final class InfoCommand implements Callable<Integer> {
    @Override public Integer call() {
        System.out.println("jdiffusion " + Cli.version());
        System.out.println("java       " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        System.out.println("vector api " + (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? "loaded" : "not loaded (add --add-modules=jdk.incubator.vector)"));
        System.out.println("cpu        " + Runtime.getRuntime().availableProcessors() + " cores, threads "
                + System.getProperty("jdiffusion.threads", System.getenv().getOrDefault("JDIFFUSION_THREADS", "all")));
        for (BackendProvider bp : Backends.providers()) {
            Device d = bp.type() == Device.Type.CPU ? Device.CPU : Device.cuda(0);
            try {
                Backends.of(d);
                System.out.println("device     " + d + ": available (" + bp.getClass().getSimpleName() + ")");
            } catch (RuntimeException e) {
                System.out.println("device     " + d + ": not available: " + e.getMessage());
            }
        }
        return 0;
    }
}
