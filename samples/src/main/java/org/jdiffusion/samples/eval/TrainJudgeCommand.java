package org.jdiffusion.samples.eval;

import org.jdiffusion.nn.io.Safetensors;
import org.jdiffusion.samples.cli.Cli;
import org.jdiffusion.samples.cli.Progress;
import org.jdiffusion.samples.data.BundledMnist;
import org.jdiffusion.samples.data.Mnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./jdiffusion train-judge}: trains the MNIST judge on the train split, reports its test
 * accuracy and writes it as a safetensors file whose metadata records the accuracy and the recipe.
 */
@Command(name = "train-judge", mixinStandardHelpOptions = true,
        description = "Train the MNIST judge classifier (sample accuracy and Fréchet-distance features) and save it.")
public final class TrainJudgeCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", description = "folder with the MNIST IDX files (default: the MNIST subset that ships "
            + "with the program)")
    Path dataDir;
    @Option(names = "--output", paramLabel = "FILE", description = "where to write the judge (default ${DEFAULT-VALUE})")
    Path output = Path.of("judge.safetensors");
    @Option(names = "--epochs", paramLabel = "N", description = "passes over the train split (default ${DEFAULT-VALUE})") int epochs = 8;
    @Option(names = "--batch", paramLabel = "N", description = "batch size (default ${DEFAULT-VALUE})") int batch = 64;
    @Option(names = "--lr", paramLabel = "X", description = "peak AdamW learning rate (default ${DEFAULT-VALUE})") double lr = 2e-3;
    @Option(names = "--seed", paramLabel = "S", description = "random seed (default ${DEFAULT-VALUE})") long seed = 0;

    @Override public Integer call() {
        Cli.require(epochs >= 1 && batch >= 1 && lr > 0, "--epochs and --batch must be >= 1 and --lr > 0");
        if (dataDir == null) dataDir = BundledMnist.dir();
        Mnist train = Mnist.load(dataDir, Mnist.Split.TRAIN), test = Mnist.load(dataDir, Mnist.Split.TEST);
        long t0 = System.nanoTime();
        Progress p = Progress.onStdout("train-judge", (long) epochs * ((train.count() + batch - 1) / batch));
        MnistJudge judge = JudgeTraining.train(train, epochs, batch, lr, seed, p);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double acc = JudgeTraining.accuracy(judge, test);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "jdiffusion.judge.v1");
        meta.put("test_accuracy", String.format(java.util.Locale.ROOT, "%.4f", acc));
        meta.put("train_count", Integer.toString(train.count()));
        meta.put("test_count", Integer.toString(test.count()));
        meta.put("recipe", String.format(java.util.Locale.ROOT, "epochs=%d batch=%d lr=%g seed=%d shift=2 adamw wd=1e-4 cosine", epochs, batch, lr, seed));
        Safetensors.write(output, judge.stateDict(), meta);
        System.out.printf(java.util.Locale.ROOT, "judge: test accuracy %.2f%% on %d digits, trained on %d in %.0f s -> %s%n",
                100 * acc, test.count(), train.count(), seconds, output);
        return 0;
    }
}
