package dev.emergence.engine.library;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The files of a hub repository that a diffusers ONNX Stable Diffusion bundle needs: the
 * top-level {@code model_index.json} and the folders the engine opens ({@code scheduler/},
 * {@code tokenizer/}, {@code text_encoder/}, {@code unet/}, {@code vae_decoder/}, and when present
 * {@code vae_encoder/}, a {@code vae_preview/} decoder and SDXL's {@code text_encoder_2/} and
 * {@code tokenizer_2/}), with every file in them (the UNet's
 * external weights are {@code weights.pb} or {@code model.onnx_data} depending on the exporter)
 * except weights in other formats. Repositories often carry PyTorch weights, a safety checker,
 * sample pictures and model cards beside the ONNX export: those are gigabytes the engine never reads.
 */
public final class OnnxSubset {
    static final List<String> FOLDERS = List.of("scheduler", "tokenizer", "tokenizer_2", "text_encoder", "text_encoder_2", "unet",
            "vae_decoder", "vae_encoder", "vae_preview");
    /**
     * Weights for other frameworks, and documents: never part of an ONNX bundle. OpenVINO's IR is
     * an .xml graph beside its .bin weights (SDXL base 1.0 publishes both in the ONNX folders).
     */
    private static final Set<String> SKIPPED_EXTENSIONS = Set.of("safetensors", "bin", "ckpt", "pt", "pth", "msgpack", "h5",
            "gguf", "xml", "md", "png", "jpg", "jpeg", "webp", "gif");

    private OnnxSubset() {
    }

    /** Whether an ONNX bundle needs the file at {@code path} (a repository path with '/' separators). */
    public static boolean wanted(String path) {
        if (path.equals("model_index.json")) return true;
        int slash = path.indexOf('/');
        if (slash < 0 || !FOLDERS.contains(path.substring(0, slash))) return false;
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.startsWith(".")) return false;
        int dot = name.lastIndexOf('.');
        return dot < 0 || !SKIPPED_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The files of {@code all} that {@link #wanted}. */
    public static List<HubFile> select(List<HubFile> all) {
        List<HubFile> out = new ArrayList<>();
        for (HubFile f : all) if (wanted(f.path())) out.add(f);
        return out;
    }

    /**
     * What the engine requires (see {@code ModelBundle.open}) that {@code files} lack, as repository
     * paths; empty when the selection can be a bundle.
     */
    public static List<String> missing(List<HubFile> files) {
        Set<String> paths = new java.util.HashSet<>();
        for (HubFile f : files) paths.add(f.path());
        List<String> out = new ArrayList<>();
        for (String required : List.of("model_index.json", "scheduler/scheduler_config.json", "text_encoder/model.onnx",
                "unet/model.onnx", "vae_decoder/model.onnx")) {
            if (!paths.contains(required)) out.add(required);
        }
        requireTokenizer(paths, "tokenizer", out);
        // SDXL: a second encoder or tokenizer means both are needed.
        boolean xl = paths.stream().anyMatch(p -> p.startsWith("text_encoder_2/") || p.startsWith("tokenizer_2/"));
        if (xl) {
            if (!paths.contains("text_encoder_2/model.onnx")) out.add("text_encoder_2/model.onnx");
            requireTokenizer(paths, "tokenizer_2", out);
        }
        return out;
    }

    private static void requireTokenizer(Set<String> paths, String folder, List<String> out) {
        boolean bpe = paths.contains(folder + "/vocab.json") && paths.contains(folder + "/merges.txt");
        if (!bpe && !paths.contains(folder + "/tokenizer.json")) {
            out.add(folder + "/vocab.json and " + folder + "/merges.txt (or " + folder + "/tokenizer.json)");
        }
    }
}
