package org.jdiffusion.samples.demo;

import org.jdiffusion.samples.io.Npy;
import org.jdiffusion.samples.io.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo at a reduced size: every file written and readable, and the spiral's samples close to the spiral. */
class DemoCommandTest {
    @TempDir Path dir;

    @Test void reducedDemoWritesItsPicturesAndLearnsTheSpiral() throws Exception {
        DemoCommand cmd = new DemoCommand();
        new CommandLine(cmd).parseArgs("--output", dir.toString(), "--steps", "600", "--memorise-steps", "150", "--points", "400",
                "--trajectories", "30", "--sets", "spiral,8gaussians", "--memorise", "10,40", "--trajectory-steps", "200", "--seed", "3");
        DemoCommand.Result r = cmd.run(List.of(org.jdiffusion.samples.data.Toy2D.SPIRAL, org.jdiffusion.samples.data.Toy2D.EIGHT_GAUSSIANS));

        for (String f : new String[]{"memorisation.png", "samples.png", "loss.png", "index.html", "metrics.csv",
                "samples-spiral-ddpm.npy", "samples-spiral-ddim.npy", "samples-8gaussians-ddpm.npy"})
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        BufferedImage mem = ImageIO.read(dir.resolve("memorisation.png").toFile()), smp = ImageIO.read(dir.resolve("samples.png").toFile());
        assertEquals(3 * 430, mem.getWidth(), "10 and 40 points, and the model that saw fresh data");
        assertEquals(4 * 330, smp.getWidth());
        assertTrue(ImageIO.read(dir.resolve("loss.png").toFile()).getWidth() > 0);
        NpyArray a = Npy.read(dir.resolve("samples-spiral-ddpm.npy"));
        assertArrayEquals(new int[]{400, 2}, a.shape());
        for (float v : a.floats()) assertTrue(Float.isFinite(v) && Math.abs(v) < 10, "sample coordinate " + v);

        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("<img src=\"memorisation.png\"") && html.contains("<img src=\"samples.png\"") && html.contains("<img src=\"loss.png\""));
        assertTrue(html.contains("<td>spiral</td>"), html);
        assertTrue(Files.readString(dir.resolve("metrics.csv")).startsWith("set,sampler,sliced_wasserstein,data_vs_data\nspiral,ddpm,"));

        // 600 steps reach about 0.15 (two draws of 400 points differ by 0.07-0.1); the untrained denoiser gives 0.35 (DDPM), 0.27 (DDIM)
        double sw = r.swDdpm().get("spiral");
        assertTrue(sw < 0.25, "spiral DDPM sliced-Wasserstein " + sw);
        assertTrue(r.swDdim().get("spiral") < 0.22, "spiral DDIM sliced-Wasserstein " + r.swDdim().get("spiral"));
        assertTrue(r.swReference().get("spiral") < sw, "data vs data is the floor");
    }
}
