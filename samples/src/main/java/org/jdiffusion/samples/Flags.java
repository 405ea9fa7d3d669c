package org.jdiffusion.samples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Parses {@code --name value} and {@code --switch} flags against a known set, with clear errors. */
public final class Flags {
    private final Map<String, String> values = new HashMap<>();
    private final String command;

    private Flags(String command) { this.command = command; }

    /**
     * @param withValue flags that take a value; {@code switches} take none. Unknown flags,
     *                  missing values and stray arguments raise {@link Main.UsageException}.
     */
    public static Flags parse(String command, String[] args, Set<String> withValue, Set<String> switches) {
        Flags f = new Flags(command);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a, value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) { name = a.substring(0, eq); value = a.substring(eq + 1); }
            if (switches.contains(name)) {
                if (value != null) throw new Main.UsageException(name + " takes no value");
                f.values.put(name, "true");
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--"))
                        throw new Main.UsageException(name + " needs a value");
                    value = args[++i];
                }
                f.values.put(name, value);
            } else {
                java.util.List<String> known = new java.util.ArrayList<>(withValue);
                known.addAll(switches);
                java.util.Collections.sort(known);
                throw new Main.UsageException("unknown option '" + a + "' (known: " + String.join(", ", known) + ")");
            }
        }
        return f;
    }

    public boolean has(String name) { return values.containsKey(name); }

    public String get(String name, String dflt) { return values.getOrDefault(name, dflt); }

    public String require(String name) {
        String v = values.get(name);
        if (v == null) throw new Main.UsageException("missing required option " + name);
        return v;
    }

    public int getInt(String name, int dflt) {
        String v = values.get(name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new Main.UsageException(name + " expects an integer, got '" + v + "'");
        }
    }

    public double getDouble(String name, double dflt) {
        String v = values.get(name);
        if (v == null) return dflt;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new Main.UsageException(name + " expects a number, got '" + v + "'");
        }
    }

    @Override public String toString() { return command + " " + values; }
}
