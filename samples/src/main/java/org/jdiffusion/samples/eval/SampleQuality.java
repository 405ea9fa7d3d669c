package org.jdiffusion.samples.eval;

import org.jdiffusion.samples.sample.LoadedModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The hook for sample-quality metrics in {@code eval} (Fréchet distance in a classifier's feature
 * space, classifier accuracy of class-conditional samples): each metric registers here and
 * {@code eval --metrics NAME} runs it on samples of the checkpoint against the test split.
 * This build registers none.
 */
public final class SampleQuality {
    private SampleQuality() {}

    /** One metric: its name, and its value for a model against the data in a folder. */
    public interface Metric {
        String name();

        double compute(LoadedModel model, Path dataDir, int count, long seed);
    }

    private static final List<Metric> METRICS = new ArrayList<>();

    public static synchronized void register(Metric m) { METRICS.add(m); }

    public static synchronized List<Metric> available() { return List.copyOf(METRICS); }

    public static synchronized Metric find(String name) {
        for (Metric m : METRICS) if (m.name().equals(name)) return m;
        throw new IllegalArgumentException("no sample-quality metric '" + name + "' in this build (available: "
                + (METRICS.isEmpty() ? "none yet" : METRICS.stream().map(Metric::name).toList()) + ")");
    }
}
