package org.jdiffusion.samples;

/** Test helpers over {@link Program}: a run that must succeed, or fail with a given status. */
public final class ProgramRuns {
    private ProgramRuns() {}

    public record Result(String out, String err) {}

    public static Result ok(String... args) {
        Program.Run r = Program.run(args).expect(0);
        return new Result(r.out(), r.err());
    }

    /** The stderr of a run that must exit with {@code status}. */
    public static String fails(int status, String... args) { return Program.run(args).expect(status).err(); }
}
