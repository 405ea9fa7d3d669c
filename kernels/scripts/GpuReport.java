import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the GPU report (Markdown, to stdout) from Surefire's XML reports and the files the
 * bandwidth probe left in the output directory. Run by gpu-report.sh:
 * java GpuReport.java SUREFIRE_DIR OUT_DIR
 */
public class GpuReport {
    record Case(String cls, String name, String status, String detail) {
        /** The op suite's cuda:0 runs and the GPU-only classes; everything else checks host-side logic. */
        boolean gpu() {
            return cls.endsWith("OnDeviceTest") || cls.equals("CudaRuntimeTest") || cls.equals("CudaBandwidthProbe")
                    || cls.equals("BackendConformanceTest");
        }
    }

    public static void main(String[] args) throws Exception {
        Path reports = Path.of(args[0]), out = Path.of(args[1]);
        List<Case> cases = new ArrayList<>();
        File[] files = reports.toFile().listFiles((d, n) -> n.startsWith("TEST-") && n.endsWith(".xml"));
        if (files != null)
            for (File f : files) {
                var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f);
                NodeList tcs = doc.getElementsByTagName("testcase");
                for (int i = 0; i < tcs.getLength(); i++) {
                    Element tc = (Element) tcs.item(i);
                    String cls = tc.getAttribute("classname"), name = tc.getAttribute("name");
                    boolean conformance = cls.endsWith(".BackendConformanceTest");
                    if (conformance ? !name.contains("cuda:0") : !cls.startsWith("org.jdiffusion.kernels.cuda.") || name.contains("] cpu"))
                        continue;
                    String status = "pass", detail = "";
                    for (String kind : new String[]{"failure", "error", "skipped"}) {
                        NodeList l = tc.getElementsByTagName(kind);
                        if (l.getLength() == 0) continue;
                        Element e = (Element) l.item(0);
                        status = kind.equals("skipped") ? "skipped" : "FAIL";
                        String m = e.getAttribute("message");
                        if (m.isEmpty()) m = e.getTextContent();
                        detail = firstLine(m);
                        if (detail.contains("lands with the GEMM kernels")) status = "not yet (GEMM part)";
                    }
                    cases.add(new Case(cls.substring(cls.lastIndexOf('.') + 1), name, status, detail));
                }
            }
        cases.sort((a, b) -> (a.cls + a.name).compareTo(b.cls + b.name));
        List<Case> host = cases.stream().filter(c -> !c.gpu()).toList();
        cases = cases.stream().filter(Case::gpu).toList();
        long pass = cases.stream().filter(c -> c.status.equals("pass")).count();
        long fail = cases.stream().filter(c -> c.status.equals("FAIL")).count();
        long notYet = cases.stream().filter(c -> c.status.startsWith("not yet")).count();
        long skip = cases.size() - pass - fail - notYet;
        long hostFail = host.stream().filter(c -> c.status.equals("FAIL")).count();

        StringBuilder md = new StringBuilder("# jdiffusion GPU report\n\n");
        md.append("Generated ").append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME)).append(".\n\n## Device\n\n");
        md.append("| property | value |\n|---|---|\n");
        Path device = out.resolve("device.txt"), smi = out.resolve("nvidia-smi.txt");
        if (Files.exists(device))
            for (String line : Files.readAllLines(device)) {
                String[] kv = line.split("\t", 2);
                if (kv.length == 2) md.append("| ").append(kv[0]).append(" | ").append(esc(kv[1])).append(" |\n");
            }
        else md.append("| device | not probed (no usable GPU, or the probe failed: see below) |\n");
        if (Files.exists(smi)) {
            List<String> l = Files.readAllLines(smi);
            if (l.size() >= 2) md.append("| nvidia-smi (").append(esc(l.get(0))).append(") | ").append(esc(l.get(1))).append(" |\n");
        }
        md.append("\n## Op suite on cuda:0 against the CPU reference\n\n");
        md.append("**op suite: ").append(pass).append(" passed, ").append(fail).append(" failed, ").append(notYet)
                .append(" not yet implemented (matmul, conv, attention: the GEMM part), ").append(skip).append(" skipped**\n\n");
        md.append("| class | test | result | detail |\n|---|---|---|---|\n");
        for (Case c : cases)
            md.append("| ").append(c.cls).append(" | ").append(esc(c.name)).append(" | ").append(c.status).append(" | ")
                    .append(esc(c.detail)).append(" |\n");
        md.append("\nHost-side checks of the CUDA package (allocator, geometry, launch sizes, sources, provider): ")
                .append(host.size() - hostFail).append(" of ").append(host.size()).append(" pass");
        for (Case c : host) if (c.status.equals("FAIL")) md.append("; FAILED ").append(c.cls).append('.').append(esc(c.name));
        md.append(".\n\n## Bandwidth of the memory-bound kernels\n\n");
        Path bw = out.resolve("bandwidth.tsv");
        if (Files.exists(bw)) {
            md.append("Bytes are each op's compulsory traffic (inputs read once, outputs written once); the reference is the driver's ")
                    .append("device-to-device copy on the same GPU. Best of 10 runs, float32, timed with CUDA events.\n\n");
            List<String> rows = Files.readAllLines(bw);
            for (int i = 0; i < rows.size(); i++) {
                md.append("| ").append(String.join(" | ", rows.get(i).split("\t"))).append(" |\n");
                if (i == 0) md.append("|---|---:|---:|---:|---:|\n");
            }
        } else {
            md.append("Not measured (the probe runs only on a usable GPU).\n");
        }
        md.append("\n**verdict: ").append(fail == 0 && pass > 0 ? "all GPU op tests pass" : fail > 0 ? fail + " GPU op tests fail" : "no GPU test ran")
                .append("**\n");
        System.out.print(md);
    }

    static String firstLine(String s) {
        String t = s.strip().replaceFirst("^org\\.opentest4j\\.TestAbortedException:\\s*", "").replaceFirst("^Assumption failed:\\s*", "");
        String l = t.replaceAll("\\s*\\n\\s*", " ");
        int at = l.indexOf(" at org.");
        if (at > 0) l = l.substring(0, at);
        return l.length() > 300 ? l.substring(0, 300) + " …" : l;
    }

    static String esc(String s) { return s.replace("|", "\\|").replace("\n", " "); }
}
