package dev.emergence.engine.onnx;

import dev.emergence.engine.onnx.proto.OnnxGraphProto.NodeProto;

import java.util.Optional;
import java.util.Set;

/**
 * Where a VAE encoder's graph samples its latent distribution itself: its output {@code latent} is
 * {@code Add(mean, Mul(std, noise))} (operands in either order) and the noise a RandomNormalLike or
 * RandomNormal node, perhaps through a Cast. That is how torch exports diffusers'
 * DiagonalGaussianDistribution.sample() (mean + std · randn), with noise no seed reaches; reading
 * {@code mean} and {@code std} instead lets the engine draw the noise from the generation's generator.
 *
 * @param latent the graph output that holds the sample
 * @param mean   the value added to the scaled noise
 * @param std    the value the noise is multiplied by
 */
public record InGraphSampling(String latent, String mean, String std) {
    private static final Set<String> RANDOM = Set.of("RandomNormalLike", "RandomNormal");

    /** The sampling pattern behind the graph output {@code latent}, or empty when it is computed otherwise. */
    public static Optional<InGraphSampling> find(OnnxGraph graph, String latent) {
        NodeProto add = graph.producer(latent);
        if (add == null || !add.getOpType().equals("Add") || add.getInputCount() != 2) return Optional.empty();
        for (int a = 0; a < 2; a++) {
            String mean = add.getInput(a);
            NodeProto mul = graph.producer(add.getInput(1 - a));
            if (mul == null || !mul.getOpType().equals("Mul") || mul.getInputCount() != 2) continue;
            for (int m = 0; m < 2; m++) {
                String std = mul.getInput(m);
                if (isNoise(graph, mul.getInput(1 - m)) && computed(graph, mean) && computed(graph, std)
                        && !isNoise(graph, std) && !mean.equals(std)) {
                    return Optional.of(new InGraphSampling(latent, mean, std));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isNoise(OnnxGraph graph, String value) {
        NodeProto node = graph.producer(value);
        if (node != null && node.getOpType().equals("Cast") && node.getInputCount() == 1) node = graph.producer(node.getInput(0));
        return node != null && RANDOM.contains(node.getOpType()) && (node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx"));
    }

    /** Computed by a node, so it can be made a graph output (not a graph input or an initializer). */
    private static boolean computed(OnnxGraph graph, String value) {
        return graph.producer(value) != null;
    }
}
