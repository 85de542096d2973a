package dev.emergence.engine.lora;

import dev.emergence.engine.onnx.OnnxGraph;
import dev.emergence.engine.onnx.WeightSlot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which weight of which graph every layer of some LoRA files changes, found through the graphs' node
 * scopes: a layer names a module path (kohya's with '_' for '.'), and the MatMul, Gemm or Conv node in
 * that scope names the initializer. A path matches exactly or, where an export wrapped the network in
 * a module of its own ({@code /unet/down_blocks.0/…}), as the unique path ending with it.
 */
public final class LoraMatches {
    /** A LoRA file and the weights it is applied with: on the text encoders, and on the UNet. */
    public record Applied(LoraFile file, double weight, double unetWeight) {
        public Applied(LoraFile file, double weight) {
            this(file, weight, weight);
        }

        public double weightFor(LoraTarget target) {
            return target == LoraTarget.UNET ? unetWeight : weight;
        }
    }

    /** One layer of one LoRA, matched to the weight it changes. */
    public record Match(Applied lora, LoraLayer layer, WeightSlot slot, int rank, long out, long in) {
    }

    private final Map<LoraTarget, Map<String, List<Match>>> byInitializer;
    private final List<String> notices;

    private LoraMatches(Map<LoraTarget, Map<String, List<Match>>> byInitializer, List<String> notices) {
        this.byInitializer = byInitializer;
        this.notices = notices;
    }

    /**
     * Matches every layer of {@code loras} against the graphs the model has.
     *
     * @throws LoraException a file none of whose layers matches, a layer whose shape is not its weight's,
     *                       or a weight that several nodes share
     */
    public static LoraMatches match(List<Applied> loras, Map<LoraTarget, OnnxGraph> graphs) throws LoraException {
        return match(loras, graphs, DEFAULT_LAYERS_PER_BLOCK);
    }

    /** Every SD 1.x, 2.x and SDXL UNet has two layers (resnets, attentions) per down block. */
    public static final int DEFAULT_LAYERS_PER_BLOCK = 2;

    /**
     * Matches as {@link #match(List, Map)}, reading kohya's SDXL keys, which name the original (SGM)
     * UNet's blocks, with the UNet's layers per block ({@link SgmBlocks}).
     */
    public static LoraMatches match(List<Applied> loras, Map<LoraTarget, OnnxGraph> graphs, int unetLayersPerBlock) throws LoraException {
        Map<LoraTarget, Map<String, List<String>>> kohyaIndex = new HashMap<>();
        for (Map.Entry<LoraTarget, OnnxGraph> g : graphs.entrySet()) {
            Map<String, List<String>> index = new HashMap<>();
            for (String path : g.getValue().modulePaths()) index.computeIfAbsent(kohyaForm(path), k -> new ArrayList<>()).add(path);
            kohyaIndex.put(g.getKey(), index);
        }
        Map<LoraTarget, Map<String, List<Match>>> byInitializer = new LinkedHashMap<>();
        List<String> notices = new ArrayList<>();
        for (Applied lora : loras) {
            List<String> unmatched = new ArrayList<>();
            int matched = 0;
            for (LoraLayer layer : lora.file().layers()) {
                OnnxGraph graph = graphs.get(layer.target());
                String path = graph == null ? null : modulePath(graph, kohyaIndex.get(layer.target()), layer, unetLayersPerBlock);
                if (path == null) {
                    unmatched.add(layer.key());
                    continue;
                }
                Match m = matchSlot(lora, layer, graph, path);
                if (lora.weightFor(layer.target()) == 0) {
                    matched++; // matched, at weight 0 on this network: nothing to merge, no session to rebuild
                    continue;
                }
                List<String> users = graph.consumers(m.slot().initializer());
                if (users.size() > 1) {
                    throw new LoraException(lora.file().name() + ": layer '" + layer.key() + "' changes the weight '" + m.slot().initializer()
                            + "' of " + graph.label() + ", which " + users.size() + " nodes share (" + String.join(", ", users.subList(0, Math.min(3, users.size())))
                            + "); merging into it would change them all, so the LoRA is refused");
                }
                byInitializer.computeIfAbsent(layer.target(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(m.slot().initializer(), k -> new ArrayList<>()).add(m);
                matched++;
            }
            int total = lora.file().layers().size();
            if (matched == 0) {
                throw new LoraException(lora.file().name() + ": none of its " + total + " LoRA layers matches a layer of this model (such as '"
                        + unmatched.get(0) + "'); expected a LoRA made for this model's family");
            }
            if (!unmatched.isEmpty()) {
                notices.add(lora.file().name() + ": " + unmatched.size() + " of " + total + " LoRA layers matched nothing: "
                        + String.join(", ", unmatched.subList(0, Math.min(3, unmatched.size()))) + (unmatched.size() > 3 ? ", …" : ""));
            }
            if (!lora.file().notUnderstood().isEmpty()) {
                List<String> other = lora.file().notUnderstood();
                notices.add(lora.file().name() + ": " + other.size() + " tensors are of no LoRA layer the engine reads (LoHa, LoKr and DoRA are not "
                        + "supported) and were ignored: " + String.join(", ", other.subList(0, Math.min(3, other.size()))) + (other.size() > 3 ? ", …" : ""));
            }
        }
        return new LoraMatches(byInitializer, List.copyOf(notices));
    }

    /** The graph's module path a layer names, or null when none does (or several do). */
    private static String modulePath(OnnxGraph graph, Map<String, List<String>> kohyaIndex, LoraLayer layer, int layersPerBlock) {
        String module = layer.module();
        boolean kohya = layer.kohya();
        if (kohya && layer.target() == LoraTarget.UNET) {
            java.util.Optional<String> renamed = SgmBlocks.toDiffusers(module, layersPerBlock);
            if (renamed.isPresent()) {
                module = renamed.get();
                kohya = false;
            }
        }
        if (kohya) {
            List<String> exact = kohyaIndex.getOrDefault(module, List.of());
            if (exact.size() == 1) return exact.get(0);
            if (exact.size() > 1) return null;
        } else if (!graph.slots(module).isEmpty()) {
            return module;
        }
        String found = null;
        for (String path : graph.modulePaths()) {
            String form = kohya ? kohyaForm(path) : path;
            if (form.endsWith((kohya ? "_" : ".") + module)) {
                if (found != null) return null; // ambiguous: named as matching nothing rather than guessed
                found = path;
            }
        }
        return found;
    }

    /** The slot of {@code path} whose weight has the layer's shape. */
    private static Match matchSlot(Applied lora, LoraLayer layer, OnnxGraph graph, String path) throws LoraException {
        long[] down = lora.file().shape(layer.down()), up = lora.file().shape(layer.up());
        int rank = (int) down[0];
        long in = 1;
        for (int i = 1; i < down.length; i++) in *= down[i];
        long out = up[0];
        List<WeightSlot> slots = graph.slots(path);
        for (WeightSlot s : slots) {
            long[] d = s.dims();
            boolean fits = s.transposed()
                    ? d.length == 2 && d[0] == in && d[1] == out
                    : d.length >= 2 && d[0] == out && s.elementCount() == out * in;
            if (fits) return new Match(lora, layer, s, rank, out, in);
        }
        throw new LoraException(lora.file().name() + ": layer '" + layer.key() + "' makes a [" + out + "," + in + "] update (down "
                + Arrays.toString(down) + ", up " + Arrays.toString(up) + ") but " + graph.label() + " holds its weight as "
                + slots.get(0).shapeText() + "; expected a LoRA made for this model");
    }

    private static String kohyaForm(String path) {
        return path.replace('.', '_');
    }

    /** The networks whose weights change. */
    public java.util.Set<LoraTarget> targets() {
        return byInitializer.keySet();
    }

    /** The matched layers of one network, by the initializer they change, in graph order of matching. */
    public Map<String, List<Match>> of(LoraTarget target) {
        return byInitializer.getOrDefault(target, Map.of());
    }

    /** One line per file with layers that matched nothing, or tensors the engine does not read. */
    public List<String> notices() {
        return notices;
    }
}
