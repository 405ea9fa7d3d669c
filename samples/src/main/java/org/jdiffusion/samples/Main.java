package org.jdiffusion.samples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The jdiffusion program: {@code ./jdiffusion COMMAND [options]}. Each command is a function of
 * its arguments returning the exit status; {@code --help} after a command describes it.
 */
public final class Main {
    private Main() {}

    /** One command of the program. */
    public interface Command {
        int run(String[] args) throws Exception;
    }

    private record Entry(String summary, Command command) {}

    private static Map<String, Entry> commands() {
        Map<String, Entry> m = new LinkedHashMap<>();
        m.put("mlp", new Entry("fit a two-layer MLP to a 2-D regression through autograd, printing the loss", MlpExample::run));
        m.put("forward", new Entry("one eval-mode forward pass of the reference U-Net on inputs from a safetensors file", ForwardCommand::run));
        m.put("info", new Entry("version, JDK, CPU threads and the devices found", InfoCommand::run));
        return m;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit status (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args) {
        Map<String, Entry> cmds = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.println(usage(cmds));
            return args.length == 0 ? 2 : 0;
        }
        Entry e = cmds.get(args[0]);
        if (e == null) {
            System.err.println("jdiffusion: unknown command '" + args[0] + "'\n\n" + usage(cmds));
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try {
            return e.command().run(rest);
        } catch (UsageException u) {
            System.err.println("jdiffusion " + args[0] + ": " + u.getMessage());
            return 2;
        } catch (Exception | Error ex) {
            System.err.println("jdiffusion " + args[0] + ": " + ex);
            if (System.getenv("JDIFFUSION_DEBUG") != null) ex.printStackTrace();
            return 1;
        }
    }

    private static String usage(Map<String, Entry> cmds) {
        StringBuilder sb = new StringBuilder("usage: ./jdiffusion COMMAND [options]   (COMMAND --help for its options)\n\ncommands:\n");
        cmds.forEach((k, v) -> sb.append(String.format("  %-10s %s%n", k, v.summary())));
        return sb.toString();
    }

    /** A bad flag or value: reported with exit status 2 and no stack trace. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) { super(message); }
    }
}
