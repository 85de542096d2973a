package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Npy;
import dev.emergence.engine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "noise", mixinStandardHelpOptions = true,
        description = {"Write the initial noise for a seed and shape as a .npy file.",
                "The values are torch.randn(shape, generator=torch.Generator('cpu').manual_seed(SEED)), bit for bit."})
final class NoiseCommand implements Callable<Integer> {
    @Option(names = "--seed", required = true, paramLabel = "SEED", description = "The generator's seed.") long seed;

    @Option(names = "--shape", required = true, paramLabel = "D,D,...", description = "The tensor's shape, e.g. 1,4,64,64 (at most 2^28 values).")
    String shape;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "The file to write.") Path out;

    @Override
    public Integer call() throws Exception {
        int[] dims = parseShape(shape);
        OutputTarget.checkFile("out", out, ".npy");
        Tensor t = new TorchGenerator(seed).randn(dims);
        Npy.write(out, t);
        System.out.println(SafeText.line(out));
        return ExitCodes.OK;
    }

    static int[] parseShape(String text) throws InvalidRequestException {
        String[] parts = text.trim().split("\\s*[,x]\\s*");
        int[] dims = new int[parts.length];
        long total = 1;
        for (int i = 0; i < parts.length; i++) {
            try {
                dims[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                dims[i] = -1;
            }
            if (dims[i] < 1) {
                throw new InvalidRequestException("shape: '" + text + "' is not a shape; expected positive sizes like 1,4,64,64");
            }
            total *= dims[i];
        }
        if (total > 1L << 28) {
            throw new InvalidRequestException("shape: '" + text + "' has " + total + " values; expected at most 2^28");
        }
        return dims;
    }
}
