package org.jdiffusion.samples.train;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jdiffusion.nn.io.FuzzChecks;
import org.jdiffusion.samples.Main;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;

/**
 * Any command line (the input's lines, one argument each) through the program's flag parsing:
 * picocli's parse of every command, then {@code train}'s checks of the values (what runs before
 * any data is read). Parsed, or a usage error, the two exceptions {@code Main} reports with exit
 * status 2 and a message ({@link FuzzChecks}). Inputs: {@code FlagsFuzzTestInputs/parsesOrRejects}.
 */
class FlagsFuzzTest {
    @FuzzTest
    void parsesOrRejects(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] args = text.isEmpty() ? new String[0] : text.split("\n", -1);
        FuzzChecks.acceptsOrRejects(RuntimeException.class, bytes.length, () -> {
            try {
                CommandLine cl = new CommandLine(new Main());
                CommandLine.ParseResult r = cl.parseArgs(args);
                if (r.hasSubcommand() && r.subcommand().commandSpec().userObject() instanceof TrainCommand t
                        && !r.subcommand().isUsageHelpRequested() && !r.subcommand().isVersionHelpRequested())
                    t.settings();
            } catch (CommandLine.ParameterException | org.jdiffusion.samples.cli.UsageException expected) {   // Main's is one too
                throw expected;
            } catch (RuntimeException e) {
                throw new AssertionError("not a usage error: " + e, e);
            }
        });
    }
}
