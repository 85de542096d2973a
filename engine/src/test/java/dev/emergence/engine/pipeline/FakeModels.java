package dev.emergence.engine.pipeline;

import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Closed-form stand-ins for the text encoder, UNet and VAE, the same formulas as
 * engine/tools/reference/make_pipeline_refs.py (see its docstring), so the pipeline's loop can be
 * compared with diffusers' value for value. Each computes in double and rounds to float, as the
 * script computes in float64 and rounds to float32. They record what they were given.
 */
final class FakeModels {
    static final int TEXT_DIM = 8;
    static final int VAE_FACTOR = 8;

    private FakeModels() {
    }

    /** h[b, p, c] = sin(0.0113·id·(c+1) + 0.29·p + 0.7·c) + 0.25·cos(0.0007·id·(p+1) − 0.4·c). */
    static final class TextEncoder implements DiffusionModels.TextEncoder {
        final List<int[][]> calls = new ArrayList<>();

        @Override
        public Tensor encode(int[][] ids) {
            calls.add(ids);
            int tokens = ids[0].length;
            float[] out = new float[ids.length * tokens * TEXT_DIM];
            for (int b = 0; b < ids.length; b++) {
                for (int p = 0; p < tokens; p++) {
                    double id = ids[b][p];
                    for (int c = 0; c < TEXT_DIM; c++) {
                        out[(b * tokens + p) * TEXT_DIM + c] = (float) (Math.sin(0.0113 * id * (c + 1) + 0.29 * p + 0.7 * c)
                                + 0.25 * Math.cos(0.0007 * id * (p + 1) - 0.4 * c));
                    }
                }
            }
            return new Tensor(out, ids.length, tokens, TEXT_DIM);
        }
    }

    /**
     * eps = 0.75·s + 0.2·tanh(s) + 0.1·tanh(s1) + (0.05 + 0.3·t/1000)·(m[c] − m[c+4])
     * + 0.1·m[(c+2) % 8]·cos(0.9x + 0.6y + c), plus 0.1·mask·tanh(z) − 0.05·(1 − mask)·z for 9 channels;
     * m = the text embeddings averaged over positions.
     */
    static final class Unet implements DiffusionModels.Denoiser {
        final List<Tensor> samples = new ArrayList<>();
        final List<Double> timesteps = new ArrayList<>();
        final List<Integer> batchSizes = new ArrayList<>();
        /** The text states of each call, as given. */
        final List<Tensor> texts = new ArrayList<>();
        /** Runs just before each prediction (e.g. to cancel from "another thread" at a chosen call). */
        Runnable beforeEach = () -> { };

        @Override
        public Tensor predict(Tensor sample, double timestep, Tensor text) {
            beforeEach.run();
            samples.add(sample.copy());
            timesteps.add(timestep);
            batchSizes.add(sample.dim(0));
            texts.add(text.copy());
            int batch = sample.dim(0), channels = sample.dim(1), h = sample.dim(2), w = sample.dim(3), plane = h * w;
            if (text.dim(0) != batch) throw new IllegalArgumentException("text batch " + text + " for sample " + sample);
            int tokens = text.dim(1);
            float[] s = sample.data(), e = text.data();
            float[] out = new float[batch * 4 * plane];
            for (int b = 0; b < batch; b++) {
                double[] m = new double[TEXT_DIM];
                for (int p = 0; p < tokens; p++) {
                    for (int k = 0; k < TEXT_DIM; k++) m[k] += e[(b * tokens + p) * TEXT_DIM + k];
                }
                for (int k = 0; k < TEXT_DIM; k++) m[k] /= tokens;
                int base = b * channels * plane;
                for (int c = 0; c < 4; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int i = y * w + x;
                            double v = s[base + c * plane + i], v1 = s[base + ((c + 1) % 4) * plane + i];
                            double eps = 0.75 * v + 0.2 * Math.tanh(v) + 0.1 * Math.tanh(v1)
                                    + (0.05 + 0.3 * timestep / 1000.0) * (m[c] - m[c + 4])
                                    + 0.1 * m[(c + 2) % 8] * Math.cos(0.9 * x + 0.6 * y + c);
                            if (channels == 9) {
                                double mask = s[base + 4 * plane + i], z = s[base + (5 + c) * plane + i];
                                eps += 0.1 * mask * Math.tanh(z) - 0.05 * (1 - mask) * z;
                            }
                            out[(b * 4 + c) * plane + i] = (float) eps;
                        }
                    }
                }
            }
            return new Tensor(out, batch, 4, h, w);
        }

        /** The indices of the calls made as a generation's last step ({@link #predictLast}). */
        final List<Integer> lastCalls = new ArrayList<>();

        @Override
        public Tensor predictLast(Tensor sample, double timestep, Tensor text, java.util.Map<String, Tensor> extraInputs)
                throws dev.emergence.engine.model.ModelException {
            lastCalls.add(samples.size());
            return predict(sample, timestep, text, extraInputs);
        }

        int calls() { return samples.size(); }
    }

    /** 8×8 average pooling a, then z0 = 0.8a0 + 0.3a1, z1 = 0.7a1 − 0.2a2, z2 = 0.9a2 + 0.1a0, z3 = 0.5·tanh(a0 + a1 + a2). */
    static final class Encoder implements DiffusionModels.ImageEncoder {
        final List<Tensor> inputs = new ArrayList<>();

        @Override
        public Tensor encode(Tensor pixels) {
            inputs.add(pixels.copy());
            int hh = pixels.dim(2), ww = pixels.dim(3), h = hh / VAE_FACTOR, w = ww / VAE_FACTOR;
            float[] p = pixels.data();
            float[] out = new float[4 * h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double[] a = new double[3];
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        for (int dy = 0; dy < VAE_FACTOR; dy++) {
                            for (int dx = 0; dx < VAE_FACTOR; dx++) {
                                sum += p[(c * hh + y * VAE_FACTOR + dy) * ww + x * VAE_FACTOR + dx];
                            }
                        }
                        a[c] = sum / (VAE_FACTOR * VAE_FACTOR);
                    }
                    int i = y * w + x, plane = h * w;
                    out[i] = (float) (0.8 * a[0] + 0.3 * a[1]);
                    out[plane + i] = (float) (0.7 * a[1] - 0.2 * a[2]);
                    out[2 * plane + i] = (float) (0.9 * a[2] + 0.1 * a[0]);
                    out[3 * plane + i] = (float) (0.5 * Math.tanh(a[0] + a[1] + a[2]));
                }
            }
            return new Tensor(out, 1, 4, h, w);
        }
    }

    /**
     * Nearest 8× upsampling with a ramp inside each cell, u = (x % 8 − 3.5)/3.5, v = (y % 8 − 3.5)/3.5:
     * r = tanh(1.1z0 − 0.2z3 + 0.05u), g = tanh(1.2z1 + 0.1z3 + 0.05v), b = tanh(0.9z2 + 0.1z0 − 0.05u).
     */
    static final class Decoder implements DiffusionModels.LatentDecoder {
        Tensor lastOutput;

        @Override
        public Tensor decode(Tensor latents) {
            int h = latents.dim(2), w = latents.dim(3), hh = h * VAE_FACTOR, ww = w * VAE_FACTOR, plane = h * w, big = hh * ww;
            float[] z = latents.data();
            float[] out = new float[3 * big];
            for (int y = 0; y < hh; y++) {
                for (int x = 0; x < ww; x++) {
                    int i = (y / VAE_FACTOR) * w + x / VAE_FACTOR;
                    double z0 = z[i], z1 = z[plane + i], z2 = z[2 * plane + i], z3 = z[3 * plane + i];
                    double u = (x % VAE_FACTOR - 3.5) / 3.5, v = (y % VAE_FACTOR - 3.5) / 3.5;
                    int o = y * ww + x;
                    out[o] = (float) Math.tanh(1.1 * z0 - 0.2 * z3 + 0.05 * u);
                    out[big + o] = (float) Math.tanh(1.2 * z1 + 0.1 * z3 + 0.05 * v);
                    out[2 * big + o] = (float) Math.tanh(0.9 * z2 + 0.1 * z0 - 0.05 * u);
                }
            }
            lastOutput = new Tensor(out, 1, 3, hh, ww);
            return lastOutput.copy();
        }
    }

    /** The fakes, recorded together. */
    static final class Set {
        final TextEncoder text = new TextEncoder();
        final Unet unet = new Unet();
        final Encoder encoder = new Encoder();
        final Decoder decoder = new Decoder();

        PipelineComponents components(ClipTokenizer tokenizer, SchedulerConfig config, int unetInChannels) {
            return new PipelineComponents("fake", tokenizer, text, unet, decoder, () -> encoder, config,
                    VAE_FACTOR, unetInChannels, 4);
        }
    }

    /** The script's init picture: R = (3x + 2y) % 256, G = (5y + x²/16) % 256, B = (128 + 2x − 3y) mod 256. */
    static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (3 * x + 2 * y) % 256, g = (5 * y + x * x / 16) % 256, b = Math.floorMod(128 + 2 * x - 3 * y, 256);
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    /** White (repaint) inside [x0, x1) × [y0, y1), black outside. */
    static BufferedImage mask(int w, int h, int x0, int y0, int x1, int y1) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) img.setRGB(x, y, 0xFFFFFF);
        }
        return img;
    }

    /**
     * A word-level tokenizer.json with CLIP's ids for its few words, written into {@code dir} and
     * loaded: the special tokens are found by CLIP's spellings, padding with the end token.
     */
    static dev.emergence.engine.text.ClipTokenizer wordTokenizer(java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                   {"id": 49406, "content": "<|startoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 49407, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"},
                 "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "unk_token": "<|endoftext|>",
                   "vocab": {"a": 320, "photo": 1125, "of": 539, "cat": 2368, "<|startoftext|>": 49406, "<|endoftext|>": 49407}}}
                """);
        return dev.emergence.engine.text.ClipTokenizer.load(dir);
    }
}
