package org.jdiffusion.samples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the program in-process with stdout and stderr captured. */
final class Program {
    private Program() {}

    record Run(int status, String out, String err) {
        /** The status must be {@code want}; the captured streams are the message otherwise. */
        Run expect(int want) {
            if (status != want)
                throw new AssertionError("exit status " + status + ", expected " + want + "\n--- stdout\n" + out + "\n--- stderr\n" + err);
            return this;
        }
    }

    static synchronized Run run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int s = Main.run(args);
            return new Run(s, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
