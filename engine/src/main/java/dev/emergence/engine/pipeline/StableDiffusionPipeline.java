package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.control.ControlGuidance;
import dev.emergence.engine.control.ControlInput;
import dev.emergence.engine.control.ControlPictures;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.family.Conditioner;
import dev.emergence.engine.family.Conditioning;
import dev.emergence.engine.image.Images;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.VaeTiling;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.Scheduler;
import dev.emergence.engine.scheduler.Schedulers;
import dev.emergence.engine.scheduler.StepResult;
import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * txt2img, img2img and inpainting in one loop for every model family, mirroring diffusers'
 * StableDiffusion(XL)(Img2Img|Inpaint)Pipeline and LatentConsistencyModelPipeline: the family's
 * {@link Conditioner} supplies the text states and extra UNet inputs;
 * classifier-free guidance over the batch [uncond; cond], the scheduler's own timesteps, img2img
 * starting part-way by strength, 9-channel inpainting input built as diffusers builds it, and for
 * ordinary 4-channel models the re-noised original blended back outside the mask at every step.
 * Not thread-safe: the {@link Engine} runs one generation at a time.
 */
public final class StableDiffusionPipeline {
    private final PipelineComponents c;

    public StableDiffusionPipeline(PipelineComponents components) {
        this.c = components;
    }

    public PipelineComponents components() { return c; }

    /**
     * Runs one generation: the request checked and sized, the prompt encoded by the model's family,
     * the schedule prepared, the starting latents made, the denoising loop, the decode.
     *
     * @param init   the init image for img2img/inpainting, or null for txt2img
     * @param mask   white = repaint; requires {@code init}; null for none
     */
    public GenerationResult generate(GenerationRequest request, BufferedImage init, BufferedImage mask,
                                     StepListener listener, CancellationToken cancel)
            throws InvalidRequestException, ModelException {
        return generate(request, init, mask, List.of(), listener, cancel);
    }

    /**
     * As {@link #generate(GenerationRequest, BufferedImage, BufferedImage, StepListener, CancellationToken)},
     * steered by the request's ControlNets.
     *
     * @param controls one per {@link GenerationRequest#controls()}, in order: the ControlNet and the picture
     *                 its preprocessor makes the control picture from
     */
    public GenerationResult generate(GenerationRequest request, BufferedImage init, BufferedImage mask, List<ControlInput> controls,
                                     StepListener listener, CancellationToken cancel)
            throws InvalidRequestException, ModelException {
        request.validate();
        List<String> notices = new ArrayList<>();
        long t0 = System.nanoTime();
        GenerationRequest req = sized(request, notices);
        GenerationMode mode = checkImages(init, mask);

        long tText0 = System.nanoTime();
        Conditioning cond = encodePrompt(req, notices);
        long tText1 = System.nanoTime();
        cancel.throwIfCancelled();
        DiffusionModels.Denoiser unet = c.denoiser();
        ControlGuidance control = ControlGuidance.none();
        if (!req.controls().isEmpty() || !controls.isEmpty()) {
            unet = c.controlDenoiser().get();
            control = ControlGuidance.prepare(req.controls(), controls, unet.residualInputs(), "the ControlNet UNet of " + c.modelName(),
                    cond.guided(), req.width(), req.height());
        }

        boolean strengthInSchedule = mode != GenerationMode.TXT2IMG && c.conditioner().strengthInSchedule();
        Scheduler scheduler = Schedulers.prepare(req.scheduler(), req.schedule().configure(req.scheduler(), c.schedulerConfig()),
                part("scheduler/scheduler_config.json"), req.steps(), strengthInSchedule ? req.strength() : 1.0);
        TorchGenerator generator = new TorchGenerator(req.seed());

        long tEnc0 = System.nanoTime();
        LatentStart start = prepareLatents(req, mode, init, mask, scheduler, strengthInSchedule, generator, notices, cancel);
        long tEnc1 = System.nanoTime();

        Loop loop = denoise(req, cond, unet, control, scheduler, generator, start, listener, cancel, t0);
        cancel.throwIfCancelled();

        long d0 = System.nanoTime();
        BufferedImage image = decode(req, mode, init, start, loop.latents);
        long d1 = System.nanoTime();
        StageTimings timings = new StageTimings(tText1 - tText0 - cond.textEncodeNanos(), cond.textEncodeNanos(),
                tEnc1 - tEnc0, loop.unetNanos, loop.schedulerNanos, d1 - d0, loop.stepNanos);
        // The schedule type as run, so the picture's parameters name it (Automatic: what the config asked for).
        GenerationRequest ran = req.schedule() == ScheduleType.AUTOMATIC
                ? req.withSchedule(ScheduleType.resolve(req.scheduler(), c.schedulerConfig())) : req;
        if (!controls.isEmpty()) {
            // The hashes of the pictures and ControlNets as run, so the picture names exactly what steered it.
            List<ControlUnit> units = new ArrayList<>();
            for (int k = 0; k < controls.size(); k++) {
                units.add(req.controls().get(k).withHashes(ControlPictures.sha256(controls.get(k).picture()), controls.get(k).netHash()));
            }
            ran = ran.withControls(units);
        }
        return new GenerationResult(ran, mode, image, loop.latents, List.copyOf(notices), timings);
    }

    /** The request at a size the model takes: rounded down to its size multiple, with a notice. */
    private GenerationRequest sized(GenerationRequest request, List<String> notices) throws InvalidRequestException {
        int multiple = sizeMultiple();
        int width = Images.roundDownToMultiple(request.width(), multiple);
        int height = Images.roundDownToMultiple(request.height(), multiple);
        if (width < multiple || height < multiple) {
            throw new InvalidRequestException("size: " + request.width() + "x" + request.height()
                    + " is too small; expected at least " + multiple + "x" + multiple);
        }
        if (width != request.width() || height != request.height()) {
            notices.add("size " + request.width() + "x" + request.height() + " rounded down to " + width + "x" + height
                    + " (a multiple of " + multiple + ")");
        }
        return request.withSize(width, height);
    }

    private static GenerationMode checkImages(BufferedImage init, BufferedImage mask) throws InvalidRequestException {
        if (mask != null && init == null) {
            throw new InvalidRequestException("mask: inpainting needs an init image to repaint; none was given");
        }
        if (mask != null && (mask.getWidth() != init.getWidth() || mask.getHeight() != init.getHeight())) {
            throw new InvalidRequestException("mask: its size " + mask.getWidth() + "x" + mask.getHeight()
                    + " differs from the image's " + init.getWidth() + "x" + init.getHeight() + "; expected the same size");
        }
        return mask != null ? GenerationMode.INPAINT : init != null ? GenerationMode.IMG2IMG : GenerationMode.TXT2IMG;
    }

    /** The family's conditioning of the UNet, checked finite. */
    private Conditioning encodePrompt(GenerationRequest req, List<String> notices) throws ModelException, InvalidRequestException {
        // Extra-network tags are taken out before encoding, as AUTOMATIC1111 does; LoRA tags were applied to the sessions.
        ExtraNetworks prompt = ExtraNetworks.strip(req.prompt()), negative = ExtraNetworks.strip(req.negativePrompt());
        for (String tag : prompt.otherTags()) notices.add("ignored " + tag + " in the prompt: the engine applies only <lora:…> tags");
        for (String tag : negative.tags()) notices.add("ignored " + tag + " in the negative prompt: tags apply only in the prompt");
        Conditioning cond = c.conditioner().condition(new Conditioner.TextRequest(prompt.text(), negative.text(),
                req.cfgScale(), req.width(), req.height(), req.clipSkipOrDefault()));
        if (!cond.unknownWords().isEmpty()) {
            notices.add("words the model does not know: " + String.join(", ", cond.unknownWords()));
        }
        notices.addAll(cond.notices());
        FiniteCheck.require(cond.encoderHiddenStates(), part("text_encoder/model.onnx"), "encoding the prompt", "finite text embeddings", "");
        // Of the extra inputs only SDXL's pooled embeddings come from a model; size ids and LCM's
        // guidance embedding are made here from bounded request values.
        Tensor pooled = cond.extraInputs().get("text_embeds");
        if (pooled != null) {
            FiniteCheck.require(pooled, part("text_encoder_2/model.onnx"), "encoding the prompt", "finite pooled embeddings", "");
        }
        return cond;
    }

    /**
     * Where the loop starts: pure noise for txt2img; the encoded picture noised to the first step
     * run for img2img and inpainting; and for inpainting the mask as the UNet sees it (9-channel
     * models) or as the blend uses it (4-channel ones).
     *
     * @param latents            the latents the first step denoises
     * @param startIndex         the first timestep index the loop runs
     * @param initLatents        the encoded init picture, for blending; null when not blending
     * @param blendNoise         the noise the init latents were noised with, re-used to noise them for each step's blend
     * @param keepMask           [1,1,h,w], 1 where the original is kept (4-channel inpainting), else null
     * @param inpaintMask        [1,1,h,w] the 9-channel UNet's mask channel, else null
     * @param maskedImageLatents the 9-channel UNet's masked-picture latents, else null
     * @param maskPixels         the mask at the picture's size, for the final composite, else null
     */
    private record LatentStart(Tensor latents, int startIndex, Tensor initLatents, Tensor blendNoise, Tensor keepMask,
                               Tensor inpaintMask, Tensor maskedImageLatents, Tensor maskPixels) {
    }

    private LatentStart prepareLatents(GenerationRequest req, GenerationMode mode, BufferedImage init, BufferedImage mask,
                                       Scheduler scheduler, boolean strengthInSchedule, TorchGenerator generator, List<String> notices,
                                       CancellationToken cancel) throws ModelException {
        int width = req.width(), height = req.height();
        int latentH = height / c.vaeScaleFactor(), latentW = width / c.vaeScaleFactor();
        int[] latentShape = {1, c.latentChannels(), latentH, latentW};
        double[] timesteps = scheduler.timesteps();

        Tensor keepMask = null, inpaintMask = null, maskedImageLatents = null, maskPixels = null;
        Tensor pixels = init != null ? Images.toTensor(init, width, height) : null;
        DiffusionModels.ImageEncoder encoder = init != null || c.inpaintingModel() ? c.imageEncoder().get() : null;
        if (mask != null) maskPixels = Images.maskToTensor(mask, width, height);
        if (c.inpaintingModel()) {
            if (mask != null) {
                Tensor hard = Images.binarise(maskPixels, 0.5);
                inpaintMask = Images.binarise(Images.resizeMaskNearest(hard, latentH, latentW), 0.5);
                maskedImageLatents = encoded(encoder, Images.maskedImage(pixels, hard), "the masked picture", generator, notices, req.vaeTilingOrDefault());
            } else {
                // Without a mask an inpainting UNet still needs its extra channels: repaint everything,
                // a mask of ones and an all mid-grey masked picture, as AUTOMATIC1111 conditions such
                // models for txt2img and img2img (diffusers' own txt2img/img2img pipelines reject them).
                inpaintMask = ones(1, 1, latentH, latentW);
                maskedImageLatents = encoded(encoder, Tensor.zeros(1, 3, height, width), "the mid-grey picture", generator, notices, req.vaeTilingOrDefault());
            }
        } else if (mask != null) {
            // Blend with a soft mask so the repainted region meets the kept one without a seam.
            Tensor soft = Images.featherMask(Images.binarise(maskPixels, 0.5), req.maskFeatherPixels());
            keepMask = oneMinus(Images.resizeMaskArea(soft, latentH, latentW));
        }
        cancel.throwIfCancelled();
        if (mode == GenerationMode.TXT2IMG) {
            Tensor latents = generator.randn(latentShape).scale((float) scheduler.initNoiseSigma());
            return new LatentStart(latents, 0, null, null, null, inpaintMask, maskedImageLatents, null);
        }
        // diffusers: init_timestep = min(int(steps·strength), steps); t_start = steps − init_timestep.
        int initTimestep = Math.min((int) (req.steps() * req.strength()), req.steps());
        int tStart = Math.max(req.steps() - initTimestep, 0);
        int startIndex = strengthInSchedule ? 0 : Math.min(tStart * scheduler.order(), timesteps.length);
        // diffusers' inpaint pipeline starts from pure noise at full strength, and then encodes the
        // picture only when a 4-channel UNet needs it for blending.
        boolean pureNoise = mode == GenerationMode.INPAINT && req.strength() >= 1.0;
        Tensor initLatents = null;
        if (!pureNoise || keepMask != null) {
            initLatents = encoded(encoder, pixels, "the init picture", generator, notices, req.vaeTilingOrDefault());
            cancel.throwIfCancelled();
        }
        Tensor noise = generator.randn(latentShape);
        Tensor latents;
        if (pureNoise) {
            latents = noise.scale((float) scheduler.initNoiseSigma());
        } else if (startIndex < timesteps.length) {
            latents = scheduler.addNoise(initLatents, noise, startIndex);
        } else {
            latents = initLatents;
            notices.add("strength " + req.strength() + " with " + req.steps() + " steps leaves no step to run; the image is only re-encoded");
        }
        return new LatentStart(latents, startIndex, initLatents, noise, keepMask, inpaintMask, maskedImageLatents, maskPixels);
    }

    /** What the loop leaves: the final latents and where the time went. */
    private record Loop(Tensor latents, long[] stepNanos, long unetNanos, long schedulerNanos) {
    }

    /** The denoising loop over the scheduler's timesteps from the start index, one snapshot per step. */
    private Loop denoise(GenerationRequest req, Conditioning cond, DiffusionModels.Denoiser unet, ControlGuidance control,
                         Scheduler scheduler, TorchGenerator generator, LatentStart start, StepListener listener,
                         CancellationToken cancel, long t0) throws ModelException {
        double[] timesteps = scheduler.timesteps();
        int startIndex = start.startIndex();
        int stepCount = timesteps.length - startIndex;
        // Evaluations beyond the steps asked for (PNDM's warm-up), so progress can say why "1/21" for 20 steps.
        int warmUps = Math.max(0, Math.min(stepCount, timesteps.length - req.steps() * scheduler.order()));
        long[] stepNanos = new long[Math.max(stepCount, 0)];
        long unetNanos = 0, schedNanos = 0;
        boolean guided = cond.guided();
        Tensor latents = start.latents();
        for (int i = startIndex; i < timesteps.length; i++) {
            cancel.throwIfCancelled();
            long s0 = System.nanoTime();
            Tensor modelInput = scheduler.scaleModelInput(latents, i);
            // A ControlNet sees the scaled latents without an inpainting UNet's extra channels.
            Tensor controlSample = control.isEmpty() ? null : guided ? Tensor.concatBatch(modelInput, modelInput) : modelInput;
            if (start.inpaintMask() != null) {
                modelInput = Tensor.concatChannels(modelInput, start.inpaintMask(), start.maskedImageLatents());
            }
            Tensor batch = guided ? Tensor.concatBatch(modelInput, modelInput) : modelInput;
            long u0 = System.nanoTime();
            Map<String, Tensor> extra = cond.extraInputs();
            Map<String, Tensor> residuals = Map.of();
            if (controlSample != null) {
                residuals = control.unetInputs(controlSample, timesteps[i], cond.encoderHiddenStates(), i - startIndex, stepCount);
                extra = new LinkedHashMap<>(extra);
                extra.putAll(residuals);
            }
            Tensor out;
            try {
                out = i + 1 < timesteps.length ? unet.predict(batch, timesteps[i], cond.encoderHiddenStates(), extra)
                        : unet.predictLast(batch, timesteps[i], cond.encoderHiddenStates(), extra);
            } catch (ModelException e) {
                if (residuals.isEmpty()) throw e;
                throw new ModelException("the ControlNet UNet of " + c.modelName() + " did not take the ControlNets' residuals "
                        + residuals.values() + " (" + e.getMessage() + "); expected ControlNets made for this base model", e);
            }
            long u1 = System.nanoTime();
            String atStep = "at step " + (i - startIndex + 1) + " of " + stepCount;
            FiniteCheck.require(out, part("unet/model.onnx"), atStep, "finite noise predictions", "");
            cancel.throwIfCancelled();
            Tensor noisePred = guided ? guide(out, (float) req.cfgScale()) : out;
            if (guided) {
                FiniteCheck.require(noisePred, part("unet/model.onnx"), atStep + " after guidance with CFG " + req.cfgScale(),
                        "noise predictions within float range", "");
            }
            StepResult r = scheduler.step(noisePred, i, latents, generator);
            latents = r.prevSample();
            FiniteCheck.require(latents, "the " + req.scheduler().a1111Name() + " scheduler's step (" + part("scheduler/scheduler_config.json") + ")",
                    atStep, "finite latents from finite noise predictions", "");
            Tensor x0 = r.predOriginalSample();
            if (start.keepMask() != null) {
                // Outside the mask, the original re-noised to the next step's level (clean after the last step).
                Tensor proper = i + 1 < timesteps.length ? scheduler.addNoise(start.initLatents(), start.blendNoise(), i + 1) : start.initLatents();
                latents = blend(proper, latents, start.keepMask());
                x0 = blend(start.initLatents(), x0, start.keepMask());
            }
            long s1 = System.nanoTime();
            unetNanos += u1 - u0;
            schedNanos += (s1 - s0) - (u1 - u0);
            stepNanos[i - startIndex] = s1 - s0;
            listener.onStep(new StepSnapshot(i - startIndex, stepCount, timesteps[i], scheduler.sigmaAt(i),
                    latents, x0, Duration.ofNanos(s1 - t0), warmUps));
        }
        return new Loop(latents, stepNanos, unetNanos, schedNanos);
    }

    /** The final latents as a picture; for inpainting, composited over the original outside the mask. */
    private BufferedImage decode(GenerationRequest req, GenerationMode mode, BufferedImage init, LatentStart start,
                                 Tensor latents) throws ModelException {
        Tensor decoded = c.vaeDecoder().decode(latents, req.vaeTilingOrDefault());
        FiniteCheck.require(decoded, part("vae_decoder/model.onnx"), "decoding the final latents", "finite pixels",
                c.fp16() ? "the fp16 VAE decoder overflowed; use an fp32 VAE decoder" : "");
        BufferedImage image = Images.fromTensor(decoded);
        if (mode == GenerationMode.INPAINT) {
            // The init picture itself when it has the output's size, so pixels outside the mask keep
            // their exact values, transparency included (the model saw them composited over white).
            BufferedImage original = init.getWidth() == req.width() && init.getHeight() == req.height()
                    ? init : Images.fromTensor(Images.toTensor(init, req.width(), req.height()));
            // The request's feather, not the composite's own default: feather 0 asks for a hard edge.
            image = Images.composite(original, image, start.maskPixels(), req.maskFeatherPixels());
        }
        return image;
    }

    /** How messages name a file of the model, e.g. "tiny-sd/unet/model.onnx". */
    private String part(String file) {
        return c.modelName() + "/" + file;
    }

    /** The VAE encoder's latents of {@code pixels}, checked finite; the encoder's notices join the generation's. */
    private Tensor encoded(DiffusionModels.ImageEncoder encoder, Tensor pixels, String what, TorchGenerator generator,
                           List<String> notices, VaeTiling.Mode tiling) throws ModelException {
        Tensor latents = encoder.encode(pixels, generator, tiling);
        notices.addAll(encoder.takeNotices());
        FiniteCheck.require(latents, part("vae_encoder/model.onnx"), "encoding " + what, "finite latents",
                c.fp16() ? "the fp16 VAE encoder overflowed; use an fp32 VAE encoder" : "");
        return latents;
    }

    /**
     * Picture sizes must be multiples of this: 8 times the VAE factor (64 for SD), so the latent
     * survives the UNet's three 2× downsamplings without the odd sizes exported graphs reject.
     */
    public int sizeMultiple() {
        return 8 * c.vaeScaleFactor();
    }

    /** noise = uncond + cfg·(cond − uncond), over the batch [uncond; cond]. */
    static Tensor guide(Tensor batchOut, float cfg) {
        float[] d = batchOut.data();
        int half = d.length / 2;
        float[] out = new float[half];
        for (int k = 0; k < half; k++) {
            float u = d[k];
            out[k] = u + cfg * (d[half + k] - u);
        }
        int[] shape = batchOut.shape();
        shape[0] = shape[0] / 2;
        return new Tensor(out, shape);
    }

    /** keep·a + (1 − keep)·b, with keep [1,1,h,w] broadcast over channels. */
    static Tensor blend(Tensor a, Tensor b, Tensor keep) {
        int channels = a.dim(1), plane = a.dim(2) * a.dim(3);
        float[] out = new float[a.size()], da = a.data(), db = b.data(), k = keep.data();
        for (int ch = 0; ch < channels; ch++) {
            int off = ch * plane;
            for (int p = 0; p < plane; p++) {
                out[off + p] = k[p] * da[off + p] + (1 - k[p]) * db[off + p];
            }
        }
        return new Tensor(out, a.shape());
    }

    private static Tensor ones(int... shape) {
        Tensor t = Tensor.zeros(shape);
        Arrays.fill(t.data(), 1f);
        return t;
    }

    private static Tensor oneMinus(Tensor m) {
        float[] d = m.data(), out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = 1f - d[i];
        return new Tensor(out, m.shape());
    }
}
