package org.jdiffusion.dist;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Starts a Java main class as an {@code mpirun -np N} job on this machine's loopback, with the test
 * classpath, and returns its exit status and output. Where mpirun is absent the calling test is
 * skipped with the reason, except under CI (CI=true), whose .ci/run installs Open MPI: there a
 * missing mpirun fails the test.
 */
public final class MpiRun {
    public record Result(int status, String output) {}

    private MpiRun() {}

    /** The mpirun on PATH, or null. */
    public static Path mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Skips the test (or, under CI, fails it) when mpirun is missing. */
    public static Path requireMpirun() {
        Path p = mpirun();
        if (p == null) {
            String why = "mpirun is not on PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the multi-rank tests";
            if ("true".equals(System.getenv("CI"))) fail(why + " (CI=true: .ci/run installs it, so its absence is a failure)");
            Assumptions.abort(why);
        }
        return p;
    }

    /** Runs {@code mainClass args} on {@code ranks} ranks; kills the job after {@code timeoutSeconds}. */
    public static Result run(int ranks, long timeoutSeconds, Map<String, String> env, String mainClass, String... args) throws Exception {
        return run(ranks, timeoutSeconds, env, List.of(), mainClass, args);
    }

    public static Result run(int ranks, long timeoutSeconds, Map<String, String> env, List<String> jvmArgs, String mainClass, String... args)
            throws Exception {
        Path mpirun = requireMpirun();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(mpirun.toString(), "-np", Integer.toString(ranks), "--oversubscribe",
                "--bind-to", "none"));
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx512m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", cp, mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JDIFFUSION_THREADS", "1");
        pb.environment().putAll(env);
        Path log = Files.createTempFile("mpirun", ".txt");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            String out = Files.readString(log);
            Files.deleteIfExists(log);
            fail("mpirun -np " + ranks + " " + mainClass + " did not end within " + timeoutSeconds + " s (a hang); output:\n" + out);
        }
        String out = Files.readString(log);
        Files.deleteIfExists(log);
        return new Result(p.exitValue(), out);
    }
}
