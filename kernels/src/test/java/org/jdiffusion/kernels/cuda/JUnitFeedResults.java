package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.cuda.JUnitXmlResults.Result;
import org.jdiffusion.kernels.cuda.JUnitXmlResults.Status;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Test results read from the JUnit console launcher's "testfeed" output (logs/tests-*.log of a GPU
 * run), which streams one line as each test starts and ends:
 * <pre>
 * JUnit Jupiter > ElementwiseOnDeviceTest > unaryOnDense(Device, UnaryOp) > [18] cuda:0, NEG :: SUCCESSFUL
 * JUnit Jupiter > CudaRuntimeTest > memoryStatistics() :: FAILED
 * 	java.lang.AssertionError: expected …
 * </pre>
 * The XML reports are written only when the launcher finishes, so this is what remains of a part that
 * timed out or whose JVM crashed; a test that started and never ended is the one that was running
 * then, reported as failed with that reason.
 */
final class JUnitFeedResults {
    private JUnitFeedResults() {}

    private static final Pattern LINE = Pattern.compile("^JUnit Jupiter > (.+) :: (STARTED|SUCCESSFUL|FAILED|ABORTED|SKIPPED)\\s*$");

    /** The results in every tests-*.log of {@code logs} (none when the folder is missing). */
    static List<Result> read(Path logs) throws IOException {
        List<Result> out = new ArrayList<>();
        if (!Files.isDirectory(logs)) return out;
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("tests-.*\\.log")).sorted().toList())
                out.addAll(parse(Files.readAllLines(f)));
        }
        return out;
    }

    static List<Result> parse(List<String> lines) {
        Map<String, Result> byPath = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINE.matcher(lines.get(i));
            if (!m.matches()) continue;
            String path = m.group(1), event = m.group(2);
            String[] parts = path.split(" > ");
            if (parts.length < 2) continue;  // an engine or class container
            String cls = parts[0], testName = parts[1], display = parts.length > 2 ? parts[parts.length - 1] : testName;
            int paren = testName.indexOf('(');
            String method = paren > 0 ? testName.substring(0, paren) : testName;
            if (parts.length == 2 && paren < 0) continue;  // a container without a test method
            String message = i + 1 < lines.size() && lines.get(i + 1).startsWith("\t") ? JUnitXmlResults.firstLine(lines.get(i + 1)) : "";
            Result r = switch (event) {
                case "STARTED" -> new Result(cls, method, display, Status.FAIL,
                        "started but never finished: the part timed out or its JVM crashed while this test ran");
                case "SUCCESSFUL" -> new Result(cls, method, display, Status.PASS, "");
                case "FAILED" -> new Result(cls, method, display,
                        message.contains("UnsupportedOperationException") ? Status.NOT_YET : Status.FAIL, message);
                default -> new Result(cls, method, display, Status.SKIPPED, message);
            };
            byPath.put(path, r);
        }
        // a parameterised method's own entry gives way to its runs' results
        List<String> keys = new ArrayList<>(byPath.keySet());
        for (String k : keys)
            if (keys.stream().anyMatch(o -> o.startsWith(k + " > "))) byPath.remove(k);
        return new ArrayList<>(byPath.values());
    }
}
