#!/usr/bin/env python3
"""Samples captions to PNG with DDIM + classifier-free guidance, then scores held-out ones.

    python3 sample.py OUT_DIR --run RUN_DIR        # torch checkpoints of a training run
    python3 sample.py OUT_DIR --onnx MODEL_DIR     # an exported model (needs onnxruntime, or onnx>=1.13
                                                   # for its slow pure-numpy reference evaluator)
Options: --caption TEXT (repeatable; default: every held-out caption, named by scene id),
--limit N, --steps 20, --guidance 7.5, --seed 0.
"""
import argparse
import json
import os
import re
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import diffusion  # noqa: E402


class TorchModels:
    """Torch modules in eval mode: the EMA weights of a run, or modules handed over by train.py."""

    def __init__(self, text_encoder, unet, vae, tok, scaling_factor):
        self.te, self.unet, self.vae = text_encoder.eval(), unet.eval(), vae.eval()
        self.tok, self.scaling_factor = tok, scaling_factor

    @staticmethod
    def load(run):
        import models
        import train
        from tokenizer import WordTokenizer
        with open(os.path.join(run, "config.json")) as f:
            cfg = json.load(f)
        tok = WordTokenizer()
        ck = torch.load(os.path.join(run, "vae_final.pt"))
        vae = models.AutoencoderKL(**ck["config"])
        vae.load_state_dict(ck["ema"])
        ck = torch.load(os.path.join(run, "unet_final.pt"))
        vae.latent_gain.copy_(ck["latent_gain"])
        te, unet = train.build_text_unet(cfg, tok)
        te.load_state_dict(ck["text_encoder"])
        unet.load_state_dict(ck["unet"])
        return TorchModels(te, unet, vae, tok, ck["scaling_factor"])

    def encode_text(self, captions):
        return self.te(torch.tensor([self.tok.encode(c) for c in captions]))[0]

    def denoise(self, x, t, context):
        return self.unet(x, t, context)

    def decode(self, latents):
        return self.vae.decode(latents)


def _onnx_runner(path):
    try:
        import onnxruntime as ort
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        return lambda feeds: session.run(None, feeds)
    except ImportError:
        pass
    try:
        from onnx.reference import ReferenceEvaluator
    except ImportError:
        sys.exit("--onnx needs onnxruntime or onnx>=1.13 (onnx.reference); use --run with torch checkpoints")
    evaluator = ReferenceEvaluator(path)
    return lambda feeds: evaluator.run(None, feeds)


class OnnxModels:
    """An exported model folder, read the way a pipeline reads it: tokenizer files, configs, graphs."""

    def __init__(self, folder):
        with open(os.path.join(folder, "tokenizer", "tokenizer.json")) as f:
            tj = json.load(f)
        with open(os.path.join(folder, "tokenizer", "special_tokens_map.json")) as f:
            special = json.load(f)
        self.vocab = tj["model"]["vocab"]
        self.unk = self.vocab[tj["model"]["unk_token"]]
        self.bos, self.eos, self.pad = (self.vocab[special[k]] for k in ("bos_token", "eos_token", "pad_token"))
        with open(os.path.join(folder, "vae_decoder", "config.json")) as f:
            self.scaling_factor = json.load(f)["scaling_factor"]
        self.text = _onnx_runner(os.path.join(folder, "text_encoder", "model.onnx"))
        self.unet = _onnx_runner(os.path.join(folder, "unet", "model.onnx"))
        self.decoder = _onnx_runner(os.path.join(folder, "vae_decoder", "model.onnx"))

    def ids(self, caption):
        # tokenizer.json: Lowercase normaliser, Whitespace pre-tokeniser (\w+|[^\w\s]+), WordLevel
        words = re.findall(r"\w+|[^\w\s]+", caption.lower())
        ids = [self.bos] + [self.vocab.get(w, self.unk) for w in words][:75] + [self.eos]
        return ids + [self.pad] * (77 - len(ids))

    def encode_text(self, captions):
        ids = np.array([self.ids(c) for c in captions], dtype=np.int32)
        return torch.from_numpy(self.text({"input_ids": ids})[0])

    def denoise(self, x, t, context):
        out = self.unet({"sample": x.numpy().astype(np.float32), "timestep": t.numpy().astype(np.float32),
                         "encoder_hidden_states": context.numpy().astype(np.float32)})
        return torch.from_numpy(out[0])

    def decode(self, latents):
        return torch.cat([torch.from_numpy(self.decoder({"latent_sample": latents[i:i + 1].numpy()})[0])
                          for i in range(len(latents))])


@torch.no_grad()
def generate(m, captions, steps, guidance, seed, batch=8):
    """uint8 pictures [N, H, W, 3]; noise from a torch generator seeded per batch."""
    out = []
    for start in range(0, len(captions), batch):
        part = captions[start:start + batch]
        cond = m.encode_text(part)
        uncond = m.encode_text([""]).expand(len(part), -1, -1)
        gen = torch.Generator().manual_seed(seed + start)
        lat = diffusion.ddim_sample(m.denoise, cond, uncond, (len(part), 4, 16, 16), gen, steps, guidance)
        pix = m.decode(lat / m.scaling_factor).clamp(-1, 1) * 0.5 + 0.5
        out.append((pix.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8))
    return np.concatenate(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--run")
    src.add_argument("--onnx")
    p.add_argument("--caption", action="append")
    p.add_argument("--limit", type=int)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--guidance", type=float, default=7.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    from PIL import Image
    import score
    m = TorchModels.load(a.run) if a.run else OnnxModels(a.onnx)
    with open(os.path.join(HERE, "heldout.json")) as f:
        doc = json.load(f)
    if a.caption:
        names, captions = [f"caption-{i:02d}" for i in range(len(a.caption))], a.caption
    else:
        names, captions = [s["id"] for s in doc["scenes"]], [s["caption"] for s in doc["scenes"]]
    if a.limit:
        names, captions = names[:a.limit], captions[:a.limit]
    os.makedirs(a.out, exist_ok=True)
    pics = generate(m, captions, a.steps, a.guidance, a.seed)
    for n, c, pic in zip(names, captions, pics):
        Image.fromarray(pic).save(os.path.join(a.out, n + ".png"))
        print(f"{n}.png: {c}")
    if not a.caption:
        results = score.score_folder(a.out, doc)
        print(json.dumps(score.summary(results)))


if __name__ == "__main__":
    main()
