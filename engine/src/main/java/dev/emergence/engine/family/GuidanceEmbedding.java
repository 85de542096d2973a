package dev.emergence.engine.family;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A latent consistency model's guidance: no unconditional pass; the scale goes into the UNet as
 * {@code timestep_cond}, diffusers' {@code get_guidance_scale_embedding(w − 1)} of
 * LatentConsistencyModelPipeline (a sinusoidal embedding of 1000·(w − 1), sines then cosines).
 * Wraps the family's own text conditioning (SD or SDXL).
 */
public final class GuidanceEmbedding implements Conditioner {
    private final Conditioner text;
    private final int width;

    public GuidanceEmbedding(Conditioner text, int width) {
        if (width < 2) throw new IllegalArgumentException("guidance embedding width " + width);
        this.text = text;
        this.width = width;
    }

    @Override
    public boolean strengthInSchedule() {
        return true;
    }

    @Override
    public int clipSkipLimit() {
        return text.clipSkipLimit();
    }

    @Override
    public Conditioning condition(TextRequest r) throws ModelException, InvalidRequestException {
        // Guidance 1 asks the text conditioning for no unconditional half; the negative prompt has no use.
        Conditioning c = text.condition(new TextRequest(r.prompt(), "", 1.0, r.width(), r.height(), r.clipSkip()));
        List<String> notices = new ArrayList<>();
        if (!r.negativePrompt().isBlank()) {
            notices.add("negative prompt ignored: an LCM model takes its guidance as an embedding and has no unconditional pass");
        }
        int batch = c.encoderHiddenStates().dim(0);
        float[] one = embedding(r.cfgScale() - 1.0, width);
        float[] all = new float[batch * width];
        for (int b = 0; b < batch; b++) System.arraycopy(one, 0, all, b * width, width);
        return c.withExtra("timestep_cond", new Tensor(all, batch, width), false, notices);
    }

    /**
     * The embedding of guidance {@code w} (already minus 1) in float32 arithmetic as torch computes it:
     * w·1000 times exp(−i·ln(10000)/(half − 1)) for i below half, then sin and cos; zero-padded when odd.
     */
    static float[] embedding(double w, int dim) {
        int half = dim / 2;
        float scaled = (float) w * 1000f;
        float ln = (float) Math.log(10000.0);
        float step = ln / (half - 1);
        float[] out = new float[dim];
        for (int i = 0; i < half; i++) {
            float freq = (float) Math.exp(i * -step);
            float arg = scaled * freq;
            out[i] = (float) Math.sin(arg);
            out[half + i] = (float) Math.cos(arg);
        }
        return out;
    }
}
