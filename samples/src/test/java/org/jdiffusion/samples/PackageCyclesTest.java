package org.jdiffusion.samples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The program's packages depend one way: no import cycle among samples' subpackages (sample, train,
 * eval, cli, …), and cli, which every command uses, depends on none of them nor on the root package.
 */
class PackageCyclesTest {
    static final Path SRC = Path.of("src/main/java/org/jdiffusion/samples");
    static final Pattern REF = Pattern.compile("org\\.jdiffusion\\.samples\\.([a-z]+)\\.[A-Z]");

    /** Subpackage → the subpackages its files name (imports or qualified names); "" is the root package. */
    static Map<String, Set<String>> graph() throws IOException {
        Map<String, Set<String>> g = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SRC)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = SRC.relativize(f.getParent());
                String pkg = rel.toString().replace('\\', '.').replace('/', '.');
                Set<String> out = g.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REF.matcher(Files.readString(f));
                while (m.find()) if (!m.group(1).equals(pkg)) out.add(m.group(1));
                if (!pkg.isEmpty() && Files.readString(f).matches("(?s).*import org\\.jdiffusion\\.samples\\.[A-Z]\\w*;.*")) out.add("");
            }
        }
        return g;
    }

    @Test void subpackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> g = graph();
        g.remove("");
        g.values().forEach(s -> s.remove(""));
        for (String start : g.keySet()) {
            List<String> path = new ArrayList<>(List.of(start));
            assertTrue(!reaches(g, start, start, path, new TreeSet<>()), "import cycle in samples: " + String.join(" -> ", path));
        }
    }

    @Test void cliDependsOnNoOtherPartOfTheProgram() throws IOException {
        assertTrue(graph().getOrDefault("cli", Set.of()).isEmpty(), "cli must not depend on the commands or Main: " + graph().get("cli"));
    }

    private static boolean reaches(Map<String, Set<String>> g, String from, String target, List<String> path, Set<String> seen) {
        for (String next : g.getOrDefault(from, Set.of())) {
            path.add(next);
            if (next.equals(target)) return true;
            if (seen.add(next) && reaches(g, next, target, path, seen)) return true;
            path.removeLast();
        }
        return false;
    }
}
