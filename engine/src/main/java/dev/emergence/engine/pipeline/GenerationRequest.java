package dev.emergence.engine.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonCreator;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.model.VaeTiling;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.text.PromptAttention;
import dev.emergence.engine.text.PromptSyntaxException;

import java.util.List;

/**
 * Everything that determines a picture, apart from the model's weights and the images themselves.
 * Serialised as JSON into every PNG so a picture can be reproduced.
 *
 * @param prompt        as typed, with AUTOMATIC1111's attention syntax ({@code (word:1.3)}, {@code [word]},
 *                      {@code BREAK}); kept verbatim, and read when the prompt is encoded
 *
 * @param width         pixels; rounded down to the model's size multiple by the pipeline, with a notice
 * @param seed          the seed of torch's CPU generator (diffusers-compatible)
 * @param scheduler     the sampler; {@link SchedulerKind#DPMPP_2M_KARRAS} is taken as DPM++ 2M with the Karras schedule
 * @param schedule      how the sampler spreads its noise levels (AUTOMATIC1111's "Schedule type");
 *                      null is {@link ScheduleType#AUTOMATIC}: what the model's scheduler config asks for
 * @param strength      img2img/inpaint: how much of the schedule is run on the init image (1 = from pure noise)
 * @param maskFeatherPixels softness of the mask edge when blending; the final picture keeps the original outside the mask
 * @param initImage     where the init image came from (informational; may be null)
 * @param maskImage     where the mask came from (informational; may be null)
 * @param model         the model's name, as written into the PNG metadata
 * @param clipSkip      AUTOMATIC1111's "Clip skip": 1 (or null) conditions on the layer the model's
 *                      family uses, 2 on the one before it, and so on; applied where the text encoders
 *                      export their hidden states (SDXL), named as ignored elsewhere
 * @param controls      the ControlNets steering the generation, in order (their residuals are summed);
 *                      empty for none. Their control pictures are passed beside the request.
 * @param vaeTiling     whether the VAE decodes and encodes in overlapping tiles ({@link VaeTiling.Mode});
 *                      null (or auto, stored as null so pictures made before it read the same) tiles only
 *                      pictures well beyond the VAE's native size
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        int width,
        int height,
        int steps,
        double cfgScale,
        long seed,
        SchedulerKind scheduler,
        ScheduleType schedule,
        double strength,
        double maskFeatherPixels,
        String initImage,
        String maskImage,
        String model,
        Integer clipSkip,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ControlUnit> controls,
        VaeTiling.Mode vaeTiling) {

    public static final int DEFAULT_STEPS = 20;
    public static final double DEFAULT_CFG = 7.5;
    public static final double DEFAULT_STRENGTH = 0.8;
    public static final int MAX_STEPS = 1000;
    /**
     * The largest CFG scale accepted. Useful values lie between 1 and 30; far beyond, guidance
     * u + cfg·(c − u) leaves float range and every pixel turns black.
     */
    public static final double MAX_CFG = 100;
    /**
     * The largest picture side the engine generates, in pixels: four times SD 1.5's native 512. A UNet's
     * attention grows with the square of the pixel count, so far larger sizes exhaust any memory
     * (and SD models draw repeated subjects there); larger pictures are made by upscaling.
     */
    public static final int MAX_SIDE = 2048;
    /**
     * The longest prompt, and negative prompt, accepted, in characters: far beyond what anyone types
     * (CLIP reads 75 tokens a window, a few characters each), while a prompt stored in a picture
     * cannot make the tokenizer and text encoder work through megabytes. The text encoding bounds
     * the windows too ({@link dev.emergence.engine.text.TokenizedPrompt#MAX_WINDOWS}).
     */
    public static final int MAX_PROMPT_CHARS = 16384;
    /** AUTOMATIC1111's range for Clip skip. */
    public static final int MAX_CLIP_SKIP = 12;
    /** The most ControlNets at once (AUTOMATIC1111 offers 3 units by default; each costs a model run per step). */
    public static final int MAX_CONTROLS = 8;

    @JsonCreator
    public GenerationRequest {
        prompt = prompt == null ? "" : prompt;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        if (schedule == null) schedule = ScheduleType.AUTOMATIC;
        if (clipSkip != null && clipSkip == 1) clipSkip = null;
        controls = controls == null ? List.of() : List.copyOf(controls);
        if (vaeTiling == VaeTiling.Mode.AUTO) vaeTiling = null;
        if (scheduler == SchedulerKind.DPMPP_2M_KARRAS && (schedule == ScheduleType.AUTOMATIC || schedule == ScheduleType.KARRAS)) {
            scheduler = SchedulerKind.DPMPP_2M;
            schedule = ScheduleType.KARRAS;
        }
    }

    /** A request with the VAE's automatic tiling. */
    public GenerationRequest(String prompt, String negativePrompt, int width, int height, int steps, double cfgScale, long seed,
                             SchedulerKind scheduler, ScheduleType schedule, double strength, double maskFeatherPixels,
                             String initImage, String maskImage, String model, Integer clipSkip, List<ControlUnit> controls) {
        this(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength,
                maskFeatherPixels, initImage, maskImage, model, clipSkip, controls, null);
    }

    /** A request without ControlNets. */
    public GenerationRequest(String prompt, String negativePrompt, int width, int height, int steps, double cfgScale, long seed,
                             SchedulerKind scheduler, ScheduleType schedule, double strength, double maskFeatherPixels,
                             String initImage, String maskImage, String model, Integer clipSkip) {
        this(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength,
                maskFeatherPixels, initImage, maskImage, model, clipSkip, List.of());
    }

    /** A request without Clip skip. */
    public GenerationRequest(String prompt, String negativePrompt, int width, int height, int steps, double cfgScale, long seed,
                             SchedulerKind scheduler, ScheduleType schedule, double strength, double maskFeatherPixels,
                             String initImage, String maskImage, String model) {
        this(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength,
                maskFeatherPixels, initImage, maskImage, model, null);
    }

    /** A request with the {@link ScheduleType#AUTOMATIC} schedule type. */
    public GenerationRequest(String prompt, String negativePrompt, int width, int height, int steps, double cfgScale, long seed,
                             SchedulerKind scheduler, double strength, double maskFeatherPixels, String initImage, String maskImage,
                             String model) {
        this(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, ScheduleType.AUTOMATIC, strength,
                maskFeatherPixels, initImage, maskImage, model);
    }

    /** Checks ranges; sizes are checked by the pipeline, which knows the model's size multiple. */
    public void validate() throws InvalidRequestException {
        checkLength("prompt", prompt);
        checkLength("negative prompt", negativePrompt);
        if (clipSkip != null && (clipSkip < 1 || clipSkip > MAX_CLIP_SKIP)) {
            throw new InvalidRequestException("clip skip: " + clipSkip + " is out of range; expected 1 to " + MAX_CLIP_SKIP);
        }
        if (steps < 1 || steps > MAX_STEPS) {
            throw new InvalidRequestException("steps: " + steps + " is out of range; expected 1 to " + MAX_STEPS);
        }
        if (!(cfgScale >= 0 && cfgScale <= MAX_CFG)) {
            throw new InvalidRequestException("cfg: " + cfgScale + " is out of range; expected a number from 0 to " + (int) MAX_CFG);
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new InvalidRequestException("strength: " + strength + " is out of range; expected 0 to 1");
        }
        if (!(maskFeatherPixels >= 0) || maskFeatherPixels > 512) {
            throw new InvalidRequestException("mask feather: " + maskFeatherPixels + " is out of range; expected 0 to 512 pixels");
        }
        if (width <= 0 || height <= 0) {
            throw new InvalidRequestException("size: " + width + "x" + height + " is not a picture size; expected positive width and height");
        }
        if (width > MAX_SIDE || height > MAX_SIDE) {
            throw new InvalidRequestException("size: " + width + "x" + height + " is too large; expected at most "
                    + MAX_SIDE + " pixels a side");
        }
        if (scheduler == null) {
            throw new InvalidRequestException("scheduler: none given; expected one of " + SchedulerKind.cliNames());
        }
        var refused = schedule.refusal(scheduler);
        if (refused.isPresent()) throw new InvalidRequestException("schedule: " + schedule.cliName() + " cannot be used: " + refused.get());
        checkSyntax("prompt", prompt);
        checkSyntax("negative prompt", negativePrompt);
        if (controls.size() > MAX_CONTROLS) {
            throw new InvalidRequestException("controls: " + controls.size() + " ControlNets; expected at most " + MAX_CONTROLS);
        }
        for (int i = 0; i < controls.size(); i++) {
            if (controls.get(i) == null) throw new InvalidRequestException("control " + (i + 1) + ": missing");
            controls.get(i).validate("control " + (i + 1));
        }
    }

    /** AUTOMATIC1111's attention syntax, read as the text encoding will read it. */
    private static void checkSyntax(String what, String text) throws InvalidRequestException {
        try {
            PromptAttention.parseFinite(text);
        } catch (PromptSyntaxException e) {
            throw new InvalidRequestException(what + ": " + e.getMessage(), e);
        }
    }

    private static void checkLength(String what, String text) throws InvalidRequestException {
        // Characters as people count them: a character outside the BMP is one, not two UTF-16 units.
        int chars = text.length() <= MAX_PROMPT_CHARS ? text.length() : text.codePointCount(0, text.length());
        if (chars > MAX_PROMPT_CHARS) {
            throw new InvalidRequestException(what + ": " + chars + " characters is too long; expected at most "
                    + MAX_PROMPT_CHARS + " characters");
        }
    }

    public GenerationRequest withSize(int w, int h) {
        return new GenerationRequest(prompt, negativePrompt, w, h, steps, cfgScale, seed, scheduler, schedule, strength, maskFeatherPixels, initImage, maskImage, model, clipSkip, controls, vaeTiling);
    }

    public GenerationRequest withSeed(long s) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, s, scheduler, schedule, strength, maskFeatherPixels, initImage, maskImage, model, clipSkip, controls, vaeTiling);
    }

    public GenerationRequest withStrength(double s) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, s, maskFeatherPixels, initImage, maskImage, model, clipSkip, controls);
    }

    public GenerationRequest withImages(String init, String mask) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength, maskFeatherPixels, init, mask, model, clipSkip, controls, vaeTiling);
    }

    public GenerationRequest withSchedule(ScheduleType t) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, t, strength, maskFeatherPixels, initImage, maskImage, model, clipSkip, controls, vaeTiling);
    }

    /** The Clip skip as AUTOMATIC1111 counts it: 1 when none is set. */
    public int clipSkipOrDefault() {
        return clipSkip == null ? 1 : clipSkip;
    }

    public GenerationRequest withClipSkip(Integer c) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength, maskFeatherPixels, initImage, maskImage, model, c, controls, vaeTiling);
    }

    public GenerationRequest withControls(List<ControlUnit> units) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength, maskFeatherPixels, initImage, maskImage, model, clipSkip, units, vaeTiling);
    }

    public GenerationRequest withVaeTiling(VaeTiling.Mode t) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength, maskFeatherPixels, initImage, maskImage, model, clipSkip, controls, t);
    }

    /** The VAE's tiling: {@link VaeTiling.Mode#AUTO} when none is set. */
    public VaeTiling.Mode vaeTilingOrDefault() {
        return vaeTiling == null ? VaeTiling.Mode.AUTO : vaeTiling;
    }

    public GenerationRequest withModel(String m) {
        return new GenerationRequest(prompt, negativePrompt, width, height, steps, cfgScale, seed, scheduler, schedule, strength, maskFeatherPixels, initImage, maskImage, m, clipSkip, controls, vaeTiling);
    }
}
