package org.jdiffusion.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipFile;

/**
 * A build step of the bench module (verify phase): reads META-INF/BenchmarkList from the shaded jar and
 * fails unless every benchmark is listed exactly once and every {@code @Benchmark} method of the listed
 * classes is listed. A benchmark class with two modes ({@code @BenchmarkMode({AverageTime, Throughput})})
 * is listed, and run, twice: JMH makes one entry per mode.
 * Usage: {@code ListCheck <benchmarks.jar>}; exits 1 naming each duplicate or missing benchmark.
 */
public final class ListCheck {
    private ListCheck() {}

    public static void main(String[] args) throws IOException, ClassNotFoundException {
        if (args.length != 1) {
            System.err.println("usage: ListCheck <benchmarks.jar>");
            System.exit(2);
        }
        List<BenchmarkListEntry> entries;
        try (ZipFile jar = new ZipFile(args[0])) {
            var e = jar.getEntry(BenchmarkList.BENCHMARK_LIST.substring(1));
            if (e == null) fail(args[0] + " has no " + BenchmarkList.BENCHMARK_LIST + ": was the JMH annotation processor run?");
            try (InputStream in = jar.getInputStream(e)) { entries = BenchmarkList.readBenchmarkList(in); }
        }
        Map<String, Integer> count = new TreeMap<>();
        for (BenchmarkListEntry e : entries) count.merge(e.getUsername(), 1, Integer::sum);
        List<String> problems = new java.util.ArrayList<>();
        count.forEach((name, n) -> { if (n > 1) problems.add(name + " is listed " + n + " times (one entry per @BenchmarkMode mode; give it one mode)"); });
        TreeSet<String> declared = new TreeSet<>();
        for (String cls : new TreeSet<>(entries.stream().map(BenchmarkListEntry::getUserClassQName).toList())) {
            for (Method m : Class.forName(cls, false, ListCheck.class.getClassLoader()).getDeclaredMethods()) {
                if (m.isAnnotationPresent(Benchmark.class)) declared.add(cls + "." + m.getName());
            }
        }
        for (String d : declared) if (!count.containsKey(d)) problems.add(d + " is a @Benchmark method missing from the list");
        if (entries.isEmpty()) problems.add("the list is empty");
        if (!problems.isEmpty()) fail(args[0] + ": " + String.join("; ", problems));
        System.out.println("benchmark list: " + entries.size() + " benchmarks, each listed once");
    }

    private static void fail(String message) {
        System.err.println("ListCheck: " + message);
        System.exit(1);
    }
}
