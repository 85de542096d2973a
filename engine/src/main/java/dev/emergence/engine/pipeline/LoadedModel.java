package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.control.ControlInput;
import dev.emergence.engine.family.ClipConditioner;
import dev.emergence.engine.family.Conditioner;
import dev.emergence.engine.family.GuidanceEmbedding;
import dev.emergence.engine.family.SdxlConditioner;
import dev.emergence.engine.image.Images;
import dev.emergence.engine.image.LatentPreview;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelFamily;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.model.OnnxControlNet;
import dev.emergence.engine.runtime.DeviceReport;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.scheduler.Schedulers;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;

import dev.emergence.engine.lora.LoraChange;
import dev.emergence.engine.lora.LoraException;
import dev.emergence.engine.lora.LoraMerger;
import dev.emergence.engine.lora.LoraWeight;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model folder opened once and kept: its ONNX sessions, tokenizer, scheduler configuration,
 * pipeline and preview decoders. Owns all of them; closing it frees the native sessions.
 */
public final class LoadedModel implements AutoCloseable {
    private final ModelBundle bundle;
    private final ClipTokenizer tokenizer;
    private final ClipTokenizer tokenizer2;
    private final Conditioner conditioner;
    private final SchedulerConfig schedulerConfig;
    private final StableDiffusionPipeline pipeline;
    private volatile LatentPreview latentPreview;
    /** The ControlNets opened for this model, by their real path; owned here and closed with it. */
    private final Map<Path, OnnxControlNet> controlNets = new LinkedHashMap<>();

    private LoadedModel(ModelBundle bundle, ClipTokenizer tokenizer, ClipTokenizer tokenizer2, SchedulerConfig schedulerConfig) {
        this.bundle = bundle;
        this.tokenizer = tokenizer;
        this.tokenizer2 = tokenizer2;
        this.schedulerConfig = schedulerConfig;
        ModelInfo info = bundle.info();
        this.conditioner = conditionerOf(bundle, tokenizer, tokenizer2);
        this.pipeline = new StableDiffusionPipeline(new PipelineComponents(info.name(), conditioner,
                bundle.denoiser(), bundle.vaeDecoder(), bundle::imageEncoder,
                schedulerConfig, info.vaeScaleFactor(), info.unetInChannels(), info.latentChannels(), info.fp16(),
                bundle::controlDenoiser));
    }

    /** The family's conditioning: SDXL's two encoders or SD's one, with LCM's guidance embedding on top. */
    private static Conditioner conditionerOf(ModelBundle bundle, ClipTokenizer tokenizer, ClipTokenizer tokenizer2) {
        Conditioner text = tokenizer2 != null && bundle.textEncoder2().isPresent()
                ? new SdxlConditioner(bundle.textEncoder(), tokenizer, bundle.textEncoder2().get(), tokenizer2,
                        bundle.forceZerosForEmptyPrompt())
                : new ClipConditioner(bundle.textEncoder(), tokenizer);
        return bundle.guidanceEmbeddingWidth() > 0 ? new GuidanceEmbedding(text, bundle.guidanceEmbeddingWidth()) : text;
    }

    public static LoadedModel open(Path dir, ExecutionOptions options) throws ModelException {
        ModelBundle bundle = ModelBundle.open(dir, options);
        ClipTokenizer tokenizer = null, tokenizer2 = null;
        try {
            tokenizer = ClipTokenizer.load(bundle.tokenizerDir());
            if (bundle.textEncoder2().isPresent()) tokenizer2 = ClipTokenizer.load(bundle.tokenizer2Dir());
            return new LoadedModel(bundle, tokenizer, tokenizer2, bundle.schedulerConfig());
        } catch (ModelException | RuntimeException e) {
            if (tokenizer != null) tokenizer.close();
            if (tokenizer2 != null) tokenizer2.close();
            bundle.close();
            throw e;
        }
    }

    /** Whether ControlNets can steer this model (it has a ControlNet UNet); the studio offers them only then. */
    public boolean takesControlNets() {
        return bundle.takesControlNets();
    }

    /**
     * The ControlNet in {@code location} (a folder with model.onnx, or the file), opened on first use
     * with the model's execution options and kept until this model is closed. A folder that is not a
     * ControlNet is refused and nothing kept, so the model stays as it was.
     */
    public synchronized OnnxControlNet controlNet(Path location) throws ModelException {
        Path key;
        try {
            key = location.toRealPath();
        } catch (java.io.IOException e) {
            throw new ModelException(location + ": no such ControlNet folder; expected a folder with model.onnx");
        }
        OnnxControlNet net = controlNets.get(key);
        if (net == null) {
            net = OnnxControlNet.open(key, bundle.options());
            controlNets.put(key, net);
        }
        return net;
    }

    /**
     * The ControlNets of a request with their pictures, one per {@link GenerationRequest#controls()}:
     * what {@link StableDiffusionPipeline#generate(GenerationRequest, BufferedImage, BufferedImage, List, StepListener,
     * CancellationToken)} takes.
     */
    public List<ControlInput> controlInputs(GenerationRequest request, List<BufferedImage> pictures)
            throws ModelException, InvalidRequestException {
        if (request.controls().size() != pictures.size()) {
            throw new InvalidRequestException("controls: the request has " + request.controls().size() + " ControlNets but "
                    + pictures.size() + " control pictures were given; expected one picture per ControlNet");
        }
        List<ControlInput> inputs = new ArrayList<>();
        for (int i = 0; i < pictures.size(); i++) {
            OnnxControlNet net = controlNet(Path.of(request.controls().get(i).model()));
            inputs.add(new ControlInput(net, net.shortHash(), pictures.get(i)));
        }
        return inputs;
    }

    /**
     * Merges {@code loras} into the UNet and text encoder sessions (none: the model's own weights),
     * rebuilding only the sessions whose LoRAs change; on failure the current sessions keep working.
     * See {@link ModelBundle#applyLoras}.
     */
    public LoraChange applyLoras(List<LoraWeight> loras, LoraMerger.Progress progress, CancellationToken token)
            throws ModelException, LoraException {
        return bundle.applyLoras(loras, progress, token::isCancelled);
    }

    /** The LoRAs the sessions carry now. */
    public List<LoraWeight> appliedLoras() {
        return bundle.appliedLoras();
    }

    /** The family's conditioning of the UNet (what {@code bench} times as text encoding). */
    public Conditioner conditioner() { return conditioner; }

    /** The model's family, with the steps, guidance and scheduler it is meant to run with. */
    public ModelFamily family() { return bundle.info().familyKind(); }

    /** The scheduler to run when none is asked for: the family's, else the one the model's config names. */
    public SchedulerKind familyScheduler() {
        String name = family().defaultScheduler();
        return name == null ? defaultScheduler() : SchedulerKind.parse(name).orElse(defaultScheduler());
    }

    public ModelInfo info() { return bundle.info(); }

    public DeviceReport device() { return bundle.device(); }

    public ClipTokenizer tokenizer() { return tokenizer; }

    public StableDiffusionPipeline pipeline() { return pipeline; }

    public ModelBundle bundle() { return bundle; }

    public SchedulerConfig schedulerConfig() { return schedulerConfig; }

    /** The scheduler the model's own configuration names (PNDM for SD 1.5). */
    public SchedulerKind defaultScheduler() { return Schedulers.defaultKind(schedulerConfig); }

    /** A picture of a latent (scaled latent space, [1, C, h, w]) by the chosen decoder. */
    public BufferedImage preview(Tensor latent, PreviewKind kind) throws ModelException {
        switch (kind) {
            case LATENT_RGB:
                return latentPreview().toImage(latent);
            case TINY_DECODER:
                var tiny = bundle.previewDecoder();
                if (tiny.isPresent()) return picture(tiny.get().decode(latent), ModelBundle.PREVIEW_FOLDER + "/model.onnx");
                return picture(bundle.vaeDecoder().decode(latent), "vae_decoder/model.onnx");
            case FULL_VAE:
            default:
                return picture(bundle.vaeDecoder().decode(latent), "vae_decoder/model.onnx");
        }
    }

    /** A decoder's pixels as a picture; NaN would show as black, so it is refused naming the decoder. */
    private BufferedImage picture(Tensor pixels, String decoder) throws ModelException {
        FiniteCheck.require(pixels, bundle.info().name() + "/" + decoder, "decoding a preview", "finite pixels", "");
        return Images.fromTensor(pixels);
    }

    /**
     * SD 1.x/2.x latents use the published factor matrix; any other latent space (our own default
     * model) gets a matrix fitted once from the model's own decoder, so previews show true colours.
     */
    public LatentPreview latentPreview() throws ModelException {
        LatentPreview p = latentPreview;
        if (p == null) {
            synchronized (this) {
                p = latentPreview;
                if (p == null) {
                    // SDXL's latent space differs (its own VAE): fitted like any other.
                    ModelFamily f = family();
                    p = f != ModelFamily.CUSTOM && !f.sdxl() && bundle.info().latentChannels() == 4
                            ? LatentPreview.sd15() : fitPreview();
                    latentPreview = p;
                }
            }
        }
        return p;
    }

    private LatentPreview fitPreview() throws ModelException {
        ModelInfo info = bundle.info();
        int f = info.vaeScaleFactor();
        int size = Math.max(8, Math.min(info.nativeSampleSize(), 256) / f) * f;
        DiffusionModels.LatentDecoder decoder = bundle.vaeDecoder();
        Tensor latents;
        if (info.hasImageEncoder()) {
            // Colourful test card through the encoder: latents as real pictures produce them.
            latents = bundle.imageEncoder().encode(PreviewFitting.testCard(size, size));
        } else {
            latents = new dev.emergence.engine.random.TorchGenerator(0).randn(1, info.latentChannels(), size / f, size / f);
        }
        Tensor pixels = decoder.decode(latents);
        FiniteCheck.require(latents, info.name() + "/vae_encoder/model.onnx", "encoding the preview test card", "finite latents", "");
        FiniteCheck.require(pixels, info.name() + "/vae_decoder/model.onnx", "fitting the latent preview", "finite pixels", "");
        return LatentPreview.fit(latents, pixels);
    }

    @Override
    public void close() {
        synchronized (this) {
            controlNets.values().forEach(OnnxControlNet::close);
            controlNets.clear();
        }
        tokenizer.close();
        if (tokenizer2 != null) tokenizer2.close();
        bundle.close();
    }
}
