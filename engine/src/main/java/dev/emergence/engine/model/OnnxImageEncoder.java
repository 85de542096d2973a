package dev.emergence.engine.model;

import dev.emergence.engine.onnx.InGraphSampling;
import dev.emergence.engine.onnx.OnnxGraph;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The VAE encoder of an ONNX export: {@code sample} [1, 3, H, W] in [-1, 1] to either
 * <ul>
 *   <li>{@code latent_sample} [1, 4, H/8, W/8] (diffusers' converter and older optimum): the export
 *       samples the latent distribution itself (mean + std · RandomNormalLike), with noise no seed
 *       reaches. When the graph has that pattern ({@link InGraphSampling}) the session is made from
 *       the model with its mean and std added as outputs, and the sample is drawn here as for
 *       {@code latent_parameters}; any other in-graph sampling is used as it is, and the first
 *       generation is told that img2img with this encoder is not reproducible; or</li>
 *   <li>{@code latent_parameters} [1, 8, H/8, W/8] (current optimum): the distribution's mean and
 *       log-variance, sampled here as diffusers' DiagonalGaussianDistribution samples them, with the
 *       generation's generator (mean + exp(logvar/2)·randn, logvar clamped to [−30, 20]), so img2img
 *       reproduces diffusers' own pipelines seed for seed.</li>
 * </ul>
 * Without a generator the latent is the distribution's mean, wherever the encoder can give it.
 *
 * <p>Pictures larger than the VAE's tile are encoded in overlapping tiles when {@link VaeTiling} says
 * so; as diffusers' tiled_encode, the tiles' distributions (mean and log-variance) are blended, and
 * the sample is drawn once from the joined distribution, so the noise is the untiled encoder's.
 */
final class OnnxImageEncoder implements DiffusionModels.ImageEncoder {
    private static final String SAMPLE = "latent_sample";
    private static final String PARAMETERS = "latent_parameters";
    /** ONNX operators that draw random values: a graph with any of them does not give the same latent twice. */
    private static final List<String> RANDOM_OPERATORS = List.of("RandomNormalLike", "RandomNormal", "RandomUniformLike",
            "RandomUniform", "Multinomial", "Bernoulli");

    private final OnnxModel model;
    private final TensorSpec input;
    private final String output;
    private final boolean parameters;
    /** The mean and std the graph samples from, read in its place; null when the graph's output is used. */
    private final InGraphSampling sampling;
    /** The notice that this encoder's latents are not reproducible, or null; handed out once. */
    private final String unseeded;
    private final AtomicBoolean noticeGiven = new AtomicBoolean();
    private final int latentChannels;
    private final int scaleFactor;
    private final float scaling;
    private final VaeTiling tiling;

    /**
     * Opens {@code file}, a VAE encoder of the model folder {@code folder}. A graph that samples its
     * {@code latent_sample} as {@link InGraphSampling} recognises gets its session from the model with
     * the mean and std added as outputs in memory; the file is not changed. Large pictures are
     * encoded in {@code tiling}'s tiles.
     */
    static OnnxImageEncoder open(Path file, String label, ExecutionOptions options, Path folder, int latentChannels,
                                 int scaleFactor, double scalingFactor, VaeTiling tiling) throws ModelException {
        OnnxGraph graph = OnnxGraph.read(file, label, folder);
        List<String> outputs = graph.outputs();
        String latent = outputs.contains(SAMPLE) ? SAMPLE : outputs.size() == 1 ? outputs.get(0) : null;
        InGraphSampling sampling = null;
        String unseeded = null;
        if (latent != null && !outputs.contains(PARAMETERS)) {
            int type = graph.outputElementType(latent);
            sampling = type == 0 ? null : InGraphSampling.find(graph, latent).orElse(null);
            if (sampling == null && RANDOM_OPERATORS.stream().anyMatch(graph::uses)) {
                unseeded = "img2img and inpainting with " + label + " are not reproducible: its graph samples '" + latent
                        + "' with its own unseeded noise, not as mean + std · RandomNormalLike, which the engine would seed";
            }
        }
        OnnxModel model = sampling == null
                ? OnnxModel.open(file, label, options, folder)
                : OnnxModel.open(file, label, options, folder,
                        graph.withOutputs(List.of(sampling.mean(), sampling.std()), graph.outputElementType(latent)));
        try {
            return new OnnxImageEncoder(model, sampling, unseeded, latentChannels, scaleFactor, scalingFactor, tiling);
        } catch (ModelException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private OnnxImageEncoder(OnnxModel model, InGraphSampling sampling, String unseeded, int latentChannels, int scaleFactor,
                             double scalingFactor, VaeTiling tiling) throws ModelException {
        this.model = model;
        this.tiling = tiling;
        this.sampling = sampling;
        this.unseeded = unseeded;
        this.latentChannels = latentChannels;
        this.scaleFactor = scaleFactor;
        this.scaling = (float) scalingFactor;
        String expected = "'sample' [B,3,H,W]";
        input = model.requireInput("sample", expected);
        if (input.rank() != 4 || !input.type().isFloat() || (input.isStatic(1) && input.dim(1) != 3) || model.inputs().size() != 1) {
            throw model.error("expected one input like " + expected + ", found " + OnnxModel.describe(model.inputs()));
        }
        if (sampling != null) {
            output = ImageOutputs.pick(model, sampling.latent(), "'" + sampling.latent() + "' [B," + latentChannels + ",h,w]");
            parameters = false;
        } else if (model.output(PARAMETERS).isPresent()) {
            output = ImageOutputs.pick(model, PARAMETERS, "'latent_parameters' [B," + 2 * latentChannels + ",h,w]");
            parameters = true;
        } else {
            output = ImageOutputs.pick(model, SAMPLE, "'latent_sample' [B," + latentChannels + ",h,w]"
                    + " or 'latent_parameters' [B," + 2 * latentChannels + ",h,w]");
            parameters = false;
        }
    }

    OnnxModel model() {
        return model;
    }

    /** Whether the latent is drawn here from the generation's generator, so the same seed gives the same latent. */
    boolean seeded() {
        return parameters || sampling != null;
    }

    @Override
    public List<String> takeNotices() {
        return unseeded != null && noticeGiven.compareAndSet(false, true) ? List.of(unseeded) : List.of();
    }

    @Override
    public Tensor encode(Tensor pixels) throws ModelException {
        return encode(pixels, null);
    }

    @Override
    public Tensor encode(Tensor pixels, TorchGenerator generator) throws ModelException {
        return encode(pixels, generator, VaeTiling.Mode.AUTO);
    }

    @Override
    public Tensor encode(Tensor pixels, TorchGenerator generator, VaeTiling.Mode mode) throws ModelException {
        if (pixels.rank() != 4 || pixels.dim(1) != 3) {
            throw new IllegalArgumentException("expected pixels [B,3,H,W], got " + pixels);
        }
        if (pixels.dim(2) % scaleFactor != 0 || pixels.dim(3) % scaleFactor != 0) {
            throw new IllegalArgumentException("image size " + pixels.dim(3) + "x" + pixels.dim(2)
                    + " is not a multiple of " + scaleFactor);
        }
        Tensor[] latents = new Tensor[pixels.dim(0)];
        for (int i = 0; i < latents.length; i++) {
            Tensor item = pixels.batchItem(i);
            boolean tiled = tiling.applies(mode, item.dim(2) / scaleFactor, item.dim(3) / scaleFactor);
            Tensor sample;
            if (sampling != null && tiled) {
                // The graph's std is exp(logvar / 2): its logarithm is blended, as diffusers blends the log-variance.
                Tensor blended = tiling.encode(item, tile -> {
                    Map<String, Tensor> out = model.run(Map.of(input.name(), tile), Set.of(sampling.mean(), sampling.std()));
                    Tensor mean = out.get(sampling.mean()), std = out.get(sampling.std());
                    checkDistribution(mean, std, tile);
                    return Tensor.concatChannels(mean, map(std, v -> (float) Math.log(v)));
                });
                int n = blended.size() / 2;
                int[] shape = {1, latentChannels, blended.dim(2), blended.dim(3)};
                float[] b = blended.data();
                Tensor mean = new Tensor(java.util.Arrays.copyOf(b, n), shape);
                Tensor std = map(new Tensor(java.util.Arrays.copyOfRange(b, n, 2 * n), shape), v -> (float) Math.exp(v));
                sample = sampleOf(mean, std, item, generator);
            } else if (sampling != null) {
                Map<String, Tensor> out = model.run(Map.of(input.name(), item), Set.of(sampling.mean(), sampling.std()));
                sample = sampleOf(out.get(sampling.mean()), out.get(sampling.std()), item, generator);
            } else {
                // latent_parameters are diffusers' moments, blended as they are; an in-graph sample is blended as it comes
                sample = tiled ? tiling.encode(item, this::runOutput) : runOutput(item);
                if (parameters) sample = sampleOfParameters(sample, item, generator);
            }
            if (sample.rank() != 4 || sample.dim(1) != latentChannels
                    || sample.dim(2) * scaleFactor != item.dim(2) || sample.dim(3) * scaleFactor != item.dim(3)) {
                throw model.error("expected latents [1," + latentChannels + "," + item.dim(2) / scaleFactor + ","
                        + item.dim(3) / scaleFactor + "] for pixels " + item + ", got " + sample);
            }
            latents[i] = sample.scale(scaling);
        }
        return latents.length == 1 ? latents[0] : Tensor.concatBatch(latents);
    }

    private Tensor runOutput(Tensor item) throws ModelException {
        return model.run(Map.of(input.name(), item)).get(output);
    }

    private static Tensor map(Tensor t, java.util.function.DoubleUnaryOperator f) {
        float[] src = t.data(), dst = new float[src.length];
        for (int i = 0; i < dst.length; i++) dst[i] = (float) f.applyAsDouble(src[i]);
        return new Tensor(dst, t.shape());
    }

    /** A sample of the distribution whose [1, 2C, h, w] parameters are given; its mean without a generator. */
    private Tensor sampleOfParameters(Tensor params, Tensor item, TorchGenerator generator) throws ModelException {
        if (params.rank() != 4 || params.dim(1) != 2 * latentChannels) {
            throw model.error("expected latent_parameters [1," + 2 * latentChannels + ",h,w] (mean and log-variance) for pixels "
                    + item + ", got " + params);
        }
        int n = latentChannels * params.dim(2) * params.dim(3);
        float[] p = params.data();
        float[] std = new float[n];
        for (int i = 0; i < n; i++) {
            float logvar = Math.min(20f, Math.max(-30f, p[n + i]));
            std[i] = (float) Math.exp(0.5f * logvar);
        }
        Tensor mean = new Tensor(java.util.Arrays.copyOf(p, n), 1, latentChannels, params.dim(2), params.dim(3));
        return sampleOf(mean, new Tensor(std, mean.shape()), item, generator);
    }

    private void checkDistribution(Tensor mean, Tensor std, Tensor item) throws ModelException {
        if (mean.rank() != 4 || mean.dim(1) != latentChannels || !java.util.Arrays.equals(mean.shape(), std.shape())) {
            throw model.error("expected the latent distribution's mean and std, both [1," + latentChannels + ",h,w], for pixels "
                    + item + ", got mean " + mean + " and std " + std);
        }
    }

    /**
     * mean + std · randn(mean's shape) from {@code generator}, in float32 as diffusers'
     * DiagonalGaussianDistribution.sample computes it; the mean itself without a generator.
     */
    private Tensor sampleOf(Tensor mean, Tensor std, Tensor item, TorchGenerator generator) throws ModelException {
        checkDistribution(mean, std, item);
        if (generator == null) return mean;
        float[] m = mean.data(), s = std.data(), noise = generator.randn(mean.shape()).data();
        float[] out = new float[m.length];
        for (int i = 0; i < out.length; i++) out[i] = m[i] + s[i] * noise[i];
        return new Tensor(out, mean.shape());
    }
}
