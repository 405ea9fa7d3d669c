package org.jdiffusion.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The output of bench/peak/peak.c: the float32 FMA throughput (GFLOP/s) and the copy bandwidth (GB/s,
 * read + written) measured on 1 and on N threads, and the vector width the probe was compiled for.
 */
record Peak(String isa, Map<Integer, Double> fmaGflops, Map<Integer, Double> copyGbs) {
    static Peak read(Path file) throws IOException {
        String isa = "?";
        Map<Integer, Double> fma = new TreeMap<>(), copy = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t");
            switch (f[0]) {
                case "isa" -> isa = f[1];
                case "fma_gflops" -> fma.put(Integer.parseInt(f[1]), Double.parseDouble(f[2]));
                case "copy_gbs" -> copy.put(Integer.parseInt(f[1]), Double.parseDouble(f[2]));
                default -> { }
            }
        }
        if (!fma.containsKey(1) || !copy.containsKey(1)) throw new IOException(file + " is not the probe's output: no 1-thread fma_gflops / copy_gbs line");
        return new Peak(isa, fma, copy);
    }

    double fma(int threads) { return get(fmaGflops, threads, "fma_gflops"); }

    double copy(int threads) { return get(copyGbs, threads, "copy_gbs"); }

    private static double get(Map<Integer, Double> m, int threads, String what) {
        Double v = m.get(threads);
        if (v == null) throw new IllegalStateException("the probe measured " + what + " on " + m.keySet() + " threads, not on " + threads);
        return v;
    }
}
