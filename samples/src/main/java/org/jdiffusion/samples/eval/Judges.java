package org.jdiffusion.samples.eval;

import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.tensor.Generator;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loading judges: the one shipped with the program (trained by {@code ./jdiffusion train-judge} on
 * the 8,000-digit train split; its test accuracy is in the file's metadata) or one from a file.
 */
public final class Judges {
    private Judges() {}

    static final String RESOURCE = "/org/jdiffusion/samples/eval/mnist-judge.safetensors";

    public static MnistJudge load(Path file) {
        MnistJudge j = new MnistJudge(new Generator(0));
        j.loadStateDict(Safetensors.read(file).tensors());
        j.eval();
        return j;
    }

    /** The judge inside the program's jar. */
    public static MnistJudge shipped() {
        try (InputStream in = Judges.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("the program has no shipped judge (" + RESOURCE + " missing from the jar)");
            Path tmp = Files.createTempFile("jdiffusion-judge", ".safetensors");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return load(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the shipped judge: " + e.getMessage(), e);
        }
    }
}
