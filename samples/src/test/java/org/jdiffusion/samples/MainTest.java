package org.jdiffusion.samples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The program's dispatcher, flag errors and the MLP example end to end. */
class MainTest {

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
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

    @Test
    void helpListsCommands() {
        Run r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("mlp") && r.out().contains("info"), r.out());
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("trian");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command 'trian'"), r.err());
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheFlag() {
        Run r = run("mlp", "--stpes", "10");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown option '--stpes'") && r.err().contains("--steps"), r.err());
        r = run("mlp", "--steps", "ten");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--steps expects an integer, got 'ten'"), r.err());
        r = run("mlp", "--lr");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--lr needs a value"), r.err());
    }

    @Test
    void mlpExampleLowersItsLoss() {
        Run r = run("mlp", "--steps", "150", "--points", "128", "--seed", "3");
        assertEquals(0, r.status(), r.err());
        String last = r.out().lines().reduce((a, b) -> b).orElseThrow();
        // "loss A -> B (Nx lower) in T s"
        String[] w = last.split("\\s+");
        double first = Double.parseDouble(w[1]), end = Double.parseDouble(w[3]);
        assertTrue(end < first / 10, last);
    }

    @Test
    void infoNamesTheCpuDevice() {
        Run r = run("info");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("device     cpu: available"), r.out());
    }
}
