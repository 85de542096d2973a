package dev.emergence.engine.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import dev.emergence.engine.lora.LoraException;
import dev.emergence.engine.lora.LoraFile;
import dev.emergence.engine.lora.LoraMatches;
import dev.emergence.engine.lora.LoraMerger;
import dev.emergence.engine.lora.LoraTarget;
import dev.emergence.engine.lora.LoraWeight;
import dev.emergence.engine.onnx.OnnxGraph;
import dev.emergence.engine.runtime.ExecutionOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Makes the sessions a change of LoRAs needs: the LoRA files are read and matched against the graphs
 * they change, and each network whose set of LoRAs differs from its current one gets a new session with
 * the merged weights in place of its own. Nothing of the current sessions is touched here.
 */
final class LoraSessions {
    /**
     * @param models  the new sessions, by network; owned by the caller
     * @param applied the LoRAs of every network after the change (an empty list: none)
     * @param notices what of the LoRAs matched nothing
     */
    record Built(Map<LoraTarget, OnnxModel> models, Map<LoraTarget, List<LoraWeight>> applied,
                 List<String> notices) {
    }

    private LoraSessions() {
    }

    static Built build(Path folder, String name, ExecutionOptions options, List<LoraWeight> loras,
                       Map<LoraTarget, List<LoraWeight>> current, Set<LoraTarget> encoders, LoraMerger.Progress progress,
                       BooleanSupplier cancelled) throws ModelException, LoraException {
        Set<LoraTarget> present = new LinkedHashSet<>();
        present.add(LoraTarget.UNET);
        present.addAll(encoders);
        List<LoraFile> files = new ArrayList<>();
        try {
            List<LoraMatches.Applied> applied = new ArrayList<>();
            for (LoraWeight w : loras) {
                LoraFile file = LoraFile.open(w.file(), w.name());
                files.add(file);
                applied.add(new LoraMatches.Applied(file, w.weight(), w.unetWeight()));
            }
            Map<LoraTarget, OnnxGraph> graphs = new EnumMap<>(LoraTarget.class);
            for (LoraFile file : files) {
                for (var layer : file.layers()) {
                    LoraTarget t = layer.target();
                    if (present.contains(t) && !graphs.containsKey(t)) {
                        graphs.put(t, OnnxGraph.read(folder.resolve(t.graphFile()), name + "/" + t.graphFile(), folder));
                    }
                }
            }
            // kohya's SDXL keys number the original UNet's blocks, which depends on its layers per block.
            String unetConfig = name + "/unet/config.json";
            int layersPerBlock = JsonFiles.integer(JsonFiles.readIfPresent(folder.resolve("unet").resolve("config.json"), unetConfig),
                    unetConfig, "layers_per_block", 1, 16).orElse(LoraMatches.DEFAULT_LAYERS_PER_BLOCK);
            LoraMatches matches = LoraMatches.match(applied, graphs, layersPerBlock);
            Map<LoraTarget, List<LoraWeight>> next = new EnumMap<>(LoraTarget.class);
            for (LoraTarget t : present) {
                Set<LoraFile> used = new java.util.HashSet<>();
                matches.of(t).values().forEach(list -> list.forEach(m -> used.add(m.lora().file())));
                List<LoraWeight> mine = new ArrayList<>();
                // Kept with this network's weight alone, so a change of the other network's weight rebuilds only that one.
                for (int i = 0; i < loras.size(); i++) {
                    if (!used.contains(files.get(i))) continue;
                    LoraWeight w = loras.get(i);
                    mine.add(new LoraWeight(w.file(), w.name(), w.weightFor(t), w.weightFor(t)));
                }
                next.put(t, List.copyOf(mine));
            }
            Map<LoraTarget, OnnxModel> models = new EnumMap<>(LoraTarget.class);
            try {
                for (LoraTarget t : present) {
                    if (next.get(t).equals(current.getOrDefault(t, List.of()))) continue;
                    WeightOverrides merged = WeightOverrides.NONE;
                    if (!next.get(t).isEmpty()) {
                        OnnxGraph graph = graphs.get(t);
                        Map<String, OnnxTensor> tensors = LoraMerger.merge(OrtEnvironment.getEnvironment(), graph, t, matches.of(t), progress, cancelled);
                        Set<String> external = new java.util.HashSet<>();
                        for (String n : tensors.keySet()) if (graph.isExternal(n)) external.add(n);
                        merged = new WeightOverrides(tensors, external);
                    }
                    models.put(t, OnnxModel.open(folder.resolve(t.graphFile()), name + "/" + t.graphFile(),
                            t == LoraTarget.UNET ? options : options.forOneShot(), folder, merged));
                }
            } catch (ModelException | LoraException | RuntimeException e) {
                models.values().forEach(OnnxModel::close);
                throw e;
            }
            return new Built(models, next, matches.notices());
        } finally {
            files.forEach(LoraFile::close);
        }
    }
}
