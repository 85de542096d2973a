#!/usr/bin/env python3
"""PyTorch's peak resident memory for a txt2img on the SD 1.5-size model of make_sd15_size_model.py.

diffusers' own StableDiffusionPipeline (from a diffusers 0.30.3 checkout, run unmodified through its
__call__) is assembled in memory from the very modules make_sd15_size_model.build_components builds:
the same seeds, hence the same weights as the ONNX export the engine runs. It generates one 512x512
image in 2 guided steps (guidance 7.5, a negative prompt, PNDM as SD 1.5's scheduler config) on the
CPU, in float32, under torch.no_grad (the pipeline's own decorator), as the engine's `bench` does.

The figure is resource.getrusage(RUSAGE_SELF).ru_maxrss (KiB on Linux): the process's peak resident
memory, building the modules (as from_pretrained would materialise them) and the generation included.

Usage:
    /usr/bin/python3 torch_peak_memory.py --diffusers DIR --clip-bpe DIR [--threads N] [--json]
"""

import argparse
import json
import os
import resource
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "reference"))
import make_sd15_size_model as sd15  # noqa: E402  (the modules, seeds, tokenizer, diffusers loading)
import make_family_refs as mfr  # noqa: E402  (the CLIPTokenizer stand-in the pipelines accept)

PROMPT = "a small red circle at the top left on a blue background"  # the engine's bench prompt
NEGATIVE = "blurry"
SIZE = 512
STEPS = 2
SEED = 1234


class TextEncoder(torch.nn.Module):
    """What StableDiffusionPipeline.encode_prompt uses of transformers' CLIPTextModel: called with
    attention_mask=None, answering a tuple whose [0] is last_hidden_state; config, dtype, device."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.config = model.config

    @property
    def dtype(self):
        return torch.float32

    @property
    def device(self):
        return torch.device("cpu")

    def forward(self, input_ids, attention_mask=None, output_hidden_states=None):
        if attention_mask is not None or output_hidden_states:
            raise ValueError("SD 1.5's pipeline passes no attention mask and wants no hidden states here")
        return self.model(input_ids)


class Tokenizer(mfr.ClipTokenizerStandIn):
    """make_family_refs' CLIPTokenizer stand-in on the real CLIP BPE instead of the tiny one."""

    def __init__(self, folder):
        self.tok = sd15.ClipTokenizer(folder).tok
        self.pad_token = "<|endoftext|>"
        self.added_tokens_encoder = {"<|startoftext|>": self.tok.bos, "<|endoftext|>": self.tok.eos}
        self.inverse = {i: s for s, i in self.tok.vocab.items()}


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers", required=True, help="a diffusers 0.30.3 checkout (its src/ is imported)")
    parser.add_argument("--clip-bpe", required=True, help="folder with CLIP's vocab.json and merges.txt")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    t0 = time.time()
    diffusers = sd15.mfm.load_diffusers(os.path.join(args.diffusers, "src"))
    from diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion import StableDiffusionPipeline
    with torch.no_grad():
        text, unet, vae = sd15.build_components(diffusers)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=TextEncoder(text), tokenizer=Tokenizer(args.clip_bpe), unet=unet,
                                   scheduler=sd15.scheduler(diffusers), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    del text, unet, vae
    load_s = time.time() - t0
    after_load = peak_rss_mib()

    t1 = time.time()
    image = pipe(PROMPT, negative_prompt=NEGATIVE, height=SIZE, width=SIZE, num_inference_steps=STEPS, guidance_scale=7.5,
                 generator=torch.Generator().manual_seed(SEED), output_type="np").images
    if image.shape != (1, SIZE, SIZE, 3):
        raise SystemExit(f"the pipeline returned images of shape {image.shape}; expected (1, {SIZE}, {SIZE}, 3)")
    out = {"torch": torch.__version__, "diffusers": diffusers.__version__, "threads": torch.get_num_threads(),
           "size": f"{SIZE}x{SIZE}", "steps": STEPS, "build_s": round(load_s, 1),
           "generate_s": round(time.time() - t1, 1), "peak_rss_after_build_mib": after_load,
           "peak_rss_mib": peak_rss_mib()}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:28} {v}")


if __name__ == "__main__":
    main()
