#!/usr/bin/env python3
"""Writes the tiny SDXL and LCM test bundles, tiny-sdxl/ and tiny-lcm/, made with diffusers' own classes.

The UNets are diffusers' UNet2DConditionModel and the VAEs diffusers' AutoencoderKL, built from a
diffusers checkout given on the command line (its code is run, not copied), with tiny configurations
and seeded random weights, and exported with torch.onnx.export under the input and output names and
dynamic axes of optimum's ONNX exporter (optimum-onnx, optimum/exporters/onnx/model_configs.py:
UNetOnnxConfig, VaeEncoderOnnxConfig, VaeDecoderOnnxConfig, CLIPTextOnnxConfig,
CLIPTextWithProjectionOnnxConfig; optimum/exporters/utils.py: _get_submodels_for_export_diffusion,
which asks SDXL's encoders for their hidden states and makes the VAE encoder return
`vae.encode(sample).latent_dist.parameters`).

The text encoders of real checkpoints are transformers' CLIPTextModel and CLIPTextModelWithProjection;
transformers is not used here, so ClipTextStandIn below has CLIP's structure and output semantics
(token + position embeddings, pre-LayerNorm transformer layers with a causal mask, a final LayerNorm,
hidden_states = the embeddings' output then each layer's output, last_hidden_state =
final_layer_norm(last layer's output), pooled = last_hidden_state at the largest token id, which is
CLIP's end-of-text token, and text_embeds = text_projection(pooled) without bias).

The tokenizers are the project's own tiny CLIP-format BPE of make_test_models.py (beside this
script), written with SDXL's pad tokens: "<|endoftext|>" for tokenizer/, "!" for tokenizer_2/.

Usage:
    python3 make_family_models.py --diffusers-src DIR [--out DIR]

DIR is the `src` folder of a diffusers checkout (0.30.3 was used). Only torch, numpy, onnx and the
Debian packages python3-packaging, python3-filelock and python3-tqdm need to be installed:
huggingface_hub, safetensors and transformers are replaced by stand-in modules (load_diffusers) that
only satisfy the imports of diffusers' files; nothing of them is called. The output is
deterministic: the same torch, onnx and diffusers versions write byte-identical files.

The weights, float32: diffusers' modules get torch's default initialisation under
torch.manual_seed(seed) (seeds below), and the VAE's log-variance bias is then lowered (build_vae);
the text encoder stand-ins draw theirs from their own seeded torch.Generator. Both bundles share the
first text encoder's weights and the VAE's weights (their VAE configs differ in scaling_factor).
make_family_refs.py (engine/tools/reference/) rebuilds the same modules with these functions.
"""

import argparse
import importlib
import importlib.machinery
import io
import math
import os
import shutil
import sys
import types

import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_test_models as mtm  # noqa: E402  (the project's tiny BPE tokenizer: training, rules, files)

TEXT_LENGTH = 77
PIXELS = 64              # the bundles' native size: 64 x 64 pixels
VAE_BLOCKS = (8, 16, 16)  # three levels: the VAE scales by 2^(3 - 1) = 4, latents are 16 x 16
LATENT = PIXELS // 2 ** (len(VAE_BLOCKS) - 1)

# CLIP stand-ins. SDXL: text_encoder (CLIP ViT-L in the real model, 768 wide, 12 layers) and
# text_encoder_2 (OpenCLIP ViT-bigG, 1280 wide, 32 layers, projection 1280). Different layer
# counts here, so that a test picking the wrong hidden state notices.
TE1 = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
       "hidden_act": "quick_gelu", "projection_dim": 32}
TE2 = {"hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 128,
       "hidden_act": "gelu", "projection_dim": 64}
SDXL_TEXT_WIDTH = TE1["hidden_size"] + TE2["hidden_size"]   # the UNet's cross-attention width: 96
ADDITION_TIME_EMBED_DIM = 8                                  # SDXL: 256
SDXL_PROJECTION_INPUT = 6 * ADDITION_TIME_EMBED_DIM + TE2["projection_dim"]  # SDXL: 6 * 256 + 1280 = 2816
LCM_TIME_COND_PROJ_DIM = 32                                  # LCM Dreamshaper v7: 256

SEED_TE1 = 3101   # tiny-sdxl text_encoder, and tiny-lcm text_encoder (the same weights)
SEED_TE2 = 3102
SEED_UNET_XL = 3103
SEED_UNET_LCM = 3201
SEED_VAE = 3104   # both bundles' VAE weights (their configs differ in scaling_factor)
LOGVAR_SHIFT = -3.0  # added to the log-variance half of the VAE's quant_conv bias: std about e^-1.5

OPSET = 14  # DEFAULT_ONNX_OPSET of optimum's CLIP, UNet and VAE configs (CLIP's causal mask needs Trilu: 14)

UNET_XL_CONFIG = {
    # SDXL base 1.0's UNet with the widths shrunk: DownBlock2D first, then cross-attention blocks,
    # linear projections in the transformers, "text_time" added embeddings of pooled text + size ids.
    "sample_size": LATENT,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
    "block_out_channels": [16, 24],
    "layers_per_block": 1,
    "norm_num_groups": 8,
    "cross_attention_dim": SDXL_TEXT_WIDTH,
    "attention_head_dim": [2, 3],
    "transformer_layers_per_block": [1, 1],
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": ADDITION_TIME_EMBED_DIM,
    "projection_class_embeddings_input_dim": SDXL_PROJECTION_INPUT,
}

UNET_LCM_CONFIG = {
    # SD 1.5's UNet (LCM Dreamshaper v7 is one) shrunk, with the guidance embedding input of LCM.
    "sample_size": LATENT,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
    "block_out_channels": [16, 32],
    "layers_per_block": 1,
    "norm_num_groups": 8,
    "cross_attention_dim": TE1["hidden_size"],
    "attention_head_dim": 2,
    "time_cond_proj_dim": LCM_TIME_COND_PROJ_DIM,
}

VAE_CONFIG = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * len(VAE_BLOCKS),
    "up_block_types": ["UpDecoderBlock2D"] * len(VAE_BLOCKS),
    "block_out_channels": list(VAE_BLOCKS),
    "layers_per_block": 1,
    "latent_channels": 4,
    "norm_num_groups": 4,
    "sample_size": PIXELS,
}
SCALING_SDXL = 0.13025  # SDXL's VAE
SCALING_SD = 0.18215    # SD 1.x's VAE (LCM Dreamshaper v7)

# Scheduler configurations as published with the models (scheduler/scheduler_config.json).
SCHEDULER_SDXL_BASE = {  # stabilityai/stable-diffusion-xl-base-1.0
    "_class_name": "EulerDiscreteScheduler",
    "_diffusers_version": "0.19.0.dev0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "interpolation_type": "linear",
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "sample_max_value": 1.0,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "timestep_spacing": "leading",
    "trained_betas": None,
    "use_karras_sigmas": False,
}
SCHEDULER_SDXL_TURBO = {  # stabilityai/sdxl-turbo
    "_class_name": "EulerAncestralDiscreteScheduler",
    "_diffusers_version": "0.24.0.dev0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "interpolation_type": "linear",
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "sample_max_value": 1.0,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "timestep_spacing": "trailing",
    "trained_betas": None,
    "use_karras_sigmas": False,
}
SCHEDULER_LCM_DREAMSHAPER_V7 = {  # SimianLuo/LCM_Dreamshaper_v7
    "_class_name": "LCMScheduler",
    "_diffusers_version": "0.22.0.dev0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "clip_sample_range": 1.0,
    "dynamic_thresholding_ratio": 0.995,
    "num_train_timesteps": 1000,
    "original_inference_steps": 50,
    "prediction_type": "epsilon",
    "rescale_betas_zero_snr": False,
    "sample_max_value": 1.0,
    "set_alpha_to_one": True,
    "steps_offset": 1,
    "thresholding": False,
    "timestep_spacing": "leading",
    "trained_betas": None,
}


# ---------------------------------------------------------------------------------------------
# diffusers from a checkout, with stand-ins for the packages that are not installed
# ---------------------------------------------------------------------------------------------

def _stand_in(name, **attrs):
    """A module that satisfies `from NAME import X`: X is a placeholder class (an Exception subclass,
    so `except X:` clauses work) that raises when instantiated, so nothing of it can run unnoticed."""
    module = types.ModuleType(name)

    def __getattr__(attr):
        if attr.startswith("__"):
            raise AttributeError(attr)

        def refuse(self, *args, **kwargs):
            raise RuntimeError(f"{name}.{attr} is a stand-in: the scripts never call it")

        placeholder = type(attr, (Exception,), {"__init__": refuse, "__module__": name})
        setattr(module, attr, placeholder)
        return placeholder

    module.__getattr__ = __getattr__
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


_DIFFUSERS = None


def load_diffusers(src):
    """Imports the diffusers package of the checkout at `src` (its own __init__, lazy as usual).

    Stand-ins (no code of these packages is run):
      huggingface_hub, safetensors: imported by diffusers' utils, configuration and modeling files;
          only names are needed (validate_hf_hub_args is a decorator, so it is the identity; the
          constants are strings).
      transformers: imported by the pipeline files for type names and isinstance checks. diffusers
          decides at import time that transformers is missing; the loader then marks it available
          (import_utils._transformers_available, _transformers_version = the version diffusers 0.30.3
          was released against), so that diffusers.loaders and the pipeline packages define their
          transformers-dependent classes (TextualInversionLoaderMixin and the LoRA loader mixins,
          which the pipelines subclass). USE_PEFT_BACKEND stays False.
    """
    global _DIFFUSERS
    if _DIFFUSERS is not None:
        return _DIFFUSERS
    identity = lambda f: f  # noqa: E731
    _stand_in("huggingface_hub", __path__=[], __version__="0.0")
    _stand_in("huggingface_hub.utils", validate_hf_hub_args=identity, is_jinja_available=lambda: False)
    _stand_in("huggingface_hub.constants", HF_HOME=os.path.join(os.sep, "nonexistent"),
              HF_HUB_CACHE=os.path.join(os.sep, "nonexistent"), HF_HUB_DISABLE_TELEMETRY=True, HF_HUB_OFFLINE=True)
    _stand_in("huggingface_hub.file_download", REGEX_COMMIT_HASH=r"^[0-9a-f]{40}$")
    _stand_in("safetensors", __path__=[])
    _stand_in("safetensors.torch")
    sys.path.insert(0, os.path.abspath(src))
    import diffusers  # noqa: E402
    import diffusers.utils.import_utils as import_utils  # noqa: E402
    import_utils._transformers_available = True
    import_utils._transformers_version = "4.44.2"
    _stand_in("transformers", __path__=[])
    _stand_in("transformers.utils", FLAX_WEIGHTS_NAME="flax_model.msgpack", SAFE_WEIGHTS_NAME="model.safetensors",
              WEIGHTS_NAME="pytorch_model.bin")
    _DIFFUSERS = diffusers
    return diffusers


# ---------------------------------------------------------------------------------------------
# Tokenizers
# ---------------------------------------------------------------------------------------------

_MERGES = None


def tokenizer(pad_token):
    """make_test_models.py's tokenizer (its own merges, CLIP's file format and rules) with a pad token."""
    global _MERGES
    if _MERGES is None:
        _MERGES = mtm.train_bpe(mtm.WORDS)
    return mtm.Tokenizer(_MERGES, pad_token)


PAD_TOKEN_1 = "<|endoftext|>"  # SDXL's tokenizer/ (CLIP ViT-L's) and SD 1.x's
PAD_TOKEN_2 = "!"              # SDXL's tokenizer_2/ (OpenCLIP's)


# ---------------------------------------------------------------------------------------------
# CLIP text encoder stand-in
# ---------------------------------------------------------------------------------------------

class ModelOutput(tuple):
    """As transformers' outputs behave for the pipelines: indexing skips the fields that are None
    ([0] is the first field present), and the fields are attributes."""

    def __new__(cls, **fields):
        out = super().__new__(cls, tuple(v for v in fields.values() if v is not None))
        out.__dict__.update(fields)
        return out


class ClipTextStandIn(torch.nn.Module):
    """CLIPTextModel (with_projection=False) or CLIPTextModelWithProjection (True), tiny.

    forward(input_ids, output_hidden_states) answers as transformers does:
      CLIPTextModel:               (last_hidden_state, pooler_output[, hidden_states])
      CLIPTextModelWithProjection: (text_embeds, last_hidden_state[, hidden_states])
    """

    def __init__(self, dims, vocab_size, seed, with_projection):
        super().__init__()
        d, inner = dims["hidden_size"], dims["intermediate_size"]
        self.heads = dims["num_attention_heads"]
        self.act = dims["hidden_act"]
        self.with_projection = with_projection
        self.config = types.SimpleNamespace(vocab_size=vocab_size, max_position_embeddings=TEXT_LENGTH,
                                            **dims)
        gen = torch.Generator().manual_seed(seed)

        def param(*shape, std=1.0, mean=0.0):
            return torch.nn.Parameter(torch.randn(shape, generator=gen) * std + mean)

        self.token_embedding = param(vocab_size, d, std=0.5)
        self.position_embedding = param(TEXT_LENGTH, d, std=0.2)
        self.layers = torch.nn.ModuleList()
        for _ in range(dims["num_hidden_layers"]):
            layer = torch.nn.Module()
            layer.ln1_w, layer.ln1_b = param(d, std=0.1, mean=1.0), param(d, std=0.1)
            for name in ("q", "k", "v", "o"):
                setattr(layer, name + "_w", param(d, d, std=1 / math.sqrt(d)))
                setattr(layer, name + "_b", param(d, std=0.05))
            layer.ln2_w, layer.ln2_b = param(d, std=0.1, mean=1.0), param(d, std=0.1)
            layer.fc1_w, layer.fc1_b = param(inner, d, std=1 / math.sqrt(d)), param(inner, std=0.05)
            layer.fc2_w, layer.fc2_b = param(d, inner, std=1 / math.sqrt(inner)), param(d, std=0.05)
            self.layers.append(layer)
        self.final_w, self.final_b = param(d, std=0.1, mean=1.0), param(d, std=0.1)
        if with_projection:
            self.text_projection = param(dims["projection_dim"], d, std=1 / math.sqrt(d))

    @property
    def dtype(self):
        return torch.float32

    @property
    def device(self):
        return torch.device("cpu")

    def _activation(self, x):
        if self.act == "quick_gelu":
            return x * torch.sigmoid(1.702 * x)
        return torch.nn.functional.gelu(x)

    def _attention(self, layer, x, mask):
        b, s = x.shape[0], x.shape[1]
        d = self.config.hidden_size
        hd = d // self.heads

        def heads(t):
            return t.reshape(b, s, self.heads, hd).transpose(1, 2)

        q = heads(torch.nn.functional.linear(x, layer.q_w, layer.q_b) * hd ** -0.5)
        k = heads(torch.nn.functional.linear(x, layer.k_w, layer.k_b))
        v = heads(torch.nn.functional.linear(x, layer.v_w, layer.v_b))
        weights = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(b, s, d)
        return torch.nn.functional.linear(out, layer.o_w, layer.o_b)

    def encode(self, input_ids):
        """(last_hidden_state, pooled or text_embeds, hidden_states tuple)."""
        s = input_ids.shape[1]
        d = self.config.hidden_size
        positions = torch.arange(TEXT_LENGTH)[None, :s]  # transformers' position_ids buffer, sliced
        x = (torch.nn.functional.embedding(input_ids.long(), self.token_embedding)
             + torch.nn.functional.embedding(positions, self.position_embedding))
        # CLIP's causal mask: the most negative float above the diagonal
        mask = torch.full((s, s), torch.finfo(torch.float32).min).triu(1)
        states = [x]
        for layer in self.layers:
            h = torch.nn.functional.layer_norm(x, (d,), layer.ln1_w, layer.ln1_b, 1e-5)
            x = x + self._attention(layer, h, mask)
            h = torch.nn.functional.layer_norm(x, (d,), layer.ln2_w, layer.ln2_b, 1e-5)
            h = torch.nn.functional.linear(h, layer.fc1_w, layer.fc1_b)
            x = x + torch.nn.functional.linear(self._activation(h), layer.fc2_w, layer.fc2_b)
            states.append(x)
        last = torch.nn.functional.layer_norm(x, (d,), self.final_w, self.final_b, 1e-5)
        # transformers' rule for CLIP configs with eos_token_id 2: pool at the largest id (end-of-text)
        eos = input_ids.to(torch.int).argmax(dim=-1)
        pooled = last[torch.arange(last.shape[0]), eos]
        if self.with_projection:
            pooled = torch.nn.functional.linear(pooled, self.text_projection)
        return last, pooled, tuple(states)

    def forward(self, input_ids, attention_mask=None, output_hidden_states=None, return_dict=True):
        if attention_mask is not None:
            raise ValueError("the SD pipelines here pass no attention mask to CLIP")
        last, pooled, states = self.encode(input_ids)
        states = states if output_hidden_states else None
        if self.with_projection:
            return ModelOutput(text_embeds=pooled, last_hidden_state=last, hidden_states=states)
        return ModelOutput(last_hidden_state=last, pooler_output=pooled, hidden_states=states)


class _TextExport(torch.nn.Module):
    """The flat outputs optimum exports: CLIPTextOnnxConfig (last_hidden_state, pooler_output) or
    CLIPTextWithProjectionOnnxConfig (text_embeds, last_hidden_state), then hidden_states.0..N when
    the config asks for hidden states (SDXL)."""

    def __init__(self, encoder, hidden_states):
        super().__init__()
        self.encoder, self.hidden_states = encoder, hidden_states

    def forward(self, input_ids):
        last, pooled, states = self.encoder.encode(input_ids)
        head = (pooled, last) if self.encoder.with_projection else (last, pooled)
        return head + (states if self.hidden_states else ())


def text_encoder_config(dims, vocab_size, with_projection):
    """config.json as transformers writes it for CLIPTextConfig (the fields SDXL's text encoders ship
    with). bos/eos/pad ids are those configs' legacy values: eos_token_id 2 is what makes transformers
    pool at argmax(input_ids), the rule the stand-in implements; the tokenizer's ids are in its files."""
    return {
        "architectures": ["CLIPTextModelWithProjection" if with_projection else "CLIPTextModel"],
        "attention_dropout": 0.0,
        "bos_token_id": 0,
        "dropout": 0.0,
        "eos_token_id": 2,
        "hidden_act": dims["hidden_act"],
        "hidden_size": dims["hidden_size"],
        "initializer_factor": 1.0,
        "initializer_range": 0.02,
        "intermediate_size": dims["intermediate_size"],
        "layer_norm_eps": 1e-05,
        "max_position_embeddings": TEXT_LENGTH,
        "model_type": "clip_text_model",
        "num_attention_heads": dims["num_attention_heads"],
        "num_hidden_layers": dims["num_hidden_layers"],
        "pad_token_id": 1,
        "projection_dim": dims["projection_dim"],
        "torch_dtype": "float32",
        "vocab_size": vocab_size,
    }


# ---------------------------------------------------------------------------------------------
# The torch modules (the reference script rebuilds them with these functions)
# ---------------------------------------------------------------------------------------------

def build_text_encoders(vocab_size):
    return (ClipTextStandIn(TE1, vocab_size, SEED_TE1, with_projection=False).eval(),
            ClipTextStandIn(TE2, vocab_size, SEED_TE2, with_projection=True).eval())


def build_unet(diffusers, config, seed):
    torch.manual_seed(seed)
    return diffusers.UNet2DConditionModel(**config).eval()


def build_vae(diffusers, scaling_factor):
    torch.manual_seed(SEED_VAE)
    vae = diffusers.AutoencoderKL(**VAE_CONFIG, scaling_factor=scaling_factor).eval()
    with torch.no_grad():
        # quant_conv's output is [mean, logvar]; a lower log-variance keeps the encoder's sample near
        # its mean, so img2img starts from the picture rather than from the posterior's noise
        vae.quant_conv.bias[VAE_CONFIG["latent_channels"]:] += LOGVAR_SHIFT
    return vae


def build_all(diffusers):
    """Every torch module of both bundles, by name."""
    vocab_size = len(tokenizer(PAD_TOKEN_1).vocab)
    te1, te2 = build_text_encoders(vocab_size)
    return {
        "vocab_size": vocab_size,
        "text_encoder": te1,
        "text_encoder_2": te2,
        "unet_sdxl": build_unet(diffusers, UNET_XL_CONFIG, SEED_UNET_XL),
        "vae_sdxl": build_vae(diffusers, SCALING_SDXL),
        "unet_lcm": build_unet(diffusers, UNET_LCM_CONFIG, SEED_UNET_LCM),
        "vae_lcm": build_vae(diffusers, SCALING_SD),
    }


# ---------------------------------------------------------------------------------------------
# Export, with optimum's names and dynamic axes
# ---------------------------------------------------------------------------------------------

class _UnetExport(torch.nn.Module):
    """UNetOnnxConfig's inputs in optimum's order (the forward signature's, then text_embeds and
    time_ids for "text_time" UNets); the output `sample` is renamed out_sample."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet
        self.sdxl = unet.config.addition_embed_type == "text_time"

    def forward(self, sample, timestep, encoder_hidden_states, *extra):
        if self.sdxl:
            text_embeds, time_ids = extra
            return self.unet(sample, timestep, encoder_hidden_states,
                             added_cond_kwargs={"text_embeds": text_embeds, "time_ids": time_ids}, return_dict=False)[0]
        (timestep_cond,) = extra
        return self.unet(sample, timestep, encoder_hidden_states, timestep_cond=timestep_cond, return_dict=False)[0]


class _VaeEncoderExport(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        # _get_submodels_for_export_diffusion: {"latent_parameters": vae.encode(x=sample)["latent_dist"].parameters}
        return self.vae.encode(x=sample)["latent_dist"].parameters


class _VaeDecoderExport(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(z=latent_sample).sample


def export_text_encoder(encoder, hidden_states):
    n = encoder.config.num_hidden_layers
    states = [f"hidden_states.{i}" for i in range(n + 1)] if hidden_states else []
    if encoder.with_projection:
        head = {"text_embeds": {0: "batch_size", 1: "sequence_length"},  # optimum's axes, as written there
                "last_hidden_state": {0: "batch_size", 1: "sequence_length"}}
    else:
        head = {"last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}}
    outputs = {**head, **{s: {0: "batch_size", 1: "sequence_length"} for s in states}}
    ids = torch.tensor([tokenizer(PAD_TOKEN_1).encode("a photo of a cat")], dtype=torch.int32)
    return _export(_TextExport(encoder, hidden_states), (ids,), {"input_ids": {0: "batch_size", 1: "sequence_length"}},
                   outputs, OPSET)


def export_unet(unet):
    cfg = unet.config
    inputs = {"sample": {0: "batch_size", 2: "height", 3: "width"},
              "timestep": {},  # a scalar, float32 (optimum's DummyTimestepInputGenerator)
              "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"}}
    args = [torch.randn(2, cfg.in_channels, LATENT, LATENT, generator=torch.Generator().manual_seed(0)),
            torch.tensor(999.0), torch.zeros(2, TEXT_LENGTH, cfg.cross_attention_dim)]
    if cfg.addition_embed_type == "text_time":
        inputs.update(text_embeds={0: "batch_size"}, time_ids={0: "batch_size"})
        args += [torch.zeros(2, TE2["projection_dim"]), torch.tensor([[PIXELS, PIXELS, 0, 0, PIXELS, PIXELS]] * 2,
                                                                       dtype=torch.float32)]
    else:
        inputs.update(timestep_cond={0: "batch_size"})
        args += [torch.zeros(2, cfg.time_cond_proj_dim)]
    return _export(_UnetExport(unet), tuple(args), inputs, {"out_sample": {0: "batch_size", 2: "height", 3: "width"}},
                   OPSET)


def export_vae_encoder(vae):
    factor = 2 ** (len(vae.config.down_block_types) - 1)
    return _export(_VaeEncoderExport(vae), (torch.zeros(1, 3, PIXELS, PIXELS),),
                   {"sample": {0: "batch_size", 2: "sample_height", 3: "sample_width"}},
                   {"latent_parameters": {0: "batch_size", 2: f"sample_height / {factor}", 3: f"sample_width / {factor}"}},
                   OPSET)


def export_vae_decoder(vae):
    factor = 2 ** (len(vae.config.up_block_types) - 1)
    return _export(_VaeDecoderExport(vae), (torch.zeros(1, 4, LATENT, LATENT),),
                   {"latent_sample": {0: "batch_size", 2: "latent_height", 3: "latent_width"}},
                   {"sample": {0: "batch_size", 2: f"latent_height * {factor}", 3: f"latent_width * {factor}"}},
                   OPSET)


def _export(module, args, inputs, outputs, opset):
    """torch.onnx.export to bytes; the graph is checked with onnx.checker (full check, shape inference)."""
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, args, buffer, input_names=list(inputs), output_names=list(outputs),
                          dynamic_axes={**{k: v for k, v in inputs.items() if v}, **outputs},
                          opset_version=opset, do_constant_folding=True)
    data = buffer.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def export_all(models):
    """Every ONNX file of both bundles as bytes, by path relative to the output folder."""
    te1, te2 = models["text_encoder"], models["text_encoder_2"]
    return {
        "tiny-sdxl/text_encoder/model.onnx": export_text_encoder(te1, hidden_states=True),
        "tiny-sdxl/text_encoder_2/model.onnx": export_text_encoder(te2, hidden_states=True),
        "tiny-sdxl/unet/model.onnx": export_unet(models["unet_sdxl"]),
        "tiny-sdxl/vae_encoder/model.onnx": export_vae_encoder(models["vae_sdxl"]),
        "tiny-sdxl/vae_decoder/model.onnx": export_vae_decoder(models["vae_sdxl"]),
        "tiny-lcm/text_encoder/model.onnx": export_text_encoder(te1, hidden_states=False),
        "tiny-lcm/unet/model.onnx": export_unet(models["unet_lcm"]),
        "tiny-lcm/vae_encoder/model.onnx": export_vae_encoder(models["vae_lcm"]),
        "tiny-lcm/vae_decoder/model.onnx": export_vae_decoder(models["vae_lcm"]),
    }


# ---------------------------------------------------------------------------------------------
# Folders
# ---------------------------------------------------------------------------------------------

def write_json(path, obj):
    mtm.write_json(path, obj)


def model_index_sdxl(version):
    # the pipeline's own config, as `optimum-cli export onnx` copies it (SDXL base 1.0's components)
    return {
        "_class_name": "StableDiffusionXLPipeline",
        "_diffusers_version": version,
        "force_zeros_for_empty_prompt": True,
        "scheduler": ["diffusers", "EulerDiscreteScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "tokenizer_2": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    }


def model_index_lcm(version):
    # LCM Dreamshaper v7's components, without the safety checker and its feature extractor
    return {
        "_class_name": "LatentConsistencyModelPipeline",
        "_diffusers_version": version,
        "feature_extractor": [None, None],
        "image_encoder": [None, None],
        "requires_safety_checker": False,
        "safety_checker": [None, None],
        "scheduler": ["diffusers", "LCMScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    }


def write_bundles(out_dir, diffusers, models, onnx_files):
    version = diffusers.__version__
    for name in ("tiny-sdxl", "tiny-lcm"):
        folder = os.path.join(out_dir, name)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
    vocab = models["vocab_size"]

    sdxl = os.path.join(out_dir, "tiny-sdxl")
    write_json(os.path.join(sdxl, "model_index.json"), model_index_sdxl(version))
    write_json(os.path.join(sdxl, "scheduler", "scheduler_config.json"), SCHEDULER_SDXL_BASE)
    tokenizer(PAD_TOKEN_1).write(os.path.join(sdxl, "tokenizer"), PAD_TOKEN_1, "emergence/tiny-sdxl")
    tokenizer(PAD_TOKEN_2).write(os.path.join(sdxl, "tokenizer_2"), PAD_TOKEN_2, "emergence/tiny-sdxl")
    write_json(os.path.join(sdxl, "text_encoder", "config.json"), text_encoder_config(TE1, vocab, False))
    write_json(os.path.join(sdxl, "text_encoder_2", "config.json"), text_encoder_config(TE2, vocab, True))
    models["unet_sdxl"].save_config(os.path.join(sdxl, "unet"))
    models["vae_sdxl"].save_config(os.path.join(sdxl, "vae_decoder"))
    models["vae_sdxl"].save_config(os.path.join(sdxl, "vae_encoder"))

    lcm = os.path.join(out_dir, "tiny-lcm")
    write_json(os.path.join(lcm, "model_index.json"), model_index_lcm(version))
    write_json(os.path.join(lcm, "scheduler", "scheduler_config.json"), SCHEDULER_LCM_DREAMSHAPER_V7)
    tokenizer(PAD_TOKEN_1).write(os.path.join(lcm, "tokenizer"), PAD_TOKEN_1, "emergence/tiny-lcm")
    write_json(os.path.join(lcm, "text_encoder", "config.json"), text_encoder_config(TE1, vocab, False))
    models["unet_lcm"].save_config(os.path.join(lcm, "unet"))
    models["vae_lcm"].save_config(os.path.join(lcm, "vae_decoder"))
    models["vae_lcm"].save_config(os.path.join(lcm, "vae_encoder"))

    for rel, data in onnx_files.items():
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def folder_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True, help="the src folder of a diffusers checkout")
    parser.add_argument("--out", default=HERE, help="where tiny-sdxl/ and tiny-lcm/ go (default: beside this script)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    diffusers = load_diffusers(args.diffusers_src)
    models = build_all(diffusers)
    onnx_files = export_all(models)
    write_bundles(args.out, diffusers, models, onnx_files)
    for name in ("tiny-sdxl", "tiny-lcm"):
        size = folder_size(os.path.join(args.out, name))
        print(f"{name}: {size / 1e6:.2f} MB")
        if size >= 3e6:
            raise SystemExit(f"{name} is {size / 1e6:.2f} MB; the bundles must stay under 3 MB")


if __name__ == "__main__":
    main()
