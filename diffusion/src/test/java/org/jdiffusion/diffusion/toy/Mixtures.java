package org.jdiffusion.diffusion.toy;

/** The 2-D mixtures the sampler tests draw from. */
public final class Mixtures {
    private Mixtures() {}

    /** Three well-separated, correlated components with unequal weights. */
    public static final GaussianMixture THREE = new GaussianMixture(
            new double[]{0.5, 0.3, 0.2},
            new double[][]{{-2, -1}, {2, -1}, {0, 2}},
            new double[][][]{{{0.25, 0.1}, {0.1, 0.2}}, {{0.16, 0}, {0, 0.36}}, {{0.3, -0.1}, {-0.1, 0.2}}});

    /** Two classes of one component each: class 0 at the left, class 1 at the right. */
    public static final GaussianMixture TWO_CLASSES = new GaussianMixture(
            new double[]{0.6, 0.4},
            new double[][]{{-1.5, 0}, {1.5, 0.5}},
            new double[][][]{{{0.2, 0.05}, {0.05, 0.3}}, {{0.25, 0}, {0, 0.15}}});
}
