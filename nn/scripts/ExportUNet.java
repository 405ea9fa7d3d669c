import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.nn.unet.UNet;
import org.jdiffusion.nn.unet.UNetConfig;
import org.jdiffusion.tensor.Generator;

/** Writes the state dict of a freshly initialised reference U-Net: java -cp jdiffusion.jar ExportUNet.java OUT SEED. */
public class ExportUNet {
    public static void main(String[] args) {
        UNet net = new UNet(UNetConfig.mnistSmall(), new Generator(Long.parseLong(args[1])));
        Safetensors.write(java.nio.file.Path.of(args[0]), net.stateDict());
    }
}
