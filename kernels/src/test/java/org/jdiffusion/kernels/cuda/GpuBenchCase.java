package org.jdiffusion.kernels.cuda;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One case of the GPU benchmarks, as one line of {@code cases.tsv}: the line that GpuBench runs on
 * our backend and kernels/scripts/gpu_baseline.py runs with PyTorch, so both sides time the same
 * work and their rows join by id. {@code work} is the case's compulsory traffic in bytes (unit
 * GB/s: every input read once, every output written once) or its arithmetic in FLOPs (unit
 * TFLOP/s); both sides divide the same number by their own time.
 *
 * <pre>id  kind  params (k=v, space separated)  work  unit  what</pre>
 */
record GpuBenchCase(String id, String kind, Map<String, String> params, double work, String unit, String what) {
    static final String GBS = "GB/s", TFLOPS = "TFLOP/s";
    static final String HEADER = "id\tkind\tparams\twork\tunit\twhat";

    GpuBenchCase {
        if (id.isBlank() || id.contains("\t") || id.contains(" ")) throw new IllegalArgumentException("GpuBenchCase: bad id '" + id + "'");
        if (!unit.equals(GBS) && !unit.equals(TFLOPS))
            throw new IllegalArgumentException("GpuBenchCase " + id + ": unit must be " + GBS + " or " + TFLOPS + ", got '" + unit + "'");
        if (!(work > 0)) throw new IllegalArgumentException("GpuBenchCase " + id + ": work must be > 0, got " + work);
        params = Map.copyOf(params);
    }

    boolean memoryBound() { return unit.equals(GBS); }

    /** GB/s (bytes / ns) or TFLOP/s (FLOPs / ps) of doing this case's work in {@code ms} milliseconds. */
    double rate(double ms) { return memoryBound() ? work / (ms * 1e6) : work / (ms * 1e9); }

    String param(String key) {
        String v = params.get(key);
        if (v == null) throw new IllegalArgumentException("GpuBenchCase " + id + " (" + kind + "): missing parameter '" + key + "'");
        return v;
    }

    int integer(String key) { return Integer.parseInt(param(key)); }

    int[] ints(String key) { return Arrays.stream(param(key).split(",")).mapToInt(Integer::parseInt).toArray(); }

    String tsv() {
        StringBuilder p = new StringBuilder();
        params.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> p.append(p.isEmpty() ? "" : " ").append(e.getKey()).append('=').append(e.getValue()));
        return String.join("\t", id, kind, p, String.format(Locale.ROOT, "%.0f", work), unit, what);
    }

    static GpuBenchCase parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 6) throw new IllegalArgumentException("cases.tsv: expected 6 tab-separated fields (" + HEADER.replace('\t', ' ') + "), got "
                + f.length + " in: " + line);
        Map<String, String> params = new LinkedHashMap<>();
        for (String kv : f[2].split(" ")) {
            if (kv.isEmpty()) continue;
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("cases.tsv: parameter '" + kv + "' of " + f[0] + " is not key=value");
            params.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return new GpuBenchCase(f[0], f[1], params, Double.parseDouble(f[3]), f[4], f[5]);
    }
}
