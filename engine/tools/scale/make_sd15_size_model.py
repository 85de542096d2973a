#!/usr/bin/env python3
"""Writes a Stable Diffusion 1.5-size ONNX model (random seeded weights) for measuring the engine at real scale.

No weights can be downloaded, so the components are SD 1.5's exact architectures with seeded random
weights: diffusers' own UNet2DConditionModel and AutoencoderKL with the configurations SD 1.5 publishes
(UNET_CONFIG, VAE_CONFIG below), and CLIP ViT-L's text transformer as make_lora_models.ClipTextModel
(transformers' CLIPTextModel module paths; transformers is not installable) sized as SD 1.5's:
12 layers, 768 wide, 12 heads, 3072 MLP, 49,408 tokens, quick_gelu. The tokenizer is the real CLIP BPE
(vocab.json and merges.txt from --clip-bpe, copied into the output).

The export is diffusers' own scripts/convert_stable_diffusion_checkpoint_to_onnx.py, imported by path
and its convert_models run as is (opset 14, fp32: text encoder, UNet with its weights collated into
unet/weights.pb, VAE encoder, VAE decoder). Only its checkpoint loading is replaced: its
StableDiffusionPipeline.from_pretrained returns the modules built here, since there is no checkpoint
on disk and transformers' CLIPTextModel cannot be loaded. Its last step (an OnnxStableDiffusionPipeline
of onnxruntime sessions, saved to write model_index.json) needs the onnxruntime Python package, which
is not installed; model_index.json is written here with the entries that step writes.

torch_peak_memory.py (beside this script) rebuilds the same torch modules with build_components,
so that PyTorch and the engine run identical weights.

Usage:
    /usr/bin/python3 make_sd15_size_model.py --diffusers DIR --clip-bpe DIR --out DIR

--diffusers is a diffusers 0.30.3 checkout (its src/ is imported, its scripts/ convert script is run);
--clip-bpe holds CLIP's vocab.json and merges.txt; --out must not exist or be empty (about 4.3 GB).
Peak memory is about 12 GB; on 2 cores it takes 10-20 minutes.
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ENGINE, "testmodels"))
import make_family_models as mfm  # noqa: E402  (diffusers from a checkout with stand-ins)
import make_lora_models as mlm  # noqa: E402  (CLIPTextModel's module tree, SD 1.5's scheduler config)
import make_test_models as mtm  # noqa: E402  (CLIP's tokenization rules)

OPSET = 14  # the convert script's default
SEED_TEXT = 1501
SEED_UNET = 1502
SEED_VAE = 1503

# runwayml/stable-diffusion-v1-5 unet/config.json
UNET_CONFIG = {
    "act_fn": "silu",
    "attention_head_dim": 8,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 768,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
}

# runwayml/stable-diffusion-v1-5 vae/config.json
VAE_CONFIG = {
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 512,
    "scaling_factor": 0.18215,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}

# runwayml/stable-diffusion-v1-5 text_encoder/config.json (CLIP ViT-L/14's text model)
TEXT_CONFIG = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
               "hidden_act": "quick_gelu", "max_position_embeddings": 77, "vocab_size": 49408}

TOKENIZER_FILES = ("vocab.json", "merges.txt")


class ClipTokenizer:
    """What the convert script uses of transformers' CLIPTokenizer: __call__ with max_length padding and
    truncation, returning input_ids; model_max_length. CLIP's rules (make_test_models.Tokenizer) on the
    real CLIP merges, whose vocabulary is checked against vocab.json."""

    model_max_length = mtm.TEXT_LENGTH

    def __init__(self, folder):
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#version")]
        self.tok = mtm.Tokenizer([tuple(line.split(" ")) for line in lines], "<|endoftext|>")
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        if vocab != self.tok.vocab:
            raise ValueError(f"{folder}: vocab.json is not CLIP's table for merges.txt (bytes, bytes</w>, merges, specials)")

    def __call__(self, text, padding=None, max_length=None, truncation=None, return_tensors=None):
        if padding != "max_length" or max_length != mtm.TEXT_LENGTH:
            raise ValueError(f"padding {padding!r} to {max_length}: only max_length padding to 77 is implemented")
        texts = [text] if isinstance(text, str) else list(text)
        return types.SimpleNamespace(input_ids=torch.tensor([self.tok.encode(t) for t in texts]))


def build_components(diffusers):
    """SD 1.5's text encoder, UNet and VAE (eval mode, float32), each under its own seed."""
    torch.manual_seed(SEED_TEXT)
    dims = {k: TEXT_CONFIG[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")}
    text = mlm.ClipTextModel(TEXT_CONFIG["vocab_size"], dims).eval()
    # what the convert script reads of CLIPTextConfig
    text.config = types.SimpleNamespace(**TEXT_CONFIG)
    torch.manual_seed(SEED_UNET)
    unet = diffusers.UNet2DConditionModel(**UNET_CONFIG).eval()
    torch.manual_seed(SEED_VAE)
    vae = diffusers.AutoencoderKL(**VAE_CONFIG).eval()
    return text, unet, vae


def scheduler(diffusers):
    return diffusers.PNDMScheduler.from_config(mlm.SCHEDULER)


def parameters(module):
    return sum(p.numel() for p in module.parameters())


def load_convert_script(diffusers_root):
    path = os.path.join(diffusers_root, "scripts", "convert_stable_diffusion_checkpoint_to_onnx.py")
    spec = importlib.util.spec_from_file_location("convert_stable_diffusion_checkpoint_to_onnx", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Pipeline:
    """The attributes convert_models reads of the StableDiffusionPipeline it loads (and deletes)."""

    def __init__(self, text_encoder, tokenizer, unet, vae, scheduler_):
        self.text_encoder, self.tokenizer, self.unet, self.vae = text_encoder, tokenizer, unet, vae
        self.scheduler, self.safety_checker, self.feature_extractor = scheduler_, None, None

    def to(self, device):
        if device != "cpu":
            raise ValueError(f"device {device}: the fp32 export runs on the CPU")
        return self


def model_index(diffusers):
    """What OnnxStableDiffusionPipeline.save_pretrained writes for the convert script's pipeline."""
    onnx_model = ["diffusers", "OnnxRuntimeModel"]
    return {"_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": diffusers.__version__,
            "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
            "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": onnx_model,
            "tokenizer": ["transformers", "CLIPTokenizer"], "unet": onnx_model, "vae_decoder": onnx_model,
            "vae_encoder": onnx_model}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers", required=True, help="a diffusers 0.30.3 checkout (with src/ and scripts/)")
    parser.add_argument("--clip-bpe", required=True, help="folder with CLIP's vocab.json and merges.txt")
    parser.add_argument("--out", required=True, help="the model folder to write (outside the repository)")
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    if os.path.isdir(out) and os.listdir(out):
        raise SystemExit(f"{out} is not empty; expected a new or empty folder")

    started = time.time()
    torch.set_grad_enabled(False)
    diffusers = mfm.load_diffusers(os.path.join(args.diffusers, "src"))
    convert = load_convert_script(args.diffusers)
    tokenizer = ClipTokenizer(args.clip_bpe)
    text, unet, vae = build_components(diffusers)
    print(f"parameters: text encoder {parameters(text):,}, UNet {parameters(unet):,}, VAE {parameters(vae):,}",
          flush=True)
    pipeline = _Pipeline(text, tokenizer, unet, vae, scheduler(diffusers))
    del text, unet, vae  # convert_models deletes each module from the pipeline once exported

    class _Loader:
        @staticmethod
        def from_pretrained(model_path, torch_dtype):
            if torch_dtype != torch.float32:
                raise ValueError(f"dtype {torch_dtype}: the model is exported in float32")
            return pipeline

    convert.StableDiffusionPipeline = _Loader
    try:
        convert.convert_models("in-memory SD 1.5-size modules", out, OPSET, fp16=False)
        raise SystemExit("convert_models ran to its end: onnxruntime is installed, the model_index.json here is not needed")
    except ImportError as e:
        # its OnnxStableDiffusionPipeline step: onnxruntime is not installed (diffusers' dummy object raises)
        if "onnx" not in str(e).lower():
            raise
    for part in ("text_encoder/model.onnx", "unet/model.onnx", "unet/weights.pb", "vae_encoder/model.onnx",
                 "vae_decoder/model.onnx"):
        if not os.path.isfile(os.path.join(out, part)):
            raise SystemExit(f"{part} is missing after the export; expected convert_models to write it")
    pipeline.scheduler.save_config(os.path.join(out, "scheduler"))
    os.makedirs(os.path.join(out, "tokenizer"), exist_ok=True)
    for name in TOKENIZER_FILES + ("tokenizer_config.json", "special_tokens_map.json"):
        source = os.path.join(args.clip_bpe, name)
        if os.path.isfile(source):
            shutil.copyfile(source, os.path.join(out, "tokenizer", name))
    with open(os.path.join(out, "model_index.json"), "w", encoding="utf-8") as f:
        json.dump(model_index(diffusers), f, indent=2)
        f.write("\n")
    print(f"wrote {out} ({mfm.folder_size(out) / 2 ** 30:.2f} GiB) in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
