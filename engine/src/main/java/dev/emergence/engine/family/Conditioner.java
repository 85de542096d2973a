package dev.emergence.engine.family;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.ModelException;

/**
 * What a model family gives its UNet besides the latents and the timestep: the text states, the
 * extra inputs (SDXL's pooled embeddings and size ids, LCM's guidance embedding) and whether the
 * loop runs an unconditional half. The denoising loop asks for it once per generation and knows
 * nothing of families.
 */
public interface Conditioner {
    /** @throws InvalidRequestException when a prompt is longer than the text encoding takes */
    Conditioning condition(TextRequest request) throws ModelException, InvalidRequestException;

    /**
     * Whether img2img's strength goes into the schedule rather than cutting it short: diffusers'
     * LCM pipelines pick all their steps below the strength and run every one of them.
     */
    default boolean strengthInSchedule() {
        return false;
    }

    /**
     * The largest Clip skip this conditioning honours; 1 when it has only the family's own layer
     * (a larger one is then named as ignored).
     */
    default int clipSkipLimit() {
        return 1;
    }

    /**
     * The prompt side of a generation.
     *
     * @param negativePrompt "" for none
     * @param cfgScale       the guidance scale asked for
     * @param width          the picture's width in pixels (SDXL's size ids carry it)
     * @param clipSkip       AUTOMATIC1111's Clip skip: 1 for the family's own layer, 2 for the one before, …
     */
    record TextRequest(String prompt, String negativePrompt, double cfgScale, int width, int height, int clipSkip) {
        public TextRequest {
            prompt = prompt == null ? "" : prompt;
            negativePrompt = negativePrompt == null ? "" : negativePrompt;
            if (clipSkip < 1) throw new IllegalArgumentException("clip skip " + clipSkip);
        }

        public TextRequest(String prompt, String negativePrompt, double cfgScale, int width, int height) {
            this(prompt, negativePrompt, cfgScale, width, height, 1);
        }
    }
}
