package dev.emergence.engine.pipeline;

/** What a request asks for; it follows from the inputs (an init image makes img2img, a mask makes inpainting). */
public enum GenerationMode {
    TXT2IMG, IMG2IMG, INPAINT
}
