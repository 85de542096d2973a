package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.OptionalInt;

/**
 * The bounds the engine puts on what a model folder may declare, so that a corrupt or hostile file
 * is refused with one line instead of exhausting memory, overflowing an integer or giving black
 * pictures. Each bound is far beyond every real Stable Diffusion export.
 */
public final class ModelLimits {
    /**
     * The largest config file read (model_index.json, scheduler_config.json, config.json,
     * tokenizer_config.json, special_tokens_map.json): real ones are a few KiB.
     */
    public static final long CONFIG_MAX_BYTES = 1L << 20;
    /**
     * The largest tokenizer file read (tokenizer.json, vocab.json, merges.txt): CLIP's are about
     * 2 MB, 1 MB and 0.5 MB.
     */
    public static final long TOKENIZER_MAX_BYTES = 64L << 20;

    /** The most text positions per window (model_max_length): CLIP has 77, T5 encoders 512. */
    public static final int MAX_TEXT_LENGTH = 1024;
    /** The fewest: a start token, an end token and one word. */
    public static final int MIN_TEXT_LENGTH = 3;
    /**
     * From here on model_max_length is transformers' "no limit" placeholder (LARGE_INTEGER = int(1e20),
     * VERY_LARGE_INTEGER = int(1e30)), which its tokenizer_config.json files commonly hold; the engine
     * then uses CLIP's 77.
     */
    public static final double NO_LIMIT_SENTINEL = 1e20;
    /** The window when the tokenizer config sets no limit: CLIP's context length. */
    public static final int DEFAULT_TEXT_LENGTH = 77;

    /** The largest native picture side a config may declare (sample_size), in pixels. */
    public static final int MAX_SAMPLE_PIXELS = 8192;
    /**
     * The most VAE blocks (block_out_channels entries): the latent is 2^(blocks − 1) times smaller
     * than the picture (SD: 4 blocks, 8×), so 8 blocks is a factor of 128.
     */
    public static final int MAX_VAE_BLOCKS = 8;
    /** The range of the VAE's latent scaling_factor (SD 1.x 0.18215, SDXL 0.13025, SD3 1.5305). */
    public static final double MIN_SCALING_FACTOR = 1e-6;
    public static final double MAX_SCALING_FACTOR = 1e6;
    /** The most latent channels (SD: 4; SD3 and Flux: 16). */
    public static final int MAX_LATENT_CHANNELS = 64;
    /** The widest text embedding (cross_attention_dim; SD 1.x 768, 2.x 1024, SDXL 2048). */
    public static final int MAX_TEXT_WIDTH = 16384;

    private ModelLimits() {
    }

    /**
     * The text window that a tokenizer config's {@code model_max_length} asks for: empty when absent,
     * null or transformers' "no limit" placeholder.
     *
     * @param label names the file in errors
     * @throws ModelException when it is not a whole number from {@value #MIN_TEXT_LENGTH} to {@value #MAX_TEXT_LENGTH}
     */
    public static OptionalInt modelMaxLength(JsonNode config, String label) throws ModelException {
        JsonNode max = config.get("model_max_length");
        if (max == null || max.isNull()) return OptionalInt.empty();
        double m = max.isNumber() ? max.doubleValue() : Double.NaN;
        if (m >= NO_LIMIT_SENTINEL) return OptionalInt.empty();
        if (!(m >= MIN_TEXT_LENGTH && m <= MAX_TEXT_LENGTH) || m != Math.rint(m)) {
            String shown = max.isNumber() ? max.asText() : max.toString(); // Jackson quotes NaN in toString
            if (shown.length() > 40) shown = shown.substring(0, 37) + "...";
            throw new ModelException(label + ": model_max_length is " + shown + "; expected a whole number of positions from "
                    + MIN_TEXT_LENGTH + " to " + MAX_TEXT_LENGTH + " (CLIP uses 77), or transformers' no-limit value int(1e30)");
        }
        return OptionalInt.of((int) m);
    }
}
