package org.jdiffusion.samples.eval;

import org.jdiffusion.samples.ProgramRuns;
import org.jdiffusion.samples.io.Npy;
import org.jdiffusion.samples.io.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code eval --report}: the folder's files exist and are well-formed, rows follow the requested sweeps, a failing part keeps the others. */
class EvalReportTest {
    @TempDir Path dir;

    @Test void reportHoldsEveryPartWithRowsAsRequested() throws Exception {
        Path eps = EvalFixtures.tinyCheckpoint(dir, "eps", 10, false, 1), hybrid = EvalFixtures.tinyCheckpoint(dir, "hybrid", 10, true, 2);
        Path data = EvalFixtures.mnist(dir.resolve("mnist"), 12, true), rep = dir.resolve("report");
        String out = ProgramRuns.ok("eval", "--checkpoint", eps.toString(), "--checkpoint", hybrid.toString(), "--data-dir", data.toString(),
                "--count", "3", "--stride", "5", "--batch", "3", "--samples", "3", "--sample-steps", "2", "--guidance-sweep=2,0,1",
                "--sampler-sweep=ddpm,ddim:2:0,ddim:3:1,dpmpp2m:2", "--sweep-samples", "3", "--seed", "7", "--report", rep.toString()).out();
        assertTrue(out.contains("report -> " + rep.resolve("report.md")), out);

        // likelihood: one row per checkpoint with its objective
        List<String[]> lik = csv(rep.resolve("likelihood.csv"));
        assertEquals(List.of("index", "checkpoint", "objective", "learned_variance", "step", "images", "stride", "timesteps",
                "prior_bpd", "kl_bpd", "decoder_bpd", "total_bpd"), List.of(lik.getFirst()));
        assertEquals(3, lik.size());
        assertArrayEquals(new String[]{"eps", "false"}, new String[]{lik.get(1)[2], lik.get(1)[3]});
        assertArrayEquals(new String[]{"hybrid", "true"}, new String[]{lik.get(2)[2], lik.get(2)[3]});
        for (String[] r : lik.subList(1, 3)) {
            double prior = Double.parseDouble(r[8]), kl = Double.parseDouble(r[9]), dec = Double.parseDouble(r[10]), total = Double.parseDouble(r[11]);
            assertEquals(total, prior + kl + dec, 1e-4 * total, "the terms add up to the total");
            assertTrue(prior > 0 && kl > 0 && dec > 0, String.join(",", r));
        }
        assertEquals(1 + 1 + 4, Files.readAllLines(rep.resolve("likelihood-terms-2.csv")).size(), "header, t = 0, 1, 6, 11, 16");

        // guidance sweep: rows in the requested order, one floor for all (same n)
        List<String[]> g = csv(rep.resolve("guidance.csv"));
        assertEquals(List.of("w", "samples", "fd", "fd_floor", "accuracy", "seconds", "seconds_per_sample"), List.of(g.getFirst()));
        assertEquals(List.of(2.0, 0.0, 1.0), g.subList(1, g.size()).stream().map(r -> Double.parseDouble(r[0])).toList());
        checkQuality(g, 1, 3);

        List<String[]> s = csv(rep.resolve("samplers.csv"));
        assertEquals(List.of("sampler", "steps", "nfe", "options", "samples", "fd", "fd_floor", "accuracy", "seconds", "seconds_per_sample"), List.of(s.getFirst()));
        assertEquals(List.of("ddpm 20 20 spacing=linspace", "ddim 2 2 eta=0;spacing=linspace", "ddim 3 3 eta=1;spacing=linspace", "dpmpp2m 2 2 spacing=log-snr"),
                s.subList(1, s.size()).stream().map(r -> r[0] + " " + r[1] + " " + r[2] + " " + r[3]).toList(), "ddpm alone takes all T = 20 steps");
        checkQuality(s, 4, 3);
        assertEquals(g.get(1)[3], s.get(1)[6], "the floor at the same n is the same number in both sweeps");

        // the same seed gives the same first sample whatever the entry: w = 1 of the guidance sweep is the sampler sweep's ddim:2:0
        assertArrayEquals(Npy.read(rep.resolve("samples/guidance-w1.npy")).bytes(), Npy.read(rep.resolve("samples/sampler-ddim-2-0.npy")).bytes());
        NpyArray labels = Npy.read(rep.resolve("samples/guidance-w2-labels.npy"));
        assertArrayEquals(new long[]{0, 1, 2}, labels.longs());

        // figures decode; grids have one row per class
        for (String png : new String[]{"guidance.png", "samplers.png", "likelihood-terms.png"}) assertTrue(ImageIO.read(rep.resolve(png).toFile()).getWidth() >= 640, png);
        BufferedImage grid = ImageIO.read(rep.resolve("grids/guidance-w0.png").toFile());
        assertEquals(10 * 58 + 2, grid.getHeight(), "ten rows of 56-pixel digits");
        assertEquals(58 + 2, grid.getWidth(), "3 samples over 10 classes: one column");

        // report.md: every part done, the exact command, seeds, counts, judge; every link resolves
        String md = Files.readString(rep.resolve("report.md"));
        for (String part : new String[]{EvalCommand.LIKELIHOOD, EvalCommand.QUALITY, EvalCommand.GUIDANCE, EvalCommand.SAMPLERS})
            assertTrue(md.contains("| " + part + " | done | "), part + " in\n" + md);
        assertTrue(md.contains("--guidance-sweep=2,0,1 --sampler-sweep=ddpm,ddim:2:0,ddim:3:1,dpmpp2m:2"), md);
        assertTrue(md.contains("- seed: 7") && md.contains("sweeps 3 samples per entry (3 guidance weights, 4 samplers); batch 3"), md);
        assertTrue(md.contains("- judge: the shipped MNIST judge (sha256 "), md);
        assertEquals(3, count(md, "\\n\\| [0-9.]+ \\| 3 \\| "), "three rows in the guidance table");
        assertEquals(4, count(md, "\\n\\| (ddpm|ddim|dpmpp2m) \\| [0-9]+ \\| "), "four rows in the sampler table");
        Matcher links = Pattern.compile("\\]\\(([^)]+)\\)").matcher(md);
        int n = 0;
        while (links.find()) { n++; assertTrue(Files.isRegularFile(rep.resolve(links.group(1))), links.group(1)); }
        assertEquals(4 + 2 + 5 + 6, n, "CSVs, plots and grids of the four parts linked");
    }

    @Test void aFailingPartKeepsTheFinishedOnes() throws Exception {
        // no train split: the likelihood (test split only) finishes, the sample parts cannot compute their floor
        Path ck = EvalFixtures.tinyCheckpoint(dir, "eps", 10, false, 1), data = EvalFixtures.mnist(dir.resolve("mnist"), 4, false), rep = dir.resolve("r");
        String err = ProgramRuns.fails(1, "eval", "--checkpoint", ck.toString(), "--data-dir", data.toString(), "--count", "2", "--stride", "5",
                "--samples", "0", "--guidance-sweep=1", "--sampler-sweep=ddim:2", "--sweep-samples", "2", "--report", rep.toString());
        assertTrue(err.contains("Guidance sweep failed: ") && err.contains("no MNIST train images"), err);
        String md = Files.readString(rep.resolve("report.md"));
        assertTrue(md.contains("| Likelihood (bits/dim) | done |") && md.contains("| Guidance sweep | failed |") && md.contains("| Sampler sweep | failed |"), md);
        assertTrue(md.contains("**Failed:** no MNIST train images"), md);
        assertEquals(2, csv(rep.resolve("likelihood.csv")).size());
        assertFalse(Files.exists(rep.resolve("guidance.csv")));
    }

    @Test void withoutAReportTheTablesGoToTheTerminal() throws Exception {
        Path ck = EvalFixtures.tinyCheckpoint(dir, "eps", 10, false, 1), data = EvalFixtures.mnist(dir.resolve("mnist"), 4, true);
        String out = ProgramRuns.ok("eval", "--checkpoint", ck.toString(), "--data-dir", data.toString(), "--count", "0", "--samples", "0",
                "--sampler-sweep=ddim:2,dpmpp2m:2", "--sweep-samples", "2").out();
        assertTrue(out.contains("| ddim | 2 | 2 | eta=0;spacing=linspace | 2 | ") && out.contains("| dpmpp2m | 2 | 2 | spacing=log-snr | 2 | "), out);
        assertFalse(out.contains("report ->"), out);
        assertFalse(out.contains(EvalCommand.LIKELIHOOD), "--count 0 skips the likelihood:\n" + out);
    }

    private static void checkQuality(List<String[]> rows, int firstMetric, int n) {
        for (String[] r : rows.subList(1, rows.size())) {
            assertEquals(Integer.toString(n), r[firstMetric]);
            double fd = Double.parseDouble(r[firstMetric + 1]), floor = Double.parseDouble(r[firstMetric + 2]), acc = Double.parseDouble(r[firstMetric + 3]);
            double secs = Double.parseDouble(r[firstMetric + 4]);
            assertTrue(fd >= 0 && Double.isFinite(fd) && floor >= 0 && acc >= 0 && acc <= 1 && secs > 0, String.join(",", r));
            assertEquals(rows.get(1)[firstMetric + 2], r[firstMetric + 2], "one floor for one n");
        }
    }

    private static List<String[]> csv(Path p) throws Exception {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(p)) rows.add(line.split(",", -1));
        return rows;
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }
}
