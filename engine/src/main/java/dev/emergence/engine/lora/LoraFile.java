package dev.emergence.engine.lora;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An opened LoRA file: its tensors ({@link SafeTensors}) read as layers ({@link LoraKeys}). Every
 * layer has a down and an up tensor whose ranks agree; tensors that follow neither key convention
 * are listed as not understood. Owns the open file.
 */
public final class LoraFile implements AutoCloseable {
    private final String name;
    private final SafeTensors tensors;
    private final List<LoraLayer> layers;
    private final List<String> notUnderstood;

    private LoraFile(String name, SafeTensors tensors, List<LoraLayer> layers, List<String> notUnderstood) {
        this.name = name;
        this.tensors = tensors;
        this.layers = layers;
        this.notUnderstood = notUnderstood;
    }

    /**
     * Opens and reads {@code file}.
     *
     * @param name how messages name the LoRA ("style" for loras/style.safetensors)
     */
    public static LoraFile open(Path file, String name) throws LoraException {
        SafeTensors tensors = SafeTensors.open(file, name);
        try {
            Map<String, LoraKeys.Parsed[]> byLayer = new LinkedHashMap<>();
            List<String> notUnderstood = new ArrayList<>();
            for (String key : tensors.entries().keySet()) {
                Optional<LoraKeys.Parsed> parsed = LoraKeys.parse(key);
                if (parsed.isEmpty()) {
                    notUnderstood.add(key);
                    continue;
                }
                LoraKeys.Parsed p = parsed.get();
                byLayer.computeIfAbsent(p.layerKey(), k -> new LoraKeys.Parsed[3])[p.role().ordinal()] = p;
            }
            List<LoraLayer> layers = new ArrayList<>();
            for (Map.Entry<String, LoraKeys.Parsed[]> e : byLayer.entrySet()) {
                layers.add(layer(tensors, name, e.getKey(), e.getValue()));
            }
            if (layers.isEmpty()) {
                throw new LoraException(name + ": has no LoRA layers (" + tensors.entries().size() + " tensors); expected kohya keys "
                        + "(lora_unet_….lora_down.weight, lora_te_…) or diffusers keys (unet.….lora_A.weight, text_encoder.…)");
            }
            return new LoraFile(name, tensors, List.copyOf(layers), List.copyOf(notUnderstood));
        } catch (LoraException | RuntimeException e) {
            tensors.close();
            throw e;
        }
    }

    private static LoraLayer layer(SafeTensors tensors, String name, String key, LoraKeys.Parsed[] parts) throws LoraException {
        LoraKeys.Parsed down = parts[LoraKeys.Role.DOWN.ordinal()], up = parts[LoraKeys.Role.UP.ordinal()];
        LoraKeys.Parsed alpha = parts[LoraKeys.Role.ALPHA.ordinal()];
        if (down == null || up == null) {
            throw new LoraException(name + ": layer '" + key + "' has " + (down == null ? "an up but no down" : "a down but no up")
                    + " tensor; expected both");
        }
        String downKey = down.tensor(), upKey = up.tensor();
        SafeTensors.Entry d = tensors.entries().get(downKey), u = tensors.entries().get(upKey);
        boolean shapes = (d.rank() == 2 || d.rank() == 4) && (u.rank() == 2 || u.rank() == 4) && u.dim(1) == d.dim(0)
                && d.dim(0) > 0 && (u.rank() == 2 || (u.dim(2) == 1 && u.dim(3) == 1));
        if (!shapes) {
            throw new LoraException(name + ": layer '" + key + "' has down " + java.util.Arrays.toString(d.shape()) + " and up "
                    + java.util.Arrays.toString(u.shape()) + "; expected down [rank, in(, kh, kw)] and up [out, rank(, 1, 1)]");
        }
        double alphaValue = Double.NaN;
        if (alpha != null) {
            String alphaKey = alpha.tensor();
            if (tensors.entries().get(alphaKey).elementCount() != 1) {
                throw new LoraException(name + ": '" + alphaKey + "' has " + tensors.entries().get(alphaKey).elementCount()
                        + " values; expected one alpha");
            }
            alphaValue = tensors.read(alphaKey)[0];
            if (!Double.isFinite(alphaValue)) throw new LoraException(name + ": '" + alphaKey + "' is " + alphaValue + "; expected a finite alpha");
        }
        return new LoraLayer(key, down.target(), down.module(), down.kohya(), downKey, upKey, alphaValue);
    }

    public String name() {
        return name;
    }

    public List<LoraLayer> layers() {
        return layers;
    }

    /** Tensor names that follow neither key convention. */
    public List<String> notUnderstood() {
        return notUnderstood;
    }

    /** A tensor's values as float. */
    public float[] read(String tensor) throws LoraException {
        return tensors.read(tensor);
    }

    /** The shape of a tensor. */
    public long[] shape(String tensor) {
        return tensors.entries().get(tensor).shape();
    }

    @Override
    public void close() {
        tensors.close();
    }
}
