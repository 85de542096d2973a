package dev.emergence.engine.model;

import java.util.Locale;

/**
 * What a model bundle is, as read from its files and sessions (see {@link ModelBundle#open}).
 * Plain data: Jackson serialises it as it is, {@link #summary()} prints it for people.
 *
 * <p>{@code nativeSampleSize} is the image side, in pixels, the model was trained at; the first
 * of these that is present decides it (and {@code nativeSampleSizeSource} says which):
 * <ol>
 *   <li>the UNet's static {@code sample} height × {@code vaeScaleFactor} (fixed-shape exports run at no other size);</li>
 *   <li>{@code unet/config.json} {@code sample_size} (in latents) × {@code vaeScaleFactor};</li>
 *   <li>the VAE config's {@code sample_size} (in pixels: 512 for SD 1.5, 768 for SD 2.1);</li>
 *   <li>768 for an SD 2.x v-prediction model, else 512 (the defaults of diffusers' ONNX pipelines and of SD 1.x / 2.x-base).</li>
 * </ol>
 *
 * @param name                   the folder's name
 * @param folder                 the folder's absolute path
 * @param family                 the {@link ModelFamily} label: "SD 1.x" (text width 768), "SD 2.x" (1024), "SDXL",
 *                               "SDXL-Turbo", "SD-Turbo", "LCM", "LCM SDXL", "LCM-LoRA" or "custom"
 * @param inpainting             the UNet takes 9 channels: latents, mask, masked-image latents
 * @param unetInChannels         4, or 9 for inpainting models
 * @param latentChannels         channels of the latent space (4)
 * @param textWidth              width D of the text encoder's hidden states
 * @param textLength             tokens per prompt (77)
 * @param predictionType         from scheduler_config.json: "epsilon" (default), "v_prediction" or "sample"
 * @param schedulerClass         the scheduler config's {@code _class_name}, e.g. "PNDMScheduler"
 * @param vaeScaleFactor         2^(len(block_out_channels) - 1) from the VAE config; 8 by default
 * @param latentScalingFactor    the VAE config's {@code scaling_factor}; 0.18215 by default
 * @param nativeSampleSize       see above
 * @param nativeSampleSizeSource which rule gave {@code nativeSampleSize}
 * @param fp16                   the UNet takes float16 latents
 * @param timestepType           the element type of the UNet's timestep input
 * @param unetBatchFixed         the UNet's batch dimension is static (the denoiser then runs the batch in pieces)
 * @param hasImageEncoder        vae_encoder/model.onnx is present (img2img and inpainting need it)
 * @param hasPreviewDecoder      a TAESD-style preview decoder is present (vae_preview/model.onnx)
 * @param sizeOnDiskBytes        all files in the folder
 */
public record ModelInfo(
        String name,
        String folder,
        String family,
        boolean inpainting,
        int unetInChannels,
        int latentChannels,
        int textWidth,
        int textLength,
        String predictionType,
        String schedulerClass,
        int vaeScaleFactor,
        double latentScalingFactor,
        int nativeSampleSize,
        String nativeSampleSizeSource,
        boolean fp16,
        ElementType timestepType,
        boolean unetBatchFixed,
        boolean hasImageEncoder,
        boolean hasPreviewDecoder,
        long sizeOnDiskBytes) {

    /** The family, with its default steps, guidance and scheduler. */
    public ModelFamily familyKind() {
        return ModelFamily.fromLabel(family);
    }

    /** The same summary under another name and folder (a library's link or copy of the model). */
    public ModelInfo withLocation(String newName, String newFolder) {
        return new ModelInfo(newName, newFolder, family, inpainting, unetInChannels, latentChannels, textWidth, textLength,
                predictionType, schedulerClass, vaeScaleFactor, latentScalingFactor, nativeSampleSize, nativeSampleSizeSource,
                fp16, timestepType, unetBatchFixed, hasImageEncoder, hasPreviewDecoder, sizeOnDiskBytes);
    }

    /** The family a text width suggests: CLIP ViT-L (768) is SD 1.x, OpenCLIP ViT-H (1024) SD 2.x. */
    public static String familyOf(int textWidth) {
        switch (textWidth) {
            case 768: return "SD 1.x";
            case 1024: return "SD 2.x";
            default: return "custom";
        }
    }

    /**
     * What the model can generate, for lists: txt2img always; img2img and inpainting when it has a
     * VAE encoder, inpainting with its own 9-channel UNet or, with an ordinary UNet, by blending the
     * re-noised original back outside the mask at every step (as AUTOMATIC1111 does for any SD model).
     */
    public String capabilities() {
        if (!hasImageEncoder) return "txt2img only (no vae_encoder for img2img or inpainting)";
        return "txt2img, img2img, inpainting (" + (inpainting ? "9-channel" : "by blending") + ")";
    }

    /**
     * What the precision means for where the model runs: an fp16 export is meant for a GPU, since
     * ONNX Runtime's CPU provider has few fp16 kernels (it converts around the rest, which costs
     * time and memory); "" for fp32.
     */
    public String precisionNote() {
        return fp16 ? "fp16: meant for a GPU; on a CPU an fp32 export of the same model is faster and needs less memory" : "";
    }

    /** A multi-line, human-readable description (what {@code info --model DIR} prints). */
    public String summary() {
        StringBuilder s = new StringBuilder();
        line(s, "Model", name + "  (" + folder + ")");
        line(s, "Family", family + (inpainting ? ", inpainting" : "") + (fp16 ? ", fp16" : ", fp32"));
        ModelFamily f = familyKind();
        line(s, "Runs with", f.defaultSteps() + " steps, " + (f.guidanceEmbedded() ? "guidance " : "CFG ")
                + String.format(Locale.ROOT, "%s", f.defaultCfg()) + ", "
                + (f.defaultScheduler() == null ? "its own scheduler" : f.defaultScheduler() + " scheduler")
                + " (the family's defaults)");
        line(s, "Prediction", predictionType + " (scheduler " + schedulerClass + ")");
        line(s, "Native size", nativeSampleSize + "x" + nativeSampleSize + " px (" + nativeSampleSizeSource + ")");
        line(s, "UNet", unetInChannels + " input channels, timestep " + timestepType.label()
                + ", batch " + (unetBatchFixed ? "fixed" : "dynamic"));
        line(s, "Text encoder", textLength + " tokens x " + textWidth);
        line(s, "Latents", latentChannels + " channels, 1/" + vaeScaleFactor + " scale, scaling factor "
                + String.format(Locale.ROOT, "%s", latentScalingFactor));
        line(s, "Generates", capabilities());
        line(s, "Precision", fp16 ? precisionNote() : "fp32");
        line(s, "Image encoder", hasImageEncoder ? "yes" : "no");
        line(s, "Preview decoder", hasPreviewDecoder ? "yes" : "no");
        line(s, "Size on disk", humanBytes(sizeOnDiskBytes));
        return s.toString();
    }

    private static void line(StringBuilder s, String key, String value) {
        s.append(String.format(Locale.ROOT, "%-16s%s%n", key + ":", value));
    }

    static String humanBytes(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s (%d bytes)", v, units[u], bytes);
    }
}
