"""Writes the trained components in the diffusers ONNX Stable Diffusion layout.

    model_index.json
    scheduler/scheduler_config.json      DDIMScheduler with SD 1.5's betas (PNDM's fourth-order steps
                                         ruin this small model's pictures; see the recipe README)
    text_encoder/model.onnx (+config.json) input_ids int32 [B, 77] -> last_hidden_state, pooler_output
    tokenizer/tokenizer.json, tokenizer_config.json, special_tokens_map.json
    unet/model.onnx, config.json          sample, timestep (float32 [B]), encoder_hidden_states -> out_sample
    vae_encoder/model.onnx, config.json   sample [-1, 1] -> latent_sample (posterior mean, unscaled)
    vae_decoder/model.onnx, config.json   latent_sample (unscaled, i.e. latents / scaling_factor) -> sample

Opset 14 and the input/output names of diffusers' convert_stable_diffusion_checkpoint_to_onnx.py;
batch and spatial axes are dynamic.
"""
import json
import os

import onnx
import torch

OPSET = 14
FORMAT_VERSION = "0.30.0"  # the diffusers config format these files follow


class _TextEncoderGraph(torch.nn.Module):
    def __init__(self, te):
        super().__init__()
        self.te = te

    def forward(self, input_ids):
        return self.te(input_ids)


class _VaeEncoderGraph(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        # The posterior mean: deterministic, so img2img results depend only on the seeded noise.
        return self.vae.encode(sample)[0]


class _VaeDecoderGraph(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(latent_sample)


class _UNetGraph(torch.nn.Module):
    """The UNet with OnnxStack's ControlNet inputs: one residual per skip connection and one for the mid
    block. Without a ControlNet the engine feeds zeros, so one graph serves both (no second copy)."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, *residuals):
        return self.unet(sample, timestep, encoder_hidden_states, list(residuals[:-1]), residuals[-1])


def residual_names(unet):
    down, _ = unet.residual_channels()
    return [f"down_block_{i}_additional_residual" for i in range(len(down))] + ["mid_block_additional_residual"]


def _zero_residuals(unet, batch, latent_h, latent_w):
    """Zeros shaped as each residual: the skip after conv_in and each level's resnets sit at that level's
    size, a downsample's skip at the next level's."""
    down, mid = unet.residual_channels()
    levels, lpb = len(unet.config["block_out_channels"]), unet.config["layers_per_block"]
    level_of = [0]
    for i in range(levels):
        level_of += [i] * lpb + ([i + 1] if i < levels - 1 else [])
    out = [torch.zeros(batch, c, latent_h // 2 ** k, latent_w // 2 ** k) for c, k in zip(down, level_of)]
    return out + [torch.zeros(batch, mid, latent_h // 2 ** (levels - 1), latent_w // 2 ** (levels - 1))]


class _ControlNetGraph(torch.nn.Module):
    def __init__(self, controlnet):
        super().__init__()
        self.controlnet = controlnet

    def forward(self, sample, timestep, encoder_hidden_states, controlnet_cond):
        down, mid = self.controlnet(sample, timestep, encoder_hidden_states, controlnet_cond)
        return (*down, mid)


def export_controlnet(out, controlnet, unet, image_size, notes):
    """The ControlNet in OnnxStack's layout: model.onnx taking sample, timestep, encoder_hidden_states and
    controlnet_cond [B, 3, H, W] in [0, 1], returning the UNet's residual inputs by name."""
    latent = image_size // 8
    names = residual_names(unet)
    d = unet.config["cross_attention_dim"]
    _export(_ControlNetGraph(controlnet.eval()), (torch.randn(2, 4, latent, latent), torch.tensor([999.0, 999.0]),
                                                 torch.randn(2, 77, d), torch.rand(2, 3, image_size, image_size)),
            os.path.join(out, "model.onnx"), ["sample", "timestep", "encoder_hidden_states", "controlnet_cond"], names,
            {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "batch"},
             "encoder_hidden_states": {0: "batch", 1: "sequence"},
             "controlnet_cond": {0: "batch", 2: "pixel_height", 3: "pixel_width"},
             **{r: {0: "batch", 2: f"{r}_height", 3: f"{r}_width"} for r in names}})
    _write_json(os.path.join(out, "config.json"), {"_class_name": "ControlNetModel", "_diffusers_version": FORMAT_VERSION,
                                                   "_note": "the recipe's small ControlNet (models.ControlNet)",
                                                   **controlnet.config})
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(notes)


def _write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def _export(module, args, path, inputs, outputs, axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                          opset_version=OPSET, do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    return model


def _contiguous(module):
    return module.to(memory_format=torch.contiguous_format)


def graph_specs(vae, text_encoder, unet, tokenizer, image_size):
    """How each graph is exported: name -> (module, example inputs, _export's names and axes). One place,
    so that from_onnx.py can export the same structure to read weights back. "unet_plain" is the UNet
    without ControlNet inputs, as models exported before the residual inputs have it."""
    latent = image_size // 8
    d = text_encoder.config["hidden_size"]
    ids = torch.tensor([tokenizer.encode("a red circle on the left")], dtype=torch.int32)
    residuals = residual_names(unet)
    unet_args = (torch.randn(2, 4, latent, latent), torch.tensor([999.0, 999.0]), torch.randn(2, 77, d))
    unet_axes = {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "batch"},
                 "encoder_hidden_states": {0: "batch", 1: "sequence"},
                 "out_sample": {0: "batch", 2: "height", 3: "width"}}
    unet_inputs = ["sample", "timestep", "encoder_hidden_states"]

    def spec(module, args, inputs, outputs, axes):
        return module, args, dict(inputs=inputs, outputs=outputs, axes=axes)

    return {
        "text_encoder": spec(_TextEncoderGraph(text_encoder), (ids,), ["input_ids"],
                             ["last_hidden_state", "pooler_output"],
                             {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"},
                              "pooler_output": {0: "batch"}}),
        "unet": spec(_UNetGraph(unet), (*unet_args, *_zero_residuals(unet, 2, latent, latent)),
                     [*unet_inputs, *residuals], ["out_sample"],
                     {**unet_axes, **{r: {0: "batch", 2: f"{r}_height", 3: f"{r}_width"} for r in residuals}}),
        "unet_plain": spec(unet, unet_args, unet_inputs, ["out_sample"], unet_axes),
        "vae_encoder": spec(_VaeEncoderGraph(vae), (torch.rand(1, 3, image_size, image_size) * 2 - 1,), ["sample"],
                            ["latent_sample"], {"sample": {0: "batch", 2: "height", 3: "width"},
                                                "latent_sample": {0: "batch", 2: "height", 3: "width"}}),
        "vae_decoder": spec(_VaeDecoderGraph(vae), (torch.randn(1, 4, latent, latent),), ["latent_sample"], ["sample"],
                            {"latent_sample": {0: "batch", 2: "height", 3: "width"},
                             "sample": {0: "batch", 2: "height", 3: "width"}}),
    }


def unet_takes_residuals(path):
    """Whether an exported UNet graph has the ControlNet residual inputs."""
    return any(i.name == "mid_block_additional_residual" for i in onnx.load(path, load_external_data=False).graph.input)


def export_graph(out, name, spec):
    module, args, kw = spec
    _export(module, args, os.path.join(out, name, "model.onnx"), **kw)


def export_pipeline(out, vae, text_encoder, unet, tokenizer, scaling_factor, image_size, notes=None):
    """Exports all components into folder `out` (created or overwritten file by file)."""
    vae, text_encoder, unet = _contiguous(vae).eval(), text_encoder.eval(), _contiguous(unet).eval()
    specs = graph_specs(vae, text_encoder, unet, tokenizer, image_size)
    for name in ("text_encoder", "unet", "vae_encoder", "vae_decoder"):
        export_graph(out, name, specs[name])

    tokenizer.save(os.path.join(out, "tokenizer"))
    _write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "OnnxStableDiffusionPipeline",
        "_diffusers_version": FORMAT_VERSION,
        "feature_extractor": [None, None],
        "requires_safety_checker": False,
        "safety_checker": [None, None],
        "scheduler": ["diffusers", "DDIMScheduler"],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
        "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
        "vae_encoder": ["diffusers", "OnnxRuntimeModel"],
    })
    # DDIM, what the recipe samples and scores with. PNDM (SD 1.5's default) ruins this small model's
    # pictures, probably because its fourth-order multistep extrapolation amplifies how much the noise
    # prediction jumps from step to step (held-out pictures right, 20 steps: DDIM and Euler 99%,
    # PNDM 28%). Same betas and offsets as SD 1.5's configuration.
    _write_json(os.path.join(out, "scheduler", "scheduler_config.json"), {
        "_class_name": "DDIMScheduler",
        "_diffusers_version": FORMAT_VERSION,
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "beta_start": 0.00085,
        "clip_sample": False,
        "num_train_timesteps": 1000,
        "prediction_type": "epsilon",
        "set_alpha_to_one": False,
        "steps_offset": 1,
        "timestep_spacing": "leading",
        "trained_betas": None,
    })
    tc = text_encoder.config
    _write_json(os.path.join(out, "text_encoder", "config.json"), {
        "architectures": ["CLIPTextModel"],
        "model_type": "clip_text_model",
        "vocab_size": tc["vocab_size"],
        "hidden_size": tc["hidden_size"],
        "intermediate_size": tc["intermediate_size"],
        "num_hidden_layers": tc["num_hidden_layers"],
        "num_attention_heads": tc["num_attention_heads"],
        "max_position_embeddings": tc["max_position_embeddings"],
        "hidden_act": tc["hidden_act"],
        "layer_norm_eps": 1e-05,
        "bos_token_id": tokenizer.bos_id,
        "eos_token_id": tokenizer.eos_id,
        "pad_token_id": tokenizer.eos_id,
    })
    uc = unet.config
    levels = len(uc["block_out_channels"])
    _write_json(os.path.join(out, "unet", "config.json"), {
        "_class_name": "UNet2DConditionModel",
        "_diffusers_version": FORMAT_VERSION,
        "act_fn": "silu",
        "attention_head_dim": uc["attention_head_dim"],
        "block_out_channels": uc["block_out_channels"],
        "center_input_sample": False,
        "cross_attention_dim": uc["cross_attention_dim"],
        "down_block_types": ["CrossAttnDownBlock2D" if a else "DownBlock2D" for a in uc["attention"]],
        "downsample_padding": 1,
        "flip_sin_to_cos": True,
        "freq_shift": 0,
        "in_channels": uc["in_channels"],
        "layers_per_block": uc["layers_per_block"],
        "mid_block_type": "UNetMidBlock2DCrossAttn",
        "norm_eps": 1e-06,
        "norm_num_groups": uc["norm_num_groups"],
        "out_channels": uc["out_channels"],
        "sample_size": image_size // 8,
        "up_block_types": ["CrossAttnUpBlock2D" if a else "UpBlock2D" for a in reversed(uc["attention"])],
        "_note": "spatial sizes must be multiples of %d latent pixels (%d image pixels); attention_head_dim "
                 "is the per-head width" % (2 ** (levels - 1), 8 * 2 ** (levels - 1)),
    })
    vc = vae.config
    vae_config = {
        "_class_name": "AutoencoderKL",
        "_diffusers_version": FORMAT_VERSION,
        "act_fn": "silu",
        "block_out_channels": vc["block_out_channels"],
        "down_block_types": ["DownEncoderBlock2D"] * len(vc["block_out_channels"]),
        "in_channels": 3,
        "latent_channels": vc["latent_channels"],
        "layers_per_block": vc["layers_per_block"],
        "norm_num_groups": vc["norm_num_groups"],
        "out_channels": 3,
        "sample_size": image_size,
        "scaling_factor": scaling_factor,
        "up_block_types": ["UpDecoderBlock2D"] * len(vc["block_out_channels"]),
    }
    _write_json(os.path.join(out, "vae_decoder", "config.json"), vae_config)
    _write_json(os.path.join(out, "vae_encoder", "config.json"), vae_config)
    if notes:
        with open(os.path.join(out, "README.md"), "w") as f:
            f.write(notes)


def check_exported(out, residuals, batch=2, latent=16):
    """onnx.checker on every graph, and the declared input/output names, types and ranks (residuals: how
    many ControlNet residual inputs the UNet takes)."""
    control = {f"down_block_{i}_additional_residual": (onnx.TensorProto.FLOAT, 4) for i in range(residuals - 1)}
    control["mid_block_additional_residual"] = (onnx.TensorProto.FLOAT, 4)
    expect = {
        "text_encoder": ({"input_ids": (onnx.TensorProto.INT32, 2)},
                         {"last_hidden_state": 3, "pooler_output": 2}),
        "unet": ({"sample": (onnx.TensorProto.FLOAT, 4), "timestep": (onnx.TensorProto.FLOAT, 1),
                  "encoder_hidden_states": (onnx.TensorProto.FLOAT, 3), **control}, {"out_sample": 4}),
        "vae_encoder": ({"sample": (onnx.TensorProto.FLOAT, 4)}, {"latent_sample": 4}),
        "vae_decoder": ({"latent_sample": (onnx.TensorProto.FLOAT, 4)}, {"sample": 4}),
    }
    report = {}
    for name, (ins, outs) in expect.items():
        path = os.path.join(out, name, "model.onnx")
        onnx.checker.check_model(path)
        model = onnx.load(path)
        got_in = {i.name: (i.type.tensor_type.elem_type, len(i.type.tensor_type.shape.dim)) for i in model.graph.input}
        got_out = {o.name: len(o.type.tensor_type.shape.dim) for o in model.graph.output}
        assert got_in == ins, f"{name}: inputs {got_in}, expected {ins}"
        assert got_out == outs, f"{name}: outputs {got_out}, expected {outs}"
        report[name] = os.path.getsize(path)
    return report
