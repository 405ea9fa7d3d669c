package org.jdiffusion.dist;

import org.junit.jupiter.api.Assumptions;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds src/test/c/nccl_stub.c into a libnccl.so.2 with the system's C compiler, and reads its call log. */
final class NcclStub {
    private NcclStub() {}

    /** target/nccl-stub/libnccl.so.2, built once; the test is skipped (with the reason) where no C compiler is found. */
    static synchronized Path build() throws Exception {
        Path out = Path.of("target/nccl-stub/libnccl.so.2").toAbsolutePath();
        Path src = Path.of("src/test/c/nccl_stub.c").toAbsolutePath();
        if (Files.isRegularFile(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) >= 0) return out;
        Files.createDirectories(out.getParent());
        for (String cc : List.of("cc", "gcc", "clang")) {
            try {
                Process p = new ProcessBuilder(cc, "-shared", "-fPIC", "-O1", "-o", out.toString(), src.toString()).redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
                if (p.exitValue() == 0) return out;
                throw new IllegalStateException(cc + " failed on the NCCL stub:\n" + log);
            } catch (java.io.IOException notInstalled) {
                // try the next compiler
            }
        }
        Assumptions.abort("no C compiler (cc, gcc, clang) to build the NCCL stand-in library");
        return null;
    }

    static Nccl load(Path stub) { return new Nccl(NativeLibrary.open(Nccl.search(stub.toString(), List.of()))); }

    /** Everything the stub was called with so far, one line a call. */
    static String log(Nccl nccl) {
        try {
            var f = nccl.lib.function("stub_log", FunctionDescriptor.of(ValueLayout.ADDRESS));
            return ((MemorySegment) f.invokeExact()).reinterpret(1 << 16).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
