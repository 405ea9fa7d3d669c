package org.jdiffusion.samples.cli;

import org.jdiffusion.tensor.Device;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Shared pieces of the commands: converters, input checks and the version string. */
public final class Cli {
    private Cli() {}

    /** {@code --device cpu|cuda|cuda:N}, with the parse error as the message. */
    public static final class DeviceConverter implements CommandLine.ITypeConverter<Device> {
        @Override public Device convert(String s) {
            try {
                return Device.parse(s);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The program's version from the jar manifest, or "(development build)". */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            return new String[]{"jdiffusion " + version(), "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }

    public static String version() {
        String v = Cli.class.getPackage().getImplementationVersion();
        return v != null ? v : "(development build)";
    }

    /** A path that must name an existing regular file. */
    public static Path existingFile(String flag, Path p) {
        if (p == null) throw new UsageException("missing required option " + flag);
        if (Files.isDirectory(p)) throw new UsageException(flag + ": " + p + " is a directory, expected a file");
        if (!Files.isRegularFile(p)) throw new UsageException(flag + ": no such file: " + p);
        return p;
    }

    /** A path that must name an existing directory. */
    public static Path existingDir(String flag, Path p) {
        if (p == null) throw new UsageException("missing required option " + flag);
        if (!Files.isDirectory(p)) throw new UsageException(flag + ": no such directory: " + p);
        return p;
    }

    /** An output file whose directory must already exist. */
    public static Path outputFile(String flag, Path p) {
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
            throw new UsageException(flag + ": directory " + parent + " does not exist");
        return p;
    }

    public static void require(boolean ok, String message) {
        if (!ok) throw new UsageException(message);
    }
}
