package org.jdiffusion.samples.cli;

import org.jdiffusion.tensor.Device;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs a trained checkpoint ({@code sample}, {@code eval}), declared
 * once: the device and which weights to load. The commands extend it, and picocli takes the options
 * of a superclass as its own (the fields keep their names in the commands' code).
 */
public abstract class CheckpointOptions {
    @Option(names = "--device", paramLabel = "D", converter = Cli.DeviceConverter.class, description = "cpu (default) or cuda[:N]")
    protected Device device = Device.CPU;
    @Option(names = "--no-ema", description = "use a training checkpoint's model weights instead of its EMA weights")
    protected boolean noEma;
}
