package dev.emergence.engine.model;

/** The sessions a generation runs once, which a model may release while its UNet runs ({@link ModelBundle#sessionOpens}). */
public enum OneShotPart {
    TEXT_ENCODER("text_encoder/model.onnx"),
    TEXT_ENCODER_2("text_encoder_2/model.onnx"),
    VAE_ENCODER("vae_encoder/model.onnx"),
    VAE_DECODER("vae_decoder/model.onnx");

    private final String file;

    OneShotPart(String file) {
        this.file = file;
    }

    /** The graph's file in the model folder. */
    public String file() {
        return file;
    }
}
