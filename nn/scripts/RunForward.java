/** Runs the forward command from the built program jar: java -cp samples/target/jdiffusion.jar RunForward.java ARGS. */
public class RunForward {
    public static void main(String[] args) {
        System.exit(org.jdiffusion.samples.ForwardCommand.run(args));
    }
}
