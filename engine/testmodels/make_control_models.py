#!/usr/bin/env python3
"""Writes the tiny ControlNet test folders, made with diffusers' own classes:

    tiny-sd-control/        an SD 1.5-style base model whose folder also holds a ControlNet UNet
                            (controlnet/model.onnx), as OnnxStack's model sets do
    tiny-controlnet-a/      a ControlNet for it (ControlNetModel.from_unet), model.onnx + config.json
    tiny-controlnet-b/      a second one (other seed), for several ControlNets at once
    misc/controlnet-6-residuals/   a ControlNet of another UNet (two layers per block: 6 down residuals)
    misc/controlnet-wide/          a ControlNet of a wider UNet (same count, other channel widths)

The layout and tensor names are those of OnnxStack's converter (OnnxStack.Converter/ControlNet and
OnnxStack.Converter/StableDiffusion: config_controlnet.json, models.py; OnnxStack.StableDiffusion's
ModelFactory reads `controlnet/model.onnx` of a model folder as the UNet for its ControlNet diffusers):

    ControlNet: sample [B,4,h,w], timestep [B], encoder_hidden_states [B,S,D], controlnet_cond [B,3,H,W],
                conditioning_scale (double [1]) -> down_block_{0..N-1}_additional_residual,
                mid_block_additional_residual
    ControlNet UNet (controlnet/): sample, timestep, encoder_hidden_states,
                down_block_{0..N-1}_additional_residual, mid_block_additional_residual -> out_sample

with every axis of the residual inputs dynamic (batch, channels, height, width), as OnnxStack
declares them. N follows the UNet's configuration: 12 for SD 1.5, 4 here (conv_in, one resnet per
block, one downsampler).

The base model's text encoder, tokenizer and VAE are those of tiny-lcm (make_family_models.py beside
this script: its functions are imported, not copied); its UNet is SD 1.5's shape shrunk (tiny-lcm's
configuration without LCM's guidance embedding), with its own seed. unet/ holds the same UNet
exported plainly (optimum's names), so a folder serves generations with and without control.

ControlNetModel.from_unet copies the UNet's weights; its zero convolutions (the conditioning
embedding's conv_out, controlnet_down_blocks, controlnet_mid_block) start at zero, which would make
every residual zero, so they get seeded random weights here. conditioning_embedding_out_channels has
three entries: two stride-2 convolutions, matching the VAE's factor 4 (SD's factor 8 has four).

Usage:
    python3 make_control_models.py --diffusers-src DIR [--out DIR]

DIR is the `src` folder of a diffusers checkout (0.30.3 was used). The output is deterministic.
"""

import argparse
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_family_models as mfm  # noqa: E402

SEED_UNET = 3301
SEED_CONTROLNETS = {"tiny-controlnet-a": 3302, "tiny-controlnet-b": 3303,
                    "misc/controlnet-6-residuals": 3304, "misc/controlnet-wide": 3305}
CONDITIONING_CHANNELS = (8, 8, 16)  # three entries: the control picture is scaled down by 4, as the VAE does

# tiny-lcm's UNet configuration without LCM's guidance embedding, narrower (the folder stays small)
UNET_CONFIG = dict({k: v for k, v in mfm.UNET_LCM_CONFIG.items() if k != "time_cond_proj_dim"}, block_out_channels=[8, 16])
# the UNets of the two misfits (their ControlNets must be refused by tiny-sd-control)
UNET_6_RESIDUALS = dict(UNET_CONFIG, layers_per_block=2)
UNET_WIDE = dict(UNET_CONFIG, block_out_channels=[16, 24])

SCHEDULER_SD15 = mfm.mtm.PNDM_SD15  # runwayml/stable-diffusion-v1-5's scheduler/scheduler_config.json


def residual_count(unet):
    cfg = unet.config
    blocks = len(cfg.down_block_types)
    return 1 + blocks * cfg.layers_per_block + (blocks - 1)


def build_controlnet(diffusers, unet, seed):
    """ControlNetModel.from_unet, then the zero convolutions given seeded random weights."""
    net = diffusers.ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=CONDITIONING_CHANNELS).eval()
    gen = torch.Generator().manual_seed(seed)
    zero_convs = [net.controlnet_cond_embedding.conv_out, *net.controlnet_down_blocks, net.controlnet_mid_block]
    with torch.no_grad():
        for conv in zero_convs:
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) * 0.2)
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=gen) * 0.05)
    return net


def build_all(diffusers):
    """The torch modules, by name (the reference script rebuilds them with this function)."""
    vocab_size = len(mfm.tokenizer(mfm.PAD_TOKEN_1).vocab)
    te1, _ = mfm.build_text_encoders(vocab_size)
    unet = mfm.build_unet(diffusers, UNET_CONFIG, SEED_UNET)
    models = {"vocab_size": vocab_size, "text_encoder": te1, "unet": unet, "vae": mfm.build_vae(diffusers, mfm.SCALING_SD)}
    for name in ("tiny-controlnet-a", "tiny-controlnet-b"):
        models[name] = build_controlnet(diffusers, unet, SEED_CONTROLNETS[name])
    models["misc/controlnet-6-residuals"] = build_controlnet(
        diffusers, mfm.build_unet(diffusers, UNET_6_RESIDUALS, SEED_UNET), SEED_CONTROLNETS["misc/controlnet-6-residuals"])
    models["misc/controlnet-wide"] = build_controlnet(
        diffusers, mfm.build_unet(diffusers, UNET_WIDE, SEED_UNET), SEED_CONTROLNETS["misc/controlnet-wide"])
    return models


def residual_names(n):
    return [f"down_block_{i}_additional_residual" for i in range(n)] + ["mid_block_additional_residual"]


class _ControlNetExport(torch.nn.Module):
    """OnnxStack's PatchedControlNetModel: the residuals as separate outputs. The conditioning scale
    is a double [1] input as OnnxStack feeds it; diffusers multiplies every residual by it."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale):
        down, mid = self.net(sample, timestep, encoder_hidden_states=encoder_hidden_states, controlnet_cond=controlnet_cond,
                             conditioning_scale=conditioning_scale.to(torch.float32)[0], return_dict=False)
        return (*down, mid)


class _ControlUnetExport(torch.nn.Module):
    """OnnxStack's ControlNetUNet2DConditionModel: the residuals as separate inputs."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, *residuals):
        return self.unet(sample, timestep, encoder_hidden_states, down_block_additional_residuals=tuple(residuals[:-1]),
                         mid_block_additional_residual=residuals[-1], return_dict=False)[0]


class _PlainUnetExport(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states, return_dict=False)[0]


def _example(unet):
    cfg = unet.config
    g = torch.Generator().manual_seed(0)
    return (torch.randn(2, cfg.in_channels, mfm.LATENT, mfm.LATENT, generator=g), torch.tensor([999.0, 999.0]),
            torch.zeros(2, mfm.TEXT_LENGTH, cfg.cross_attention_dim))


def export_controlnet(net):
    n = residual_count(net)  # a ControlNet's config has its UNet's block layout
    sample, timestep, states = _example(net)
    cond = torch.rand(2, 3, mfm.PIXELS, mfm.PIXELS, generator=torch.Generator().manual_seed(1))
    inputs = {"sample": {0: "unet_sample_batch", 1: "unet_sample_channels", 2: "unet_sample_height", 3: "unet_sample_width"},
              "timestep": {0: "unet_time_batch"},
              "encoder_hidden_states": {0: "unet_hidden_batch", 1: "unet_hidden_sequence"},
              "controlnet_cond": {0: "controlnet_sample_batch", 1: "controlnet_sample_channels",
                                  2: "controlnet_sample_height", 3: "controlnet_sample_width"},
              "conditioning_scale": {}}
    outputs = {name: {} for name in residual_names(n)}
    return mfm._export(_ControlNetExport(net), (sample, timestep, states, cond, torch.tensor([1.0], dtype=torch.float64)),
                       inputs, outputs, mfm.OPSET)


def export_control_unet(unet):
    n = residual_count(unet)
    sample, timestep, states = _example(unet)
    residuals = _residual_examples(unet, sample)
    inputs = {"sample": {0: "unet_sample_batch", 2: "unet_sample_height", 3: "unet_sample_width"},
              "timestep": {0: "unet_time_batch"},
              "encoder_hidden_states": {0: "unet_hidden_batch", 1: "unet_hidden_sequence"}}
    for i, name in enumerate(residual_names(n)):
        inputs[name] = {0: f"cnet_{i}_batch", 1: f"cnet_{i}_channels", 2: f"cnet_{i}_height", 3: f"cnet_{i}_width"}
    return mfm._export(_ControlUnetExport(unet), (sample, timestep, states, *residuals), inputs,
                       {"out_sample": {0: "unet_sample_batch", 2: "unet_sample_height", 3: "unet_sample_width"}}, mfm.OPSET)


def _residual_examples(unet, sample):
    """Random residuals of the shapes the UNet's down blocks produce (a ControlNet of it makes these)."""
    cfg = unet.config
    g = torch.Generator().manual_seed(2)
    shapes, size = [], sample.shape[-1]
    shapes.append((cfg.block_out_channels[0], size))
    for b, ch in enumerate(cfg.block_out_channels):
        shapes += [(ch, size)] * cfg.layers_per_block
        if b < len(cfg.block_out_channels) - 1:
            size //= 2
            shapes.append((ch, size))
    shapes.append((cfg.block_out_channels[-1], size))
    return [torch.randn(sample.shape[0], ch, s, s, generator=g) * 0.1 for ch, s in shapes]


def export_plain_unet(unet):
    sample, timestep, states = _example(unet)
    return mfm._export(_PlainUnetExport(unet), (sample, timestep, states),
                       {"sample": {0: "batch_size", 2: "height", 3: "width"}, "timestep": {0: "batch_size"},
                        "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"}},
                       {"out_sample": {0: "batch_size", 2: "height", 3: "width"}}, mfm.OPSET)


def export_all(models):
    files = {
        "tiny-sd-control/text_encoder/model.onnx": mfm.export_text_encoder(models["text_encoder"], hidden_states=False),
        "tiny-sd-control/unet/model.onnx": export_plain_unet(models["unet"]),
        "tiny-sd-control/controlnet/model.onnx": export_control_unet(models["unet"]),
        "tiny-sd-control/vae_encoder/model.onnx": mfm.export_vae_encoder(models["vae"]),
        "tiny-sd-control/vae_decoder/model.onnx": mfm.export_vae_decoder(models["vae"]),
    }
    for name in SEED_CONTROLNETS:
        net = models[name]
        files[name + "/model.onnx"] = export_controlnet(net)
    return files


def model_index(version):
    return {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": version,
        "feature_extractor": [None, None],
        "requires_safety_checker": False,
        "safety_checker": [None, None],
        "scheduler": ["diffusers", "PNDMScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    }


def write_all(out_dir, diffusers, models, files):
    for name in ["tiny-sd-control"] + list(SEED_CONTROLNETS):
        folder = os.path.join(out_dir, name)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
    base = os.path.join(out_dir, "tiny-sd-control")
    mfm.write_json(os.path.join(base, "model_index.json"), model_index(diffusers.__version__))
    mfm.write_json(os.path.join(base, "scheduler", "scheduler_config.json"), SCHEDULER_SD15)
    mfm.tokenizer(mfm.PAD_TOKEN_1).write(os.path.join(base, "tokenizer"), mfm.PAD_TOKEN_1, "emergence/tiny-sd-control")
    mfm.write_json(os.path.join(base, "text_encoder", "config.json"),
                   mfm.text_encoder_config(mfm.TE1, models["vocab_size"], False))
    models["unet"].save_config(os.path.join(base, "unet"))
    models["vae"].save_config(os.path.join(base, "vae_decoder"))
    models["vae"].save_config(os.path.join(base, "vae_encoder"))
    for name in SEED_CONTROLNETS:
        models[name].save_config(os.path.join(out_dir, name))
    for rel, data in files.items():
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True, help="the src folder of a diffusers checkout")
    parser.add_argument("--out", default=HERE, help="where the folders go (default: beside this script)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    diffusers = mfm.load_diffusers(args.diffusers_src)
    models = build_all(diffusers)
    files = export_all(models)
    write_all(args.out, diffusers, models, files)
    for name in ["tiny-sd-control"] + list(SEED_CONTROLNETS):
        size = mfm.folder_size(os.path.join(args.out, name))
        print(f"{name}: {size / 1e6:.2f} MB")
        if size >= 3e6:
            raise SystemExit(f"{name} is {size / 1e6:.2f} MB; the folders must stay under 3 MB")


if __name__ == "__main__":
    main()
