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

    /** A judge with the words a report names it by: where it came from, its SHA-256 and its recorded test accuracy. */
    public record Described(MnistJudge judge, String description) {}

    /** The judge in {@code file}, or the shipped one when file is null. */
    public static Described describe(Path file) {
        try {
            byte[] bytes;
            String source;
            if (file != null) {
                bytes = Files.readAllBytes(file);
                source = file.toString();
            } else {
                try (InputStream in = Judges.class.getResourceAsStream(RESOURCE)) {
                    if (in == null) throw new IllegalStateException("the program has no shipped judge (" + RESOURCE + " missing from the jar)");
                    bytes = in.readAllBytes();
                }
                source = "the shipped MNIST judge";
            }
            Path tmp = Files.createTempFile("jdiffusion-judge", ".safetensors");
            try {
                Files.write(tmp, bytes);
                String acc = Safetensors.read(tmp).metadata().get("test_accuracy");
                String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
                return new Described(load(tmp), source + " (sha256 " + sha.substring(0, 16) + "…"
                        + (acc != null ? ", test accuracy " + acc : "") + ")");
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the judge: " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

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
