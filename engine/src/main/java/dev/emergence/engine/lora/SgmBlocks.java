package dev.emergence.engine.lora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * kohya's SDXL LoRAs name the modules of Stability's original (SGM) UNet, which sd-scripts trains on:
 * {@code input_blocks_4_1_transformer_blocks_0_attn1_to_q}, {@code middle_block_0_in_layers_2},
 * {@code output_blocks_2_2_conv}. This renames such a module to the diffusers UNet's path that an
 * export's nodes carry, as diffusers loads these files (loaders/lora_conversion_utils.py:
 * {@code _maybe_map_sgm_blocks_to_diffusers}, then {@code _convert_unet_lora_key}):
 * <ul>
 *   <li>input block i is down block (i − 1) / (L + 1), its layer (i − 1) mod (L + 1), with L the UNet's
 *       layers per block; its item 0 is a resnet, 1 an attention, and {@code op} the downsampler;</li>
 *   <li>middle block 0, 1, 2 are the mid block's resnet 0, attention 0, resnet 1;</li>
 *   <li>output block i is up block i / (L + 1), its layer i mod (L + 1); item 2 is the upsampler;</li>
 *   <li>inside a resnet, {@code in_layers_2} is conv1, {@code emb_layers_1} time_emb_proj,
 *       {@code out_layers_3} conv2 and {@code skip_connection} conv_shortcut; {@code op} is conv.</li>
 * </ul>
 */
final class SgmBlocks {
    private static final List<String> INNER = List.of("resnets", "attentions", "upsamplers");

    private SgmBlocks() {
    }

    /**
     * The dotted diffusers module path of a kohya UNet module in SGM naming, or empty when the module
     * is not in SGM naming (SD 1.x and 2.x LoRAs name diffusers' modules already) or names no block.
     */
    static Optional<String> toDiffusers(String kohyaModule, int layersPerBlock) {
        String[] p = kohyaModule.split("_", -1);
        List<String> out = new ArrayList<>();
        try {
            if (kohyaModule.startsWith("input_blocks_") && p.length > 4) {
                int i = Integer.parseInt(p[2]), inner = Integer.parseInt(p[3]);
                boolean op = kohyaModule.contains("op");
                int block = (i - 1) / (layersPerBlock + 1), layer = (i - 1) % (layersPerBlock + 1);
                if (i < 1 || (!op && inner > 2)) return Optional.empty();
                out.addAll(List.of("input", "blocks", Integer.toString(block), op ? "downsamplers" : INNER.get(inner), op ? "0" : Integer.toString(layer)));
                out.addAll(Arrays.asList(p).subList(4, p.length));
            } else if (kohyaModule.startsWith("middle_block_") && p.length > 3) {
                int i = Integer.parseInt(p[2]);
                if (i > 2) return Optional.empty();
                out.addAll(List.of("middle", "block"));
                out.addAll(i == 1 ? List.of("attentions", "0") : List.of("resnets", i == 0 ? "0" : "1"));
                out.addAll(Arrays.asList(p).subList(3, p.length));
            } else if (kohyaModule.startsWith("output_blocks_") && p.length > 4) {
                int i = Integer.parseInt(p[2]), inner = Integer.parseInt(p[3]);
                if (inner > 2) return Optional.empty();
                int block = i / (layersPerBlock + 1), layer = i % (layersPerBlock + 1);
                out.addAll(List.of("output", "blocks", Integer.toString(block), INNER.get(inner), inner < 2 ? Integer.toString(layer) : "0"));
                out.addAll(Arrays.asList(p).subList(4, p.length));
            } else {
                return Optional.empty();
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(modulePath(String.join(".", out)));
    }

    /** _convert_unet_lora_key's renaming, on a module path with '.' for every '_'. */
    private static String modulePath(String dotted) {
        String n = dotted.replace("input.blocks", "down_blocks").replace("middle.block", "mid_block")
                .replace("output.blocks", "up_blocks").replace("transformer.blocks", "transformer_blocks")
                .replace("proj.in", "proj_in").replace("proj.out", "proj_out").replace("emb.layers", "time_emb_proj");
        // emb_layers_1 is the resnet's time embedding projection: its trailing index goes.
        if (n.contains("time_emb_proj")) n = n.replaceFirst("\\.\\d+$", "");
        n = n.replace("in.layers.2", "conv1").replace("out.layers.3", "conv2").replace("skip.connection", "conv_shortcut");
        if (n.contains("downsamplers") || n.contains("upsamplers")) n = n.replaceFirst("\\.op$", ".conv");
        for (String to : List.of("q", "k", "v")) {
            if (n.endsWith(".to." + to)) n = n.substring(0, n.length() - 5) + ".to_" + to;
        }
        if (n.endsWith(".to.out.0")) n = n.substring(0, n.length() - 9) + ".to_out.0";
        return n;
    }
}
