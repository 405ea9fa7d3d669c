package org.jdiffusion.samples;

import org.jdiffusion.tensor.BackendProvider;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.Device;

/** {@code ./jdiffusion info}: version, JDK, CPU threads and which devices load here (and why not). */
final class InfoCommand {
    private InfoCommand() {}

    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("--help")) {
            System.out.println("usage: ./jdiffusion info\n  prints version, JDK, CPU threads and the devices found");
            return 0;
        }
        Flags.parse("info", args, java.util.Set.of(), java.util.Set.of());
        Package p = InfoCommand.class.getPackage();
        System.out.println("jdiffusion " + (p.getImplementationVersion() != null ? p.getImplementationVersion() : "(development build)"));
        System.out.println("java       " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
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
