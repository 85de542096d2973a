#!/usr/bin/env python3
"""Writes reference/lora/sgm_keys.json: how diffusers renames kohya LoRA keys of SDXL UNets.

kohya's sd-scripts trains SDXL LoRAs on Stability's original (SGM) UNet, so its UNet keys name
that UNet's modules (lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q, ..._middle_block_0_...,
..._output_blocks_2_2_conv). diffusers loads them by renaming: loaders/lora_conversion_utils.py,
_maybe_map_sgm_blocks_to_diffusers (block numbering, with the UNet's layers_per_block) and then
_convert_unet_lora_key (the module names inside a block). This script runs those two functions of a
diffusers checkout (their code is run, not copied) on one key of every kind of layer an SDXL LoRA
can hold, for layers_per_block 2 (every SD 1.x, 2.x and SDXL UNet) and 1, and records what they
return. The keys themselves are written here, after kohya's naming of the SGM UNet's modules.

Usage:
    python3 make_sgm_lora_key_refs.py --diffusers-src DIR [--out FILE]
"""

import argparse
import json
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testmodels"))
import make_family_models as mfm  # noqa: E402  (diffusers' loading with stand-in imports)

# Modules of the SGM UNet as kohya names them (the part after "lora_unet_"), one of each kind of
# layer per kind of block: resnets (in_layers_2 = conv1, emb_layers_1 = time_emb_proj,
# out_layers_3 = conv2, skip_connection = conv_shortcut), transformers (proj_in, attention,
# feed-forward, proj_out), down- and upsamplers.
MODULES = [
    "input_blocks_1_0_in_layers_2", "input_blocks_1_0_emb_layers_1", "input_blocks_2_0_out_layers_3",
    "input_blocks_3_0_op",
    "input_blocks_4_0_skip_connection", "input_blocks_4_1_proj_in",
    "input_blocks_4_1_transformer_blocks_0_attn1_to_q", "input_blocks_4_1_transformer_blocks_1_attn2_to_k",
    "input_blocks_5_1_transformer_blocks_0_attn1_to_out_0", "input_blocks_5_1_transformer_blocks_0_ff_net_0_proj",
    "input_blocks_5_1_transformer_blocks_0_ff_net_2", "input_blocks_5_1_proj_out",
    "input_blocks_6_0_op", "input_blocks_7_1_transformer_blocks_9_attn2_to_v", "input_blocks_8_0_emb_layers_1",
    "middle_block_0_in_layers_2", "middle_block_1_transformer_blocks_3_attn1_to_k", "middle_block_1_proj_out",
    "middle_block_2_out_layers_3",
    "output_blocks_0_0_skip_connection", "output_blocks_0_1_transformer_blocks_0_attn1_to_q",
    "output_blocks_1_0_in_layers_2", "output_blocks_2_1_transformer_blocks_2_attn2_to_out_0", "output_blocks_2_2_conv",
    "output_blocks_3_0_emb_layers_1", "output_blocks_4_1_proj_in", "output_blocks_5_2_conv",
    "output_blocks_6_0_out_layers_3", "output_blocks_7_0_in_layers_2", "output_blocks_8_0_skip_connection",
]


def renamed(conv, key, layers_per_block):
    """diffusers' name for one kohya key: the SGM block mapping, then the module renaming."""
    config = types.SimpleNamespace(layers_per_block=layers_per_block)
    mapped = conv._maybe_map_sgm_blocks_to_diffusers({key: None}, config)
    (new_key,) = mapped.keys()
    return conv._convert_unet_lora_key(new_key)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--diffusers-src", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "src", "test", "resources", "reference", "lora", "sgm_keys.json"))
    args = ap.parse_args()
    mfm.load_diffusers(args.diffusers_src)
    import diffusers.loaders.lora_conversion_utils as conv  # noqa: E402
    cases = []
    for layers in (2, 1):
        for module in MODULES:
            if layers == 1 and module.startswith(("input_blocks_7", "input_blocks_8", "output_blocks_6", "output_blocks_7", "output_blocks_8")):
                continue  # beyond a 1-layer UNet of this depth; kept to keys every layout has
            key = "lora_unet_" + module + ".lora_down.weight"
            cases.append({"layers_per_block": layers, "key": key, "diffusers": renamed(conv, key, layers)})
    with open(args.out, "w") as f:
        json.dump({"source": "diffusers 0.30.3 loaders/lora_conversion_utils.py: _maybe_map_sgm_blocks_to_diffusers, "
                             "then _convert_unet_lora_key", "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", len(cases), "cases to", args.out)


if __name__ == "__main__":
    main()
