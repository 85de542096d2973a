package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.emergence.engine.lora.LoraChange;
import dev.emergence.engine.lora.LoraException;
import dev.emergence.engine.lora.LoraMerger;
import dev.emergence.engine.lora.LoraTarget;
import dev.emergence.engine.lora.LoraWeight;
import dev.emergence.engine.runtime.DeviceReport;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.runtime.OneShotRelease;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A Stable Diffusion model folder in the layout of a diffusers ONNX export, opened for inference:
 * {@code model_index.json}, {@code tokenizer/}, {@code scheduler/scheduler_config.json},
 * {@code text_encoder/}, {@code unet/}, {@code vae_decoder/}, and optionally {@code vae_encoder/}
 * and a TAESD-style preview decoder in {@code vae_preview/}. VAE settings come from
 * {@code vae_decoder/config.json} (or {@code vae/config.json}) when present. SDXL folders, as
 * {@code optimum-cli export onnx} writes them, add {@code text_encoder_2/} and {@code tokenizer_2/}.
 *
 * <p>The family ({@link ModelFamily}) is read from the files: a second text encoder, or a UNet
 * taking {@code text_embeds} and {@code time_ids}, or a {@code model_index.json} naming an XL
 * pipeline, is SDXL; a UNet taking {@code timestep_cond} is an LCM; trailing timesteps with an
 * Euler scheduler (or "turbo" in the folder's name) mark a Turbo model; otherwise the text width
 * tells SD 1.x (768) from SD 2.x (1024).
 *
 * <p>The text encoder, UNet and VAE decoder sessions are created by {@link #open} and reused for
 * every generation; the encoder and preview decoder on first use. Everything about tensor names,
 * types and shapes is read from the sessions. Close the bundle to release the sessions.
 *
 * <p>The sessions a generation runs once (text encoders, VAE encoder and decoder) may be released while
 * the UNet runs ({@link OneShotRelease}): when the UNet's first step of a generation starts, they are
 * closed, and each is opened again (from the graph cache) when next used. A text encoder carrying merged
 * LoRA weights is kept, since making it again would mean merging again.
 */
public final class ModelBundle implements AutoCloseable {
    /** The folder, inside a model folder, where the engine looks for a TAESD-style preview decoder. */
    public static final String PREVIEW_FOLDER = "vae_preview";
    /** Where OnnxStack's model sets keep the UNet that takes ControlNet residuals. */
    public static final String CONTROL_UNET_FOLDER = "controlnet";

    static final int DEFAULT_TEXT_LENGTH = 77;
    static final int DEFAULT_VAE_SCALE_FACTOR = 8;
    static final double DEFAULT_SCALING_FACTOR = 0.18215;
    private static final String LAYOUT = "expected a diffusers ONNX Stable Diffusion folder "
            + "(model_index.json, tokenizer/, scheduler/, text_encoder/, unet/, vae_decoder/)";

    private final Path folder;
    private final String name;
    private final ExecutionOptions options;
    // Replaced when LoRAs change (applyLoras); callers hold the views below, which follow them.
    private volatile OneShotSession<OnnxTextEncoder> textEncoder;
    /** Null for single-encoder families. */
    private volatile OneShotSession<OnnxTextEncoder> textEncoder2;
    /** Whether the one-shot sessions are released when a generation's denoising starts. */
    private final boolean releaseOneShot;
    /** Set by a text encoding, taken by the UNet's next run: that run is a generation's first step. */
    private final AtomicBoolean encodedSinceUnet = new AtomicBoolean();
    private final boolean forceZerosForEmptyPrompt;
    private final int guidanceEmbeddingWidth;
    private volatile OnnxDenoiser denoiser;
    /** The LoRAs each network's current session was made with (absent: none). */
    private final Map<LoraTarget, List<LoraWeight>> applied = new EnumMap<>(LoraTarget.class);
    private final DiffusionModels.TextEncoder textEncoderView;
    private final DiffusionModels.TextEncoder textEncoder2View;
    private final DiffusionModels.Denoiser denoiserView = new DenoiserView(() -> denoiser);
    private final OneShotSession<OnnxVaeDecoder> vaeDecoder;
    /** How the VAE decoder and encoder tile large pictures (from the VAE's config). */
    private final VaeTiling vaeTiling;
    private final DiffusionModels.LatentDecoder vaeDecoderView;
    private final ModelInfo info;
    private final SchedulerConfig schedulerConfig;
    /** Opened on first use. */
    private volatile OneShotSession<OnnxImageEncoder> imageEncoder;
    private final DiffusionModels.ImageEncoder imageEncoderView = new ImageEncoderView();
    /** The ControlNet UNet of {@value #CONTROL_UNET_FOLDER}/, opened on first use. */
    private OnnxDenoiser controlDenoiser;
    private DiffusionModels.Denoiser controlDenoiserView;
    private Optional<OnnxPreviewDecoder> previewDecoder;
    private boolean closed;

    private ModelBundle(Path folder, String name, ExecutionOptions options, OnnxTextEncoder textEncoder,
                        OnnxTextEncoder textEncoder2, boolean forceZerosForEmptyPrompt, int guidanceEmbeddingWidth,
                        OnnxDenoiser denoiser, OnnxVaeDecoder vaeDecoder, ModelInfo info, SchedulerConfig schedulerConfig,
                        boolean releaseOneShot) {
        this.folder = folder;
        this.name = name;
        this.options = options;
        this.releaseOneShot = releaseOneShot;
        this.textEncoder = encoderSession(OneShotPart.TEXT_ENCODER, textEncoder, true);
        this.textEncoder2 = textEncoder2 == null ? null : encoderSession(OneShotPart.TEXT_ENCODER_2, textEncoder2, true);
        this.textEncoderView = new EncoderView(() -> this.textEncoder, textEncoder.hiddenStateCount());
        this.textEncoder2View = textEncoder2 == null ? null : new EncoderView(() -> this.textEncoder2, textEncoder2.hiddenStateCount());
        this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
        this.guidanceEmbeddingWidth = guidanceEmbeddingWidth;
        this.denoiser = denoiser;
        int latentChannels = info.latentChannels();
        double scaling = info.latentScalingFactor();
        String decoderFile = OneShotPart.VAE_DECODER.file();
        // The tiles are the VAE config's; a decoder opened again tiles as the first did.
        VaeTiling tiling = vaeDecoder.tiling();
        this.vaeTiling = tiling;
        this.vaeDecoder = new OneShotSession<>(label(decoderFile), vaeDecoder, () -> {
            OnnxModel model = OnnxModel.open(folder.resolve(decoderFile), label(decoderFile), options.forOneShot(), folder);
            try {
                return new OnnxVaeDecoder(model, latentChannels, scaling, tiling);
            } catch (ModelException | RuntimeException e) {
                model.close();
                throw e;
            }
        }, d -> d.model().close());
        this.vaeDecoderView = new DiffusionModels.LatentDecoder() {
            @Override
            public Tensor decode(Tensor latents) throws ModelException {
                return ModelBundle.this.vaeDecoder.use(d -> d.decode(latents));
            }

            @Override
            public Tensor decode(Tensor latents, VaeTiling.Mode mode) throws ModelException {
                return ModelBundle.this.vaeDecoder.use(d -> d.decode(latents, mode));
            }
        };
        this.info = info;
        this.schedulerConfig = schedulerConfig;
    }

    private String label(String relative) {
        return name + "/" + relative;
    }

    /** The holder of a text encoder's session; one with its own weights can be opened again, one with merged LoRAs not. */
    private OneShotSession<OnnxTextEncoder> encoderSession(OneShotPart part, OnnxTextEncoder first, boolean ownWeights) {
        String file = part.file();
        OneShotSession.Opener<OnnxTextEncoder> opener = !ownWeights ? null : () -> {
            OnnxModel model = OnnxModel.open(folder.resolve(file), label(file), options.forOneShot(), folder);
            try {
                return new OnnxTextEncoder(model);
            } catch (ModelException | RuntimeException e) {
                model.close();
                throw e;
            }
        };
        return new OneShotSession<>(label(file), first, opener, e -> e.model().close());
    }

    /**
     * Opens the model folder {@code dir}: checks its files, creates the sessions, and reads what the
     * model is. Every problem is a {@link ModelException} with one line naming the file and what was expected.
     *
     * <p>The UNet's input channels (4, or 9 for inpainting) come from its declared shape, else from
     * {@code unet/config.json}, else from the weight of the graph's first convolution (diffusers' converter
     * writes neither the shape nor the config); only when none tells does the UNet run once on 8×8 zeros.
     * The text encoder, UNet and VAE decoder sessions are created side by side when memory allows
     * ({@link SessionLoader}).
     */
    public static ModelBundle open(Path dir, ExecutionOptions options) throws ModelException {
        Path folder = dir.toAbsolutePath().normalize();
        if (!Files.exists(folder)) throw new ModelException(dir + ": model folder not found");
        if (!Files.isDirectory(folder)) throw new ModelException(dir + ": not a folder; " + LAYOUT);
        String name = DefaultModel.nameOf(folder);
        FolderContainment.requireContained(folder, name);
        Layout files = new Layout(folder, name);

        files.require("model_index.json");
        JsonNode index = JsonFiles.read(files.path("model_index.json"), files.label("model_index.json"));
        String pipelineClass = index.path("_class_name").isTextual() ? index.path("_class_name").asText() : "";
        // The SDXL refiner (an XL img2img pipeline) has only the second text encoder: say so before
        // the first one is found missing.
        if (pipelineClass.contains("XL") && pipelineClass.contains("Img2Img") && !Files.exists(files.path("text_encoder"))) {
            throw new ModelException(files.label("model_index.json") + ": names " + pipelineClass + " without text_encoder/"
                    + " (the SDXL refiner), which is not supported; expected an SDXL base, Turbo or LCM model");
        }
        files.require("scheduler/scheduler_config.json");
        files.requireTokenizer("tokenizer", LAYOUT);
        files.require("text_encoder/model.onnx");
        files.require("unet/model.onnx");
        files.require("vae_decoder/model.onnx");
        boolean xlFiles = Files.exists(files.path("text_encoder_2")) || Files.exists(files.path("tokenizer_2"))
                || pipelineClass.contains("XL");
        // Validated here, so a model whose schedule would give black pictures never opens.
        SchedulerConfig scheduler = SchedulerConfig.read(files.path("scheduler/scheduler_config.json"),
                files.label("scheduler/scheduler_config.json"));
        String vaeFile = Files.isRegularFile(files.path("vae_decoder/config.json")) ? "vae_decoder/config.json" : "vae/config.json";
        String vaeLabel = files.label(vaeFile);
        Optional<JsonNode> vaeConfig = JsonFiles.readIfPresent(files.path(vaeFile), vaeLabel);
        String unetLabel = files.label("unet/config.json");
        Optional<JsonNode> unetConfig = JsonFiles.readIfPresent(files.path("unet/config.json"), unetLabel);
        String tokenizerLabel = files.label("tokenizer/tokenizer_config.json");
        Optional<JsonNode> tokenizerConfig = JsonFiles.readIfPresent(files.path("tokenizer/tokenizer_config.json"), tokenizerLabel);
        OptionalInt configuredLength = tokenizerConfig.isPresent()
                ? ModelLimits.modelMaxLength(tokenizerConfig.get(), tokenizerLabel) : OptionalInt.empty();

        // What the configs say of sizes, checked before any is multiplied or shifted.
        int blocks = JsonFiles.arrayLength(vaeConfig, vaeLabel, "block_out_channels", 1, ModelLimits.MAX_VAE_BLOCKS).orElse(0);
        int vaeScaleFactor = blocks > 0 ? 1 << (blocks - 1) : DEFAULT_VAE_SCALE_FACTOR;
        double scaling = JsonFiles.number(vaeConfig, vaeLabel, "scaling_factor",
                ModelLimits.MIN_SCALING_FACTOR, ModelLimits.MAX_SCALING_FACTOR).orElse(DEFAULT_SCALING_FACTOR);
        OptionalInt configuredLatentChannels = JsonFiles.integer(vaeConfig, vaeLabel, "latent_channels", 1, ModelLimits.MAX_LATENT_CHANNELS);
        OptionalInt unetSampleSize = JsonFiles.integer(unetConfig, unetLabel, "sample_size", 1, ModelLimits.MAX_SAMPLE_PIXELS / vaeScaleFactor);
        OptionalInt vaeSampleSize = JsonFiles.integer(vaeConfig, vaeLabel, "sample_size", 1, ModelLimits.MAX_SAMPLE_PIXELS);
        OptionalInt configuredInChannels = JsonFiles.integer(unetConfig, unetLabel, "in_channels", 1, 4 * ModelLimits.MAX_LATENT_CHANNELS);
        OptionalInt crossAttentionDim = JsonFiles.integer(unetConfig, unetLabel, "cross_attention_dim", 1, ModelLimits.MAX_TEXT_WIDTH);

        OptionalInt configuredTimeCondDim = JsonFiles.integer(unetConfig, unetLabel, "time_cond_proj_dim", 2, 1 << 16);

        List<OnnxModel> opened = new ArrayList<>();
        // The text encoder and the VAE decoder run once per generation: their own arenas would keep
        // their largest buffers beside the UNet's (CpuMemory).
        SessionLoader sessions = new SessionLoader(files, List.of(
                new SessionLoader.Part("text_encoder/model.onnx", options.forOneShot()),
                new SessionLoader.Part("unet/model.onnx", options),
                new SessionLoader.Part("vae_decoder/model.onnx", options.forOneShot())));
        try {
            OnnxTextEncoder textEncoder = new OnnxTextEncoder(sessions.get(0, opened));
            OnnxDenoiser denoiser = new OnnxDenoiser(sessions.get(1, opened));
            boolean sdxl = xlFiles || denoiser.extraInputs().containsKey("text_embeds");
            OnnxTextEncoder textEncoder2 = null;
            if (sdxl) {
                textEncoder2 = openSdxlParts(files, textEncoder, denoiser, pipelineClass, options, opened);
            }
            int guidanceWidth = 0;
            TensorSpec timestepCond = denoiser.extraInputs().get("timestep_cond");
            if (timestepCond != null) {
                guidanceWidth = timestepCond.isStatic(1) ? (int) Math.min(timestepCond.dim(1), Integer.MAX_VALUE)
                        : configuredTimeCondDim.orElse(-1);
                if (guidanceWidth < 2 || guidanceWidth > (1 << 16)) {
                    throw denoiser.model().error("takes timestep_cond of no known width; expected a static width or "
                            + "time_cond_proj_dim in " + unetLabel);
                }
            }
            boolean forceZeros = index.path("force_zeros_for_empty_prompt").asBoolean(sdxl);

            int textLength = firstOf(positive(textEncoder.declaredLength()), staticDim(denoiser.textSpec(), 1), configuredLength)
                    .orElse(DEFAULT_TEXT_LENGTH);
            if (textLength < ModelLimits.MIN_TEXT_LENGTH || textLength > ModelLimits.MAX_TEXT_LENGTH) {
                throw new ModelException(files.label("text_encoder/model.onnx") + ": takes " + textLength + " tokens per window; expected "
                        + ModelLimits.MIN_TEXT_LENGTH + " to " + ModelLimits.MAX_TEXT_LENGTH + " (CLIP takes 77)");
            }
            int textWidth = sdxl ? sdxlTextWidth(files, textEncoder, textEncoder2, denoiser, textLength)
                    : textWidth(files, textEncoder, denoiser, crossAttentionDim, textLength);
            if (textWidth < 1 || textWidth > ModelLimits.MAX_TEXT_WIDTH) {
                throw new ModelException(files.label("text_encoder/model.onnx") + ": gives embeddings " + textWidth + " wide; expected 1 to "
                        + ModelLimits.MAX_TEXT_WIDTH + " (SD 1.x: 768, 2.x: 1024)");
            }

            if (denoiser.inChannels() < 0) {
                // unet/config.json, else the graph's first convolution; a run of the UNet only when neither tells.
                OptionalInt configured = configuredInChannels;
                if (configured.isEmpty() || (configured.getAsInt() != 4 && configured.getAsInt() != 9)) {
                    configured = graphInChannels(files, denoiser);
                }
                denoiser.setInChannels(configured.isPresent() ? configured.getAsInt() : denoiser.probeInChannels(textLength, textWidth));
            }

            int latentChannels = firstOf(configuredLatentChannels, staticDim(denoiser.outputSpec(), 1)).orElse(4);
            if (latentChannels < 1 || latentChannels > ModelLimits.MAX_LATENT_CHANNELS) {
                throw denoiser.model().error("predicts " + latentChannels + " latent channels; expected 1 to " + ModelLimits.MAX_LATENT_CHANNELS);
            }
            if (denoiser.outputSpec().isStatic(1) && denoiser.outputSpec().dim(1) != latentChannels) {
                throw denoiser.model().error("predicts " + denoiser.outputSpec().dim(1) + " channels but the VAE has "
                        + latentChannels + " latent channels");
            }
            String prediction = scheduler.predictionType();

            OnnxVaeDecoder vaeDecoder = new OnnxVaeDecoder(sessions.get(2, opened), latentChannels, scaling,
                    VaeTiling.of(vaeSampleSize, vaeScaleFactor));

            String nativeSource;
            int nativeSize;
            TensorSpec sample = denoiser.sampleSpec();
            if (sample.isStatic(2)) {
                if (sample.dim(2) < 1 || sample.dim(2) > ModelLimits.MAX_SAMPLE_PIXELS / vaeScaleFactor) {
                    throw denoiser.model().error("takes samples " + sample.dim(2) + " latent pixels high; expected 1 to "
                            + ModelLimits.MAX_SAMPLE_PIXELS / vaeScaleFactor);
                }
                nativeSize = (int) sample.dim(2) * vaeScaleFactor;
                nativeSource = "the UNet's fixed input shape";
            } else if (unetSampleSize.isPresent()) {
                nativeSize = unetSampleSize.getAsInt() * vaeScaleFactor;
                nativeSource = "unet/config.json";
            } else if (vaeSampleSize.isPresent()) {
                nativeSize = vaeSampleSize.getAsInt();
                nativeSource = vaeFile;
            } else if (sdxl) {
                nativeSize = 1024;
                nativeSource = "default for SDXL";
            } else if (textWidth == 1024 && prediction.equals("v_prediction")) {
                nativeSize = 768;
                nativeSource = "default for SD 2.x v-prediction";
            } else {
                nativeSize = 512;
                nativeSource = "default";
            }

            ModelFamily family = familyOf(folder, sdxl, guidanceWidth > 0, textWidth, scheduler);
            if (family == ModelFamily.SDXL_TURBO && nativeSource.startsWith("default")) {
                nativeSize = 512;
                nativeSource = "default for SDXL-Turbo";
            }
            ModelInfo info = new ModelInfo(
                    name,
                    folder.toString(),
                    family.label(),
                    denoiser.inChannels() == 9,
                    denoiser.inChannels(),
                    latentChannels,
                    textWidth,
                    textLength,
                    prediction,
                    scheduler.className() == null ? "unknown" : scheduler.className(),
                    vaeScaleFactor,
                    scaling,
                    nativeSize,
                    nativeSource,
                    sample.type() == ElementType.FLOAT16,
                    denoiser.timestepType(),
                    denoiser.fixedBatch() > 0,
                    Files.isRegularFile(files.path("vae_encoder/model.onnx")),
                    Files.isRegularFile(files.path(PREVIEW_FOLDER + "/model.onnx")),
                    sizeOnDisk(folder));
            boolean release = options.oneShotRelease().releases(sizeOnDisk(files.path("unet")), !denoiser.model().device().onCuda());
            return new ModelBundle(folder, name, options, textEncoder, textEncoder2, forceZeros, guidanceWidth,
                    denoiser, vaeDecoder, info, scheduler, release);
        } catch (ModelException | RuntimeException e) {
            sessions.finish(opened);
            opened.forEach(OnnxModel::close);
            throw e;
        }
    }

    /** The UNet's input channels as its graph's first convolution takes them (4, or 9), when the graph is readable. */
    private static OptionalInt graphInChannels(Layout files, OnnxDenoiser denoiser) {
        try {
            OptionalInt channels = dev.emergence.engine.onnx.OnnxGraph.read(files.path("unet/model.onnx"), files.label("unet/model.onnx"),
                    files.folder).convInputChannels(denoiser.sampleSpec().name());
            return channels.isPresent() && (channels.getAsInt() == 4 || channels.getAsInt() == 9) ? channels : OptionalInt.empty();
        } catch (ModelException | RuntimeException e) {
            return OptionalInt.empty(); // the probe run decides
        }
    }

    /**
     * Checks and opens what an SDXL folder has beyond SD's: the second text encoder and tokenizer, and
     * a UNet taking text_embeds and time_ids. Both encoders must export their hidden states, since
     * SDXL conditions on their penultimate layers.
     */
    private static OnnxTextEncoder openSdxlParts(Layout files, OnnxTextEncoder textEncoder, OnnxDenoiser denoiser,
                                                 String pipelineClass, ExecutionOptions options, List<OnnxModel> opened)
            throws ModelException {
        String why = pipelineClass.contains("XL") ? "model_index.json names " + pipelineClass
                : denoiser.extraInputs().containsKey("text_embeds") ? "unet/model.onnx takes text_embeds and time_ids"
                : "the folder has SDXL's second text encoder or tokenizer";
        if (!Files.isRegularFile(files.path("text_encoder_2/model.onnx"))) {
            throw new ModelException(files.label("text_encoder_2/model.onnx") + " not found: an SDXL model (" + why
                    + ") needs its second text encoder; expected text_encoder/, text_encoder_2/, tokenizer/, tokenizer_2/, unet/, vae_decoder/");
        }
        files.requireTokenizer("tokenizer_2", "an SDXL model (" + why + ") needs the second encoder's tokenizer");
        if (!denoiser.extraInputs().containsKey("text_embeds")) {
            throw denoiser.model().error("takes " + OnnxModel.describe(denoiser.model().inputs()) + " but " + why
                    + "; expected an SDXL UNet taking sample, timestep, encoder_hidden_states, text_embeds and time_ids");
        }
        OnnxTextEncoder second = new OnnxTextEncoder(files.openModel("text_encoder_2/model.onnx", options.forOneShot(), opened));
        for (OnnxTextEncoder e : new OnnxTextEncoder[] {textEncoder, second}) {
            if (e.hiddenStateCount() < 2) {
                throw e.model().error("exports no hidden states; SDXL conditions on the penultimate layer, expected outputs "
                        + "hidden_states.0 to hidden_states.N (optimum exports them)");
            }
        }
        TensorSpec pooled = second.pooledSpec().orElseThrow(() -> second.model().error(
                "has no pooled output; expected 'text_embeds' [B,1280] (CLIPTextModelWithProjection)"));
        TensorSpec textEmbeds = denoiser.extraInputs().get("text_embeds");
        if (pooled.isStatic(1) && textEmbeds.isStatic(1) && pooled.dim(1) != textEmbeds.dim(1)) {
            throw denoiser.model().error("takes text_embeds " + textEmbeds.dim(1) + " wide but "
                    + files.label("text_encoder_2/model.onnx") + " pools to " + pooled.dim(1));
        }
        TensorSpec timeIds = denoiser.extraInputs().get("time_ids");
        if (timeIds.isStatic(1) && timeIds.dim(1) != 6) {
            throw denoiser.model().error("takes time_ids " + timeIds.dim(1) + " wide; expected 6 (original size, crop, target size)"
                    + " — a refiner's 5-wide ids are not supported");
        }
        return second;
    }

    /** SDXL's text width: both encoders' hidden states side by side (768 + 1280 = 2048). */
    private static int sdxlTextWidth(Layout files, OnnxTextEncoder first, OnnxTextEncoder second, OnnxDenoiser denoiser,
                                     int textLength) throws ModelException {
        int w1 = stateWidth(first, textLength), w2 = stateWidth(second, textLength);
        int unetWidth = staticDim(denoiser.textSpec(), 2).orElse(-1);
        if (unetWidth > 0 && unetWidth != w1 + w2) {
            throw new ModelException(files.label("unet/model.onnx") + ": takes encoder_hidden_states " + unetWidth + " wide but "
                    + files.label("text_encoder/model.onnx") + " and text_encoder_2 give " + w1 + " + " + w2);
        }
        return w1 + w2;
    }

    /** The width of an encoder's hidden states: declared, else seen by encoding one empty window. */
    private static int stateWidth(OnnxTextEncoder encoder, int textLength) throws ModelException {
        int declared = encoder.declaredStateWidth();
        return declared > 0 ? declared : encoder.encodeStates(new int[1][textLength], 2).hidden().dim(2);
    }

    /** The family the model's files show (see the class comment). */
    static ModelFamily familyOf(Path folder, boolean sdxl, boolean guidanceEmbedded, int textWidth, SchedulerConfig scheduler) {
        if (guidanceEmbedded) return sdxl ? ModelFamily.LCM_SDXL : ModelFamily.LCM;
        if ("LCMScheduler".equals(scheduler.className())) return ModelFamily.LCM_LORA;
        String folderName = folder.getFileName() == null ? "" : folder.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean turbo = folderName.contains("turbo") || ("trailing".equals(scheduler.timestepSpacing())
                && scheduler.className() != null && scheduler.className().startsWith("Euler"));
        if (sdxl) return turbo ? ModelFamily.SDXL_TURBO : ModelFamily.SDXL;
        switch (textWidth) {
            case 768: return ModelFamily.SD1;
            case 1024: return turbo ? ModelFamily.SD_TURBO : ModelFamily.SD2;
            default: return ModelFamily.CUSTOM;
        }
    }

    private static int textWidth(Layout files, OnnxTextEncoder textEncoder, OnnxDenoiser denoiser,
                                 OptionalInt configured, int textLength) throws ModelException {
        int unetWidth = staticDim(denoiser.textSpec(), 2).orElse(-1);
        int encoderWidth = textEncoder.declaredWidth();
        if (unetWidth > 0 && encoderWidth > 0 && unetWidth != encoderWidth) {
            throw new ModelException(files.label("unet/model.onnx") + ": takes encoder_hidden_states " + unetWidth
                    + " wide but " + files.label("text_encoder/model.onnx") + " gives " + encoderWidth);
        }
        if (unetWidth > 0) return unetWidth;
        if (encoderWidth > 0) return encoderWidth;
        if (configured.isPresent()) return configured.getAsInt();
        // Neither declares it: encode one empty prompt and look.
        Tensor probe = textEncoder.encode(new int[1][textLength]);
        return probe.dim(2);
    }

    /** The execution options the folder was opened with (a ControlNet used with it opens with the same). */
    public ExecutionOptions options() {
        return options;
    }

    public ModelInfo info() {
        return info;
    }

    public Path folder() {
        return folder;
    }

    /** Where the UNet's session graph came from: "cached", "written" or "original" ({@link OnnxModel#graphSource()}). */
    public String unetGraphSource() {
        return denoiser.model().graphSource();
    }

    /** The device the UNet runs on, and why. */
    public DeviceReport device() {
        return denoiser.model().device();
    }

    public Path tokenizerDir() {
        return folder.resolve("tokenizer");
    }

    /** The model's scheduler/scheduler_config.json, read and validated when the bundle was opened. */
    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    public Path schedulerConfigFile() {
        return folder.resolve("scheduler").resolve("scheduler_config.json");
    }

    /** The text encoder; it follows the session LoRAs last made ({@link #applyLoras}). */
    public DiffusionModels.TextEncoder textEncoder() {
        checkOpen();
        return textEncoderView;
    }

    /** The UNet; it follows the session LoRAs last made ({@link #applyLoras}). */
    public DiffusionModels.Denoiser denoiser() {
        checkOpen();
        return denoiserView;
    }

    /** SDXL's second text encoder (text_encoder_2/), or empty for single-encoder families. */
    public Optional<DiffusionModels.TextEncoder> textEncoder2() {
        checkOpen();
        return textEncoder2 == null ? Optional.empty() : Optional.of(textEncoder2View);
    }

    /**
     * Makes the UNet and text encoder sessions carry {@code loras} merged into their weights (none: the
     * model's own weights), rebuilding only the sessions whose LoRAs change. Nothing on disk is written.
     * On any failure (a bad file, one that matches nothing, cancellation) the current sessions stay as they were.
     *
     * @param progress  told after each merged weight
     * @param cancelled asked between weights; true stops with a CancellationException
     */
    public synchronized LoraChange applyLoras(List<LoraWeight> loras, LoraMerger.Progress progress,
                                              BooleanSupplier cancelled) throws ModelException, LoraException {
        checkOpen();
        Set<LoraTarget> encoders = textEncoder2 == null ? EnumSet.of(LoraTarget.TEXT_ENCODER)
                : EnumSet.of(LoraTarget.TEXT_ENCODER, LoraTarget.TEXT_ENCODER_2);
        LoraSessions.Built built = LoraSessions.build(folder, name, options, loras, applied, encoders, progress, cancelled);
        // Wrapped (and so checked) before anything is swapped: a failure here leaves the current sessions.
        OnnxDenoiser nextDenoiser = null;
        Map<LoraTarget, OnnxTextEncoder> nextEncoders = new EnumMap<>(LoraTarget.class);
        try {
            for (Map.Entry<LoraTarget, OnnxModel> e : built.models().entrySet()) {
                if (e.getKey() == LoraTarget.UNET) {
                    nextDenoiser = new OnnxDenoiser(e.getValue());
                    nextDenoiser.setInChannels(denoiser.inChannels());
                } else {
                    nextEncoders.put(e.getKey(), new OnnxTextEncoder(e.getValue()));
                }
            }
        } catch (ModelException | RuntimeException e) {
            built.models().values().forEach(OnnxModel::close);
            throw e;
        }
        List<AutoCloseable> replaced = new ArrayList<>();
        if (nextDenoiser != null) {
            replaced.add(denoiser.model());
            denoiser = nextDenoiser;
        }
        // A text encoder with merged LoRAs is kept while the UNet runs: opening it again would mean merging again.
        if (nextEncoders.containsKey(LoraTarget.TEXT_ENCODER)) {
            replaced.add(textEncoder);
            textEncoder = encoderSession(OneShotPart.TEXT_ENCODER, nextEncoders.get(LoraTarget.TEXT_ENCODER),
                    built.applied().get(LoraTarget.TEXT_ENCODER).isEmpty());
        }
        if (nextEncoders.containsKey(LoraTarget.TEXT_ENCODER_2)) {
            replaced.add(textEncoder2);
            textEncoder2 = encoderSession(OneShotPart.TEXT_ENCODER_2, nextEncoders.get(LoraTarget.TEXT_ENCODER_2),
                    built.applied().get(LoraTarget.TEXT_ENCODER_2).isEmpty());
        }
        // Closed after the swap; a holder's close waits for a run still using it.
        for (AutoCloseable r : replaced) {
            try {
                r.close();
            } catch (Exception e) {
                throw new IllegalStateException(e); // neither OnnxModel nor OneShotSession throws on close
            }
        }
        for (LoraTarget t : built.models().keySet()) {
            List<LoraWeight> now = built.applied().get(t);
            if (now.isEmpty()) applied.remove(t);
            else applied.put(t, now);
        }
        return new LoraChange(built.notices(), built.models().keySet());
    }

    /** The LoRAs the current sessions carry, in the order given, each once. */
    public synchronized List<LoraWeight> appliedLoras() {
        Set<LoraWeight> all = new LinkedHashSet<>();
        applied.values().forEach(all::addAll);
        return List.copyOf(all);
    }

    public Path tokenizer2Dir() {
        return folder.resolve("tokenizer_2");
    }

    /**
     * model_index.json's {@code force_zeros_for_empty_prompt} (SDXL's default true): an empty
     * negative prompt conditions on zeros rather than on the encoded empty text.
     */
    public boolean forceZerosForEmptyPrompt() {
        return forceZerosForEmptyPrompt;
    }

    /** The width of an LCM UNet's timestep_cond (its {@code time_cond_proj_dim}), or 0 when it takes none. */
    public int guidanceEmbeddingWidth() {
        return guidanceEmbeddingWidth;
    }

    /**
     * Times bare ONNX Runtime runs of the UNet on these inputs (converted once, outside the timing),
     * so a benchmark can report the engine's overhead over them.
     */
    public long[] timeRawUnetRuns(Tensor sample, double timestep, Tensor encoderHiddenStates,
                                  java.util.Map<String, Tensor> extraInputs, int runs) throws ModelException {
        return timeRawUnetRuns(sample, timestep, encoderHiddenStates, extraInputs, runs, false);
    }

    /**
     * As {@link #timeRawUnetRuns(Tensor, double, Tensor, Map, int)}; {@code last} runs them as a generation's
     * last step runs (the UNet's arena shrunk afterwards when the options say so), so a benchmark pairing
     * them with the engine's last step leaves memory as the generation alone would.
     */
    public long[] timeRawUnetRuns(Tensor sample, double timestep, Tensor encoderHiddenStates,
                                  java.util.Map<String, Tensor> extraInputs, int runs, boolean last) throws ModelException {
        checkOpen();
        return denoiser.timeRawRuns(sample, timestep, encoderHiddenStates, extraInputs, runs, last);
    }

    /** How the VAE decoder and encoder tile large pictures. */
    VaeTiling vaeTiling() {
        return vaeTiling;
    }

    /** The VAE decoder; it divides by the latent scaling factor itself and decodes one image at a time. */
    public DiffusionModels.LatentDecoder vaeDecoder() {
        checkOpen();
        return vaeDecoderView;
    }

    /** The VAE encoder, loaded on first use; its latents come multiplied by the scaling factor. */
    public synchronized DiffusionModels.ImageEncoder imageEncoder() throws ModelException {
        checkOpen();
        if (imageEncoder == null) {
            Path file = folder.resolve("vae_encoder").resolve("model.onnx");
            if (!Files.isRegularFile(file)) {
                throw new ModelException(name + " has no vae_encoder/model.onnx: img2img and inpainting need it");
            }
            imageEncoder = new OneShotSession<>(label(OneShotPart.VAE_ENCODER.file()), openImageEncoder(), this::openImageEncoder,
                    e -> e.model().close());
        }
        return imageEncoderView;
    }

    private OnnxImageEncoder openImageEncoder() throws ModelException {
        return OnnxImageEncoder.open(folder.resolve(OneShotPart.VAE_ENCODER.file()), label(OneShotPart.VAE_ENCODER.file()),
                options.forOneShot(), folder, info.latentChannels(), info.vaeScaleFactor(), info.latentScalingFactor(), vaeTiling);
    }

    /** Whether this model releases its one-shot sessions while the UNet runs ({@link ExecutionOptions#oneShotRelease()}). */
    public boolean releasesOneShotSessions() {
        return releaseOneShot;
    }

    /**
     * Closes the one-shot sessions (text encoders, VAE encoder and decoder) that are open and not in use
     * on another thread, whatever the options say; each is opened again when next used. A text encoder
     * carrying merged LoRAs is kept.
     *
     * @return how many were closed
     */
    public int releaseOneShotSessions() {
        checkOpen();
        int released = 0;
        for (OneShotSession<?> s : oneShotSessions()) if (s.release()) released++;
        return released;
    }

    /** How many times the session of {@code part} was opened (1 at first, one more per re-creation; 0: not opened yet or absent). */
    public int sessionOpens(OneShotPart part) {
        OneShotSession<?> s = sessionOf(part);
        return s == null ? 0 : s.opens();
    }

    /** Whether the session of {@code part} is open now. */
    public boolean sessionResident(OneShotPart part) {
        OneShotSession<?> s = sessionOf(part);
        return s != null && s.resident();
    }

    /** The time spent opening one-shot sessions again after releases, all of them together, in nanoseconds. */
    public long oneShotReopenNanos() {
        long sum = 0;
        for (OneShotSession<?> s : oneShotSessions()) sum += s.reopenNanos();
        return sum;
    }

    private OneShotSession<?> sessionOf(OneShotPart part) {
        return switch (part) {
            case TEXT_ENCODER -> textEncoder;
            case TEXT_ENCODER_2 -> textEncoder2;
            case VAE_ENCODER -> imageEncoder;
            case VAE_DECODER -> vaeDecoder;
        };
    }

    private List<OneShotSession<?>> oneShotSessions() {
        List<OneShotSession<?>> all = new ArrayList<>();
        for (OneShotPart p : OneShotPart.values()) {
            OneShotSession<?> s = sessionOf(p);
            if (s != null) all.add(s);
        }
        return all;
    }

    /** Before each UNet run: the first of a generation's (one after a text encoding) releases the one-shot sessions. */
    private void beforeUnetRun() {
        if (releaseOneShot && encodedSinceUnet.getAndSet(false)) {
            for (OneShotSession<?> s : oneShotSessions()) s.release();
        }
    }

    /**
     * Whether ControlNets can steer this model: its unet/ takes their residuals or the folder has
     * {@value #CONTROL_UNET_FOLDER}/model.onnx (not opened here; {@link #controlDenoiser} checks it).
     */
    public boolean takesControlNets() {
        return !denoiser.residualSpecs().isEmpty() || Files.isRegularFile(folder.resolve(CONTROL_UNET_FOLDER).resolve("model.onnx"));
    }

    /**
     * The UNet a ControlNet feeds: {@code unet/model.onnx} itself when it takes the residuals, else
     * {@value #CONTROL_UNET_FOLDER}/model.onnx (OnnxStack's model sets), loaded on first use.
     *
     * @throws ModelException when the folder has no UNet that takes ControlNet residuals
     */
    public synchronized DiffusionModels.Denoiser controlDenoiser() throws ModelException {
        checkOpen();
        if (!denoiser.residualSpecs().isEmpty()) return denoiserView;
        if (controlDenoiserView != null) return controlDenoiserView;
        if (controlDenoiser == null) {
            String relative = CONTROL_UNET_FOLDER + "/model.onnx";
            Path file = folder.resolve(CONTROL_UNET_FOLDER).resolve("model.onnx");
            if (!Files.isRegularFile(file)) {
                throw new ModelException(name + ": has no ControlNet UNet: unet/model.onnx takes no ControlNet residuals and there is no "
                        + relative + "; expected a UNet with inputs down_block_N_additional_residual and mid_block_additional_residual in "
                        + relative + " (OnnxStack's layout) or in unet/model.onnx");
            }
            OnnxModel model = OnnxModel.open(file, name + "/" + relative, options, folder);
            try {
                OnnxDenoiser d = new OnnxDenoiser(model);
                if (d.residualSpecs().isEmpty()) {
                    throw model.error("takes no ControlNet residuals; expected inputs down_block_N_additional_residual and "
                            + "mid_block_additional_residual (OnnxStack's ControlNet UNet)");
                }
                if (!d.extraInputs().keySet().equals(denoiser.extraInputs().keySet())) {
                    throw model.error("takes the extra inputs " + d.extraInputs().keySet() + " but unet/model.onnx takes "
                            + denoiser.extraInputs().keySet() + "; expected the ControlNet UNet of the same model");
                }
                d.setInChannels(denoiser.inChannels());
                controlDenoiser = d;
                controlDenoiserView = new DenoiserView(() -> d);
            } catch (ModelException | RuntimeException e) {
                model.close();
                throw e;
            }
        }
        return controlDenoiserView;
    }

    /** The TAESD-style preview decoder in {@value #PREVIEW_FOLDER}/, loaded on first use; empty when the folder has none. */
    public synchronized Optional<DiffusionModels.LatentDecoder> previewDecoder() throws ModelException {
        checkOpen();
        if (previewDecoder == null) {
            Path file = folder.resolve(PREVIEW_FOLDER).resolve("model.onnx");
            if (!Files.isRegularFile(file)) {
                previewDecoder = Optional.empty();
            } else {
                OnnxModel model = OnnxModel.open(file, name + "/" + PREVIEW_FOLDER + "/model.onnx", options, folder);
                try {
                    previewDecoder = Optional.of(new OnnxPreviewDecoder(model, info.latentChannels()));
                } catch (ModelException e) {
                    model.close();
                    throw e;
                }
            }
        }
        return previewDecoder.map(d -> d);
    }

    /** A text encoder that follows whichever session is current, opening it again after a release. */
    private final class EncoderView implements DiffusionModels.TextEncoder {
        private final Supplier<OneShotSession<OnnxTextEncoder>> current;
        /** Fixed by the graph, so asking for it never opens a released session. */
        private final int hiddenStateCount;

        EncoderView(Supplier<OneShotSession<OnnxTextEncoder>> current, int hiddenStateCount) {
            this.current = current;
            this.hiddenStateCount = hiddenStateCount;
        }

        @Override
        public Tensor encode(int[][] tokenIds) throws ModelException {
            return use(e -> e.encode(tokenIds));
        }

        @Override
        public DiffusionModels.TextStates encodeStates(int[][] tokenIds, int fromEnd) throws ModelException {
            return use(e -> e.encodeStates(tokenIds, fromEnd));
        }

        /** Runs on the current session; one replaced by a LoRA change while asked for is retried on its successor. */
        private <R> R use(OneShotSession.Use<OnnxTextEncoder, R> use) throws ModelException {
            encodedSinceUnet.set(true);
            while (true) {
                OneShotSession<OnnxTextEncoder> session = current.get();
                try {
                    return session.use(use);
                } catch (OneShotSession.ClosedException e) {
                    if (session == current.get()) throw e; // the model itself is closed
                }
            }
        }

        @Override
        public int hiddenStateCount() {
            return hiddenStateCount;
        }
    }

    /** A UNet that follows whichever session is current; a generation's first step releases the one-shot sessions. */
    private final class DenoiserView implements DiffusionModels.Denoiser {
        private final Supplier<OnnxDenoiser> current;

        DenoiserView(Supplier<OnnxDenoiser> current) {
            this.current = current;
        }

        @Override
        public Tensor predict(Tensor sample, double timestep, Tensor encoderHiddenStates) throws ModelException {
            beforeUnetRun();
            return current.get().predict(sample, timestep, encoderHiddenStates);
        }

        @Override
        public Tensor predict(Tensor sample, double timestep, Tensor encoderHiddenStates, Map<String, Tensor> extraInputs)
                throws ModelException {
            beforeUnetRun();
            return current.get().predict(sample, timestep, encoderHiddenStates, extraInputs);
        }

        @Override
        public Tensor predictLast(Tensor sample, double timestep, Tensor encoderHiddenStates, Map<String, Tensor> extraInputs)
                throws ModelException {
            beforeUnetRun();
            return current.get().predictLast(sample, timestep, encoderHiddenStates, extraInputs);
        }

        @Override
        public List<String> residualInputs() {
            return current.get().residualInputs();
        }
    }

    /** The VAE encoder, opened again after a release; its notices are handed out once for the model, not once per session. */
    private final class ImageEncoderView implements DiffusionModels.ImageEncoder {
        private final Set<String> given = ConcurrentHashMap.newKeySet();

        @Override
        public Tensor encode(Tensor pixels) throws ModelException {
            return imageEncoder.use(e -> e.encode(pixels));
        }

        @Override
        public Tensor encode(Tensor pixels, dev.emergence.engine.random.TorchGenerator generator) throws ModelException {
            return imageEncoder.use(e -> e.encode(pixels, generator));
        }

        @Override
        public Tensor encode(Tensor pixels, dev.emergence.engine.random.TorchGenerator generator, VaeTiling.Mode mode) throws ModelException {
            return imageEncoder.use(e -> e.encode(pixels, generator, mode));
        }

        @Override
        public List<String> takeNotices() {
            List<String> notices;
            try {
                notices = imageEncoder.use(OnnxImageEncoder::takeNotices);
            } catch (ModelException e) {
                return List.of(); // it could not be opened again; the encode that needs it says why
            }
            return notices.stream().filter(given::add).toList();
        }
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException(name + " is closed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        textEncoder.close();
        if (textEncoder2 != null) textEncoder2.close();
        denoiser.model().close();
        vaeDecoder.close();
        if (imageEncoder != null) imageEncoder.close();
        if (controlDenoiser != null) controlDenoiser.model().close();
        if (previewDecoder != null) previewDecoder.ifPresent(p -> p.model().close());
    }

    @Override
    public String toString() {
        return "ModelBundle[" + folder + "]";
    }

    private static OptionalInt positive(int n) {
        return n > 0 ? OptionalInt.of(n) : OptionalInt.empty();
    }

    /** A fixed dimension of a model's tensor; one past int range reads as -1, which the bounds then refuse. */
    private static OptionalInt staticDim(TensorSpec spec, int i) {
        if (!spec.isStatic(i)) return OptionalInt.empty();
        long d = spec.dim(i);
        return OptionalInt.of(d > Integer.MAX_VALUE ? -1 : (int) d);
    }

    private static OptionalInt firstOf(OptionalInt... candidates) {
        for (OptionalInt c : candidates) if (c.isPresent()) return c;
        return OptionalInt.empty();
    }

    static long sizeOnDisk(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** The files of one model folder, and how messages name them ("tiny-sd/unet/model.onnx"). */
    static final class Layout {
        final Path folder;
        private final String name;

        Layout(Path folder, String name) {
            this.folder = folder;
            this.name = name;
        }

        Path path(String relative) {
            return folder.resolve(relative);
        }

        String label(String relative) {
            return name + "/" + relative;
        }

        void require(String relative) throws ModelException {
            if (!Files.isRegularFile(path(relative))) throw new ModelException(label(relative) + " not found: " + LAYOUT);
        }

        /** The tokenizer folder {@code name} holds CLIP's BPE files or a tokenizer.json; {@code expected} ends the message. */
        void requireTokenizer(String name, String expected) throws ModelException {
            Path dir = path(name);
            boolean bpe = Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"));
            if (!bpe && !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                throw new ModelException(label(name + "/") + " has no vocab.json and merges.txt (nor tokenizer.json): " + expected);
            }
        }

        OnnxModel openModel(String relative, ExecutionOptions options, List<OnnxModel> opened) throws ModelException {
            OnnxModel model = OnnxModel.open(path(relative), label(relative), options, folder);
            opened.add(model);
            return model;
        }
    }
}
