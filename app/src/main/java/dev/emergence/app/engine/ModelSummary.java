package dev.emergence.app.engine;

import dev.emergence.engine.scheduler.SchedulerKind;

import java.nio.file.Path;

/**
 * What the studio needs to know about the loaded model, taken from the engine once at load time
 * so the UI never reaches into the engine for it.
 *
 * @param sizeMultiple      picture sides must be multiples of this (8 × the VAE factor: 64 for SD)
 * @param device            where the model runs, with the reason when CUDA is not used
 * @param inpaintingModel   a 9-channel inpainting UNet (otherwise inpainting blends)
 * @param canEncodeImages   img2img and inpainting are possible (the model has a VAE encoder)
 * @param hasPreviewDecoder a tiny preview decoder ships with the model
 * @param clipSkipLimit     the largest Clip skip the model honours; 1 when its text encoder gives only its last layer
 * @param cpuNote           what the model's precision means on the CPU it runs on (fp16 is meant for a GPU), or ""
 */
public record ModelSummary(Path folder, String name, String family, int nativeSize, int sizeMultiple, String device,
                           boolean inpaintingModel, boolean canEncodeImages, boolean hasPreviewDecoder,
                           SchedulerKind defaultScheduler, int defaultSteps, double defaultCfg, int clipSkipLimit, String cpuNote) {

    /** One line for the status bar, e.g. "tiny-sd · SD 1.x · inpainting". */
    public String label() {
        return name + " · " + family + (inpaintingModel ? " · inpainting" : "");
    }
}
