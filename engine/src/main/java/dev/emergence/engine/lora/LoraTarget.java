package dev.emergence.engine.lora;

/** The network of a model folder a LoRA layer changes, with the graph file that holds it. */
public enum LoraTarget {
    UNET("unet"),
    TEXT_ENCODER("text_encoder"),
    TEXT_ENCODER_2("text_encoder_2");

    private final String folder;

    LoraTarget(String folder) {
        this.folder = folder;
    }

    /** The graph inside a model folder: "unet/model.onnx". */
    public String graphFile() {
        return folder + "/model.onnx";
    }

    /** "unet", "text_encoder", "text_encoder_2" */
    public String folderName() {
        return folder;
    }
}
