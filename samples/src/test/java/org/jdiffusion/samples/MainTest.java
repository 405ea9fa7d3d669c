package org.jdiffusion.samples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The program's dispatcher, flag errors and the MLP example end to end. */
class MainTest {

    private static Program.Run run(String... args) { return Program.run(args); }

    @Test
    void helpListsCommands() {
        Program.Run r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("mlp") && r.out().contains("info"), r.out());
    }

    @Test
    void unknownCommandIsAUsageError() {
        Program.Run r = run("trian");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command 'trian' (did you mean train or train-judge?)"), r.err());
        r = run("frobnicate");
        assertTrue(r.err().contains("unknown command 'frobnicate' (commands: demo, train, sample, eval, train-judge, mlp, forward, info)"), r.err());
        r = run();
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Commands:") && r.err().contains("mlp"), r.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String c : new String[]{"demo", "train", "sample", "eval", "train-judge", "mlp", "forward", "info"}) {
            Program.Run r = run(c, "--help");
            assertEquals(0, r.status(), c);
            assertTrue(r.out().contains("Usage: jdiffusion " + c), r.out());
        }
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheFlag() {
        Program.Run r = run("mlp", "--stpes", "10");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown option '--stpes' (did you mean --steps?)"), r.err());
        r = run("mlp", "--steps", "ten");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Invalid value for option '--steps': 'ten' is not an int"), r.err());
        r = run("mlp", "--lr");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Missing required parameter for option '--lr'"), r.err());
        r = run("mlp", "--steps", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--steps and --points must be >= 1"), r.err());
    }

    @Test
    void mlpExampleLowersItsLoss() {
        Program.Run r = run("mlp", "--steps", "150", "--points", "128", "--seed", "3");
        assertEquals(0, r.status(), r.err());
        String last = r.out().lines().reduce((a, b) -> b).orElseThrow();
        // "loss A -> B (Nx lower) in T s"
        String[] w = last.split("\\s+");
        double first = Double.parseDouble(w[1]), end = Double.parseDouble(w[3]);
        assertTrue(end < first / 10, last);
    }

    @Test
    void infoNamesTheCpuDevice() {
        Program.Run r = run("info");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("device     cpu: available"), r.out());
    }
}
