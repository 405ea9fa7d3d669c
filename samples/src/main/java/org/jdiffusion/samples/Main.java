package org.jdiffusion.samples;

import org.jdiffusion.samples.cli.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The jdiffusion program: {@code ./jdiffusion COMMAND [options]}. Each command is a picocli
 * {@code @Command}; {@code --help} after a command describes it. Exit status: 0 ok, 1 failure
 * (the message names what failed), 2 usage error (bad flag or value, missing file).
 */
@Command(name = "jdiffusion", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Diffusion models from scratch in Java: train, sample, evaluate and look at them.",
        footer = {"", "Run './jdiffusion COMMAND --help' for a command's options."},
        subcommands = {org.jdiffusion.samples.demo.DemoCommand.class, org.jdiffusion.samples.train.TrainCommand.class, org.jdiffusion.samples.sample.SampleCommand.class, org.jdiffusion.samples.eval.EvalCommand.class, org.jdiffusion.samples.eval.TrainJudgeCommand.class, MlpCommand.class, ForwardCommand.class, InfoCommand.class})
public final class Main implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit status (0 ok, 1 failure, 2 usage error). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        org.jdiffusion.samples.sample.Sampling.addRegistryHelp(cl);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> failure(ex, line));
        return cl.execute(args);
    }

    /** No command given: the command list, and a usage status. */
    @Override public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine line = e.getCommandLine();
        PrintWriter err = line.getErr();
        err.println(prefix(line) + ": " + message(e));
        err.println("Run '" + line.getCommandSpec().qualifiedName(" ").replace("jdiffusion", "./jdiffusion") + " --help' for the options.");
        err.flush();
        return 2;
    }

    /** Picocli's message, except that unknown commands and options are named one at a time with suggestions. */
    private static String message(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) return e.getMessage();
        String first = u.getUnmatched().getFirst();
        CommandLine line = e.getCommandLine();
        String hint = u.getSuggestions().isEmpty() ? "" : " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        if (first.startsWith("-")) return "unknown option '" + first + "'" + hint;
        if (line.getParent() == null && !line.getSubcommands().isEmpty())
            return "unknown command '" + first + "'" + (hint.isEmpty() ? " (commands: " + String.join(", ", line.getSubcommands().keySet()) + ")" : hint);
        return "unexpected argument '" + first + "'" + hint;
    }

    private static int failure(Exception ex, CommandLine line) {
        PrintWriter err = line.getErr();
        if (ex instanceof org.jdiffusion.samples.cli.UsageException u) {
            err.println(prefix(line) + ": " + u.getMessage());
            err.flush();
            return 2;
        }
        boolean plain = ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof java.io.UncheckedIOException || ex instanceof java.io.IOException;
        err.println(prefix(line) + ": " + (plain && ex.getMessage() != null ? ex.getMessage() : ex.toString()));
        if (System.getenv("JDIFFUSION_DEBUG") != null) ex.printStackTrace(err);
        err.flush();
        return 1;
    }

    private static String prefix(CommandLine line) { return line.getCommandSpec().qualifiedName(" "); }

    /** {@link org.jdiffusion.samples.cli.UsageException} under the name the commands know it by. */
    public static final class UsageException extends org.jdiffusion.samples.cli.UsageException {
        public UsageException(String message) { super(message); }
    }
}
