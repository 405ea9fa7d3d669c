package org.jdiffusion.kernels.cuda;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test results read from JUnit's XML reports (the legacy "TEST-*.xml" format that both the JUnit
 * console launcher and Maven Surefire write). The console launcher puts each test's display name
 * ("[14] cuda:0, ADD") in the test case's system-out; Surefire's phrased names carry it in the name
 * attribute. Skipped covers both tests disabled by a condition and tests aborted by an assumption;
 * an error of type UnsupportedOperationException is an op the backend does not have yet.
 */
final class JUnitXmlResults {
    private JUnitXmlResults() {}

    enum Status { PASS, FAIL, NOT_YET, SKIPPED }

    /** One test: simple class name, method name, display name, status, first line of its message. */
    record Result(String cls, String method, String display, Status status, String message) {
        /** Runs on cuda:0: a device-parameterised run named for a CUDA device, a GPU-only class (the runtime, the probe, the program's training test), or skipped for want of a GPU. */
        boolean gpu() {
            return display.contains("cuda:") || cls.equals("CudaRuntimeTest") || cls.equals("CudaBandwidthProbe") || cls.equals("CudaTrainingTest")
                    || status == Status.SKIPPED && message.contains("no usable GPU");
        }

        /** "method · cuda:0, ADD" for parameterised runs, "method" otherwise. */
        String label() {
            String d = display.replaceFirst("^\\[\\d+]\\s*", "");
            return d.equals(method + "()") || d.equals(method) ? method : method + " · " + d;
        }
    }

    private static final Pattern DISPLAY = Pattern.compile("(?m)^display-name: (.*)$");

    /** Every test case of every TEST-*.xml in {@code dir} (none when the directory is missing), sorted by class and label. */
    static List<Result> read(Path dir) throws Exception {
        List<Result> out = new ArrayList<>();
        File[] files = dir.toFile().listFiles((d, n) -> n.startsWith("TEST-") && n.endsWith(".xml"));
        if (files == null) return out;
        var factory = DocumentBuilderFactory.newInstance();
        for (File f : files) {
            NodeList tcs = factory.newDocumentBuilder().parse(f).getElementsByTagName("testcase");
            for (int i = 0; i < tcs.getLength(); i++) out.add(result((Element) tcs.item(i)));
        }
        out.sort(Comparator.comparing(Result::cls).thenComparing(Result::label));
        return out;
    }

    private static Result result(Element tc) {
        String cls = tc.getAttribute("classname"), name = tc.getAttribute("name");
        String display = name;
        NodeList sysout = tc.getElementsByTagName("system-out");
        if (sysout.getLength() > 0) {
            Matcher m = DISPLAY.matcher(sysout.item(0).getTextContent());
            if (m.find()) display = m.group(1).strip();
        }
        int paren = name.indexOf('(');
        String method = paren > 0 ? name.substring(0, paren) : name;
        Status status = Status.PASS;
        String message = "";
        for (String kind : new String[]{"failure", "error", "skipped"}) {
            NodeList l = tc.getElementsByTagName(kind);
            if (l.getLength() == 0) continue;
            Element e = (Element) l.item(0);
            String m = e.getAttribute("message");
            if (m.isEmpty()) m = e.getTextContent();
            message = firstLine(m);
            String type = e.getAttribute("type");
            if (kind.equals("skipped")) status = Status.SKIPPED;
            else if (type.endsWith("UnsupportedOperationException") || m.contains("java.lang.UnsupportedOperationException")) status = Status.NOT_YET;
            else status = Status.FAIL;
            if (status == Status.FAIL && !type.isEmpty() && !message.startsWith(type)) message = simpleName(type) + ": " + message;
            break;
        }
        return new Result(cls.substring(cls.lastIndexOf('.') + 1), method, display, status, message);
    }

    /**
     * The message on one line, at most 300 characters, without what only says it was skipped (the
     * assumption's exception, "parent was skipped:"), so one reason reads the same wherever it arose.
     */
    static String firstLine(String s) {
        String t = s.strip().replaceFirst("^org\\.opentest4j\\.TestAbortedException:\\s*", "").replaceFirst("^Assumption failed:\\s*", "")
                .replaceFirst("^parent was skipped:\\s*", "").replaceFirst("^skipped:\\s*", "");
        String l = t.replaceAll("\\s*\\n\\s*", " ");
        int at = l.indexOf(" at org.");
        if (at < 0) at = l.indexOf(" at java.");
        if (at > 0) l = l.substring(0, at);
        return l.length() > 300 ? l.substring(0, 300) + " …" : l;
    }

    private static String simpleName(String type) { return type.substring(type.lastIndexOf('.') + 1); }
}
