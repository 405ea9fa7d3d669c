package org.jdiffusion.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU as /proc/cpuinfo names it: the baselines of bench/guard are kept per model. The model name alone
 * can be generic under a hypervisor ("AMD EPYC"), so the key adds the vendor's family, model and stepping
 * and the number of logical CPUs visible.
 */
record CpuId(String vendor, String modelName, String family, String model, String stepping, int cpus) {
    static CpuId read() throws IOException {
        Map<String, String> first = new HashMap<>();
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            for (String line : Files.readAllLines(info)) {
                int colon = line.indexOf(':');
                if (colon > 0) first.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return new CpuId(first.getOrDefault("vendor_id", System.getProperty("os.arch")), first.getOrDefault("model name", "unknown"),
                first.getOrDefault("cpu family", "?"), first.getOrDefault("model", "?"), first.getOrDefault("stepping", "?"),
                Runtime.getRuntime().availableProcessors());
    }

    String describe() {
        return modelName + " (" + vendor + " family " + family + " model " + model + " stepping " + stepping + "), " + cpus + " CPUs";
    }

    /** A file name: e.g. {@code amd-epyc-f25-m17-s1-2cpu}. */
    String slug() {
        String name = modelName.toLowerCase().replaceAll("\\(r\\)|\\(tm\\)|cpu|processor|@.*$", " ").replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return name + "-f" + family + "-m" + model + "-s" + stepping + "-" + cpus + "cpu";
    }
}
