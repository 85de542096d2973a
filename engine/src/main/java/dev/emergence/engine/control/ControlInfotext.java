package dev.emergence.engine.control;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ControlNets in AUTOMATIC1111's parameters text, as its ControlNet extension writes them
 * (sd-webui-controlnet, scripts/infotext.py serialize_unit): one entry {@code ControlNet i} per
 * unit whose value is "Field: value" pairs joined by ", ", the fields of its ControlNetUnit in their
 * order without image, enabled, advanced_weighting and inpaint_crop_input_image, and without the
 * sliders a module has not (value -1): Module, Model ("name [hash]"), Weight, Resize Mode, Low Vram,
 * Processor Res, Threshold A, Threshold B, Guidance Start, Guidance End, Pixel Perfect, Control Mode,
 * Hr Option, Save Detected Map. The extension records no control picture; the hashes of ours go in
 * one more entry, {@code Control images}, whose name does not start with "ControlNet" (the extension
 * parses every such entry as a unit).
 */
public final class ControlInfotext {
    public static final String IMAGES_KEY = "Control images";

    private ControlInfotext() {
    }

    /** The entries for a request's units, in order, at the generation's size. */
    public static Map<String, String> entries(List<ControlUnit> units, int width, int height) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> hashes = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) {
            out.put("ControlNet " + i, unit(units.get(i), width, height));
            String hash = units.get(i).imageSha256();
            if (hash != null) hashes.add(i + ": " + hash.substring(0, Math.min(10, hash.length())));
        }
        if (!hashes.isEmpty()) out.put(IMAGES_KEY, String.join(", ", hashes));
        return out;
    }

    /** One unit's value, e.g. "Module: canny, Model: control_sd15_canny [a1b2c3d4], Weight: 1.0, ...". */
    public static String unit(ControlUnit u, int width, int height) {
        List<String> f = new ArrayList<>();
        f.add("Module: " + u.preprocessor().a1111Module());
        f.add("Model: " + modelName(u));
        f.add("Weight: " + u.weight());
        // The picture is stretched to the generation's size, as diffusers' control image processor resizes.
        f.add("Resize Mode: Just Resize");
        f.add("Low Vram: False");
        // The preprocessors run at the generation's size: its short side is their resolution.
        switch (u.preprocessor()) {
            case CANNY -> {
                f.add("Processor Res: " + Math.min(width, height));
                f.add("Threshold A: " + u.cannyLowOrDefault());
                f.add("Threshold B: " + u.cannyHighOrDefault());
            }
            case TILE -> {
                f.add("Processor Res: " + Math.min(width, height));
                f.add("Threshold A: 1.0"); // tile_resample's down-sampling rate: 1 keeps the picture as it is
            }
            default -> {
            }
        }
        f.add("Guidance Start: " + u.guidanceStart());
        f.add("Guidance End: " + u.guidanceEnd());
        f.add("Pixel Perfect: False");
        f.add("Control Mode: Balanced");
        f.add("Hr Option: Both");
        f.add("Save Detected Map: True");
        return String.join(", ", f);
    }

    /** The ControlNet's folder name, with its short hash in brackets when known; ',' and ':' (which the format cannot hold) dropped. */
    static String modelName(ControlUnit u) {
        Path p = Path.of(u.model());
        String name = p.getFileName() == null ? u.model() : p.getFileName().toString();
        name = name.replace(",", "").replace(":", "");
        return u.modelHash() == null ? name : name + " [" + u.modelHash() + "]";
    }
}
