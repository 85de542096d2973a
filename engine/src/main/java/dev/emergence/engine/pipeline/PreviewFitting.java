package dev.emergence.engine.pipeline;

import dev.emergence.engine.tensor.Tensor;

/** Inputs for fitting a latent-to-RGB preview to a model whose latent space is its own. */
final class PreviewFitting {
    private PreviewFitting() {
    }

    /**
     * A test card [1, 3, h, w] in [-1, 1]: flat patches of many hues, greys and gradients, so the
     * least-squares fit sees every colour direction the model's latents can take.
     */
    static Tensor testCard(int width, int height) {
        float[] d = new float[3 * width * height];
        int plane = width * height;
        int cells = 6;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int cx = x * cells / width, cy = y * cells / height;
                float hue = (cx + cells * cy) / (float) (cells * cells);
                float value = 0.35f + 0.65f * ((cy + cx) % 3) / 2f;
                float sat = cy % 2 == 0 ? 1f : 0.45f;
                if (cx == cells - 1) sat = 0f; // a column of greys
                float[] rgb = hsv(hue, sat, cy == cells - 1 ? x / (float) width : value);
                for (int ch = 0; ch < 3; ch++) d[ch * plane + y * width + x] = rgb[ch] * 2f - 1f;
            }
        }
        return new Tensor(d, 1, 3, height, width);
    }

    private static float[] hsv(float h, float s, float v) {
        java.awt.Color c = java.awt.Color.getHSBColor(h, s, v);
        return new float[] {c.getRed() / 255f, c.getGreen() / 255f, c.getBlue() / 255f};
    }
}
