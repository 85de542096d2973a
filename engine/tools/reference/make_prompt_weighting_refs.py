#!/usr/bin/env python3
"""Reference windows, weights and weighted text states, computed by AUTOMATIC1111's own code.

engine/src/test/resources/reference/text/prompt_weighting.json holds, for each prompt below, what
the prompt conditioning of AUTOMATIC1111's stable-diffusion-webui (AGPL-3.0) makes of it:
FrozenCLIPEmbedderWithCustomWordsBase.forward of modules/sd_hijack_clip.py, which reads the
attention syntax (modules/prompt_parser.py), splits the tokens into windows (tokenize_line: BREAK,
comma back-tracking, each token's multiplier), encodes each window and applies the weights with the
"Original" emphasis of modules/sd_emphasis.py (process_tokens). This script does not copy that
code: it imports those modules from a checkout given on the command line and runs them, with
stand-ins only for what they reach outside the text path:

- the tokenizer: the word-level vocabulary of the Java tests' WordLevelFixture (lower-cased, split
  like Hugging Face's Whitespace pre-tokenizer, \\w+|[^\\w\\s]+, unknown words to [UNK]), with its
  [BOS]/[EOS]/[PAD] ids, the comma as A1111's comma token, and windows of 8 or 77 positions;
- the text encoders: closed-form functions of (id, position, channel), ENCODER_A below (width 4) and
  ENCODER_B (width 6), computed in float64 and rounded to float32, as the Java tests compute them;
- the web UI's options (modules.shared.opts): its defaults emphasis = "Original",
  comma_padding_backtrack = 20; devices, sd_hijack, textual inversion: inert stand-ins; lark (prompt
  editing, unused here): an empty module. torch is the real one.

For SDXL the web UI wraps each of the two encoders this way on its own (sd_hijack.py wraps each
embedder of the conditioner) and the conditioner joins their outputs along the channels; "sdxl" below
is ENCODER_A's weighted states and ENCODER_B's side by side.

Usage:
    /usr/bin/python3 make_prompt_weighting_refs.py --a1111-src PATH/TO/stable-diffusion-webui \
        --a1111-commit modules/prompt_parser.py=SHA --a1111-commit modules/sd_hijack_clip.py=SHA \
        --a1111-commit modules/sd_emphasis.py=SHA --out prompt_weighting.json
"""
import argparse
import importlib.util
import json
import math
import platform
import re
import sys
import types

import numpy as np
import torch

# WordLevelFixture (engine/src/test/java/dev/emergence/engine/text/WordLevelFixture.java).
WORDS = ["[UNK]", "[BOS]", "[EOS]", "[PAD]", ",", "a", "red", "cat", "on", "the", "mat", "zürich"]
VOCAB = {w: i for i, w in enumerate(WORDS)}
UNK, BOS, EOS, PAD, COMMA = 0, 1, 2, 3, 4

CASES = {
    8: [
        "a red cat",
        "a (red:1.5) cat",
        "a ((red)) [cat] on the mat",
        "(a red cat:0.5), on the mat",
        "a red cat, on the (mat:1.3), a red cat, on the mat",
        "[[[a red cat, on the mat, a red cat]]]",
        "a red BREAK cat",
        "BREAK a red cat",
        "a red cat BREAK",
        "a BREAK BREAK (cat:1.2)",
        "(a red BREAK cat)",
        "(a:0) red cat",
        "(a:-1) (cat:2)",
        "a red cat on the mat, (a red cat:1.1)",
        "",
    ],
    77: [
        "a red cat, " * 30 + "(on the mat:1.4)",
        "a (red cat:1.2), " * 20 + "BREAK [the mat]",
    ],
}


def encoder_a(ids, p, c):
    return math.sin(0.9 * ids * (c + 1) + 0.29 * p + 0.7 * c) + 0.25 * math.cos(0.37 * ids * (p + 1) - 0.4 * c) + 0.3


def encoder_b(ids, p, c):
    return math.cos(0.61 * ids + 0.17 * p * (c + 1) - 0.5 * c) - 0.2 * math.sin(0.05 * p * ids + c) + 0.4


def load(a1111_src, chunk_length):
    lark = types.ModuleType("lark")
    lark.Lark = lambda *args, **kwargs: None
    sys.modules["lark"] = lark

    modules = types.ModuleType("modules")
    modules.__path__ = [f"{a1111_src}/modules"]
    sys.modules["modules"] = modules
    devices = types.ModuleType("modules.devices")
    devices.device = "cpu"
    devices.torch_npu_set_device = lambda: None
    sd_hijack = types.ModuleType("modules.sd_hijack")
    sd_hijack.StableDiffusionModelHijack = object
    shared = types.ModuleType("modules.shared")
    shared.opts = types.SimpleNamespace(emphasis="Original", comma_padding_backtrack=20,
                                        use_old_emphasis_implementation=False,
                                        textual_inversion_add_hashes_to_infotext=False)
    for name, m in (("devices", devices), ("sd_hijack", sd_hijack), ("shared", shared)):
        sys.modules[f"modules.{name}"] = m
        setattr(modules, name, m)
    for name in ("prompt_parser", "sd_emphasis", "sd_hijack_clip"):
        spec = importlib.util.spec_from_file_location(f"modules.{name}", f"{a1111_src}/modules/{name}.py")
        m = importlib.util.module_from_spec(spec)
        sys.modules[f"modules.{name}"] = m
        setattr(modules, name, m)
        spec.loader.exec_module(m)
    return sys.modules["modules.sd_hijack_clip"]


def make_embedder(hijack_clip, formula, width, chunk_length):
    base = hijack_clip.FrozenCLIPEmbedderWithCustomWordsBase

    class Embedder(base):
        def __init__(self):
            hijack = types.SimpleNamespace(
                embedding_db=types.SimpleNamespace(find_embedding_at_position=lambda tokens, position: (None, None)),
                fixes=None, extra_generation_params={})
            super().__init__(types.SimpleNamespace(), hijack)
            self.chunk_length = chunk_length
            self.id_start, self.id_end, self.id_pad, self.comma_token = BOS, EOS, PAD, COMMA
            self.sent = []

        def tokenize(self, texts):
            return [[VOCAB.get(w, UNK) for w in re.findall(r"\w+|[^\w\s]+", t.lower())] for t in texts]

        def encode_with_transformers(self, tokens):
            self.sent.append(tokens.tolist())
            b, n = tokens.shape
            z = np.zeros((b, n, width), dtype=np.float64)
            for i in range(b):
                for p in range(n):
                    for c in range(width):
                        z[i, p, c] = formula(int(tokens[i, p]), p, c)
            return torch.from_numpy(z.astype(np.float32))

    return Embedder()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a1111-src", required=True, help="a stable-diffusion-webui checkout (holding modules/)")
    ap.add_argument("--a1111-commit", action="append", required=True, metavar="FILE=SHA",
                    help="the commit each of modules/prompt_parser.py, sd_hijack_clip.py, sd_emphasis.py was taken at")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    commits = dict(c.split("=", 1) for c in args.a1111_commit)

    cases = []
    for length, prompts in CASES.items():
        hijack_clip = load(args.a1111_src, length - 2)
        for prompt in prompts:
            a = make_embedder(hijack_clip, encoder_a, 4, length - 2)
            b = make_embedder(hijack_clip, encoder_b, 6, length - 2)
            chunks, _ = a.tokenize_line(prompt)
            with torch.no_grad():
                za = a.forward([prompt])
                zb = b.forward([prompt])
            cases.append({
                "prompt": prompt,
                "length": length,
                # as the encoder got them (process_tokens pads after the end token with [PAD])
                "tokens": [row[0] for row in a.sent],
                "multipliers": [[float(np.float32(m)) for m in ch.multipliers] for ch in chunks],
                "a": za[0].tolist(),
                "sdxl": torch.cat([za, zb], dim=2)[0].tolist(),
            })

    doc = {
        "source": {
            "repository": "AUTOMATIC1111/stable-diffusion-webui",
            "files": commits,
            "function": "sd_hijack_clip.FrozenCLIPEmbedderWithCustomWordsBase.forward",
            "options": {"emphasis": "Original", "comma_padding_backtrack": 20},
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "cases": cases,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True)
        f.write("\n")
    print(f"{len(cases)} cases -> {args.out}")


if __name__ == "__main__":
    main()
