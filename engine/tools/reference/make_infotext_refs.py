#!/usr/bin/env python3
"""Writes the infotext reference file A1111ParametersReferenceTest replays.

Runs AUTOMATIC1111's own parse_generation_parameters (modules/infotext_utils.py) on a list of
tricky infotexts -- Windows and lone carriage returns, non-breaking spaces and other Unicode
whitespace at line ends, control characters, quoted values with commas, quotes and escapes, keys
and digits outside ASCII -- and records what it returns for each. It also records which characters
Python's re module counts as \\w and \\s (the classes AUTOMATIC1111's re_param is made of), so the
Java test can check its own character classes against them, code point by code point.

Usage:
    python3 make_infotext_refs.py --infotext-utils FILE --a1111-commit SHA --out FILE.json

FILE is modules/infotext_utils.py of an AUTOMATIC1111 stable-diffusion-webui checkout, kept
outside this project. Only the standard library and Pillow (which that file imports) are needed:
the modules it imports from the web UI and gradio are provided here as small stand-ins, set as
a fresh install leaves its options:

    infotext_skip_pasting = []        nothing is dropped from the result
    infotext_styles = "Ignore"        no styles are taken out of the prompts
    use_old_hires_fix_width_height = False
    infotext_versions.backcompat      does nothing (as with the option auto_backcompat off)
    prompt_parser.parse_prompt_attention  finds no emphasis: the "Emphasis" entry, which
                                      AUTOMATIC1111 derives from the prompt's (attention:1.2)
                                      syntax rather than reads, is left out

Besides the entries it reads from the text, parse_generation_parameters fills in defaults for
entries the text lacks ("Clip skip": "1", "RNG": "GPU", ...); the result for the empty text is
recorded as "defaults", so the test can tell them apart.
"""

import argparse
import importlib.util
import json
import os
import re
import sys
import types
import unicodedata

CASES = [
    # (name, infotext)
    ("a1111-1.10",
     "masterpiece, a cat in a hat\nNegative prompt: blurry, lowres\n"
     "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234567890, Size: 512x768, "
     "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1"),
    ("windows-line-ends",
     "a cat\r\nNegative prompt: a dog\r\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 1, Size: 512x512\r\n"),
    ("lone-cr-before-the-parameters",
     "a cat, sitting\rSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512"),
    ("lone-cr-inside-the-prompt",
     "a cat\ron a mat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 2, Size: 512x512"),
    ("lone-cr-before-negative",
     "a cat\rNegative prompt: a dog\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 3, Size: 512x512"),
    ("nbsp-at-line-ends",
     "a cat\u00a0\nNegative prompt:\u00a0a dog\u00a0\u00a0\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 4, Size: 512x512\u00a0"),
    ("nbsp-after-a-number",
     "a cat\nSteps: 20\u00a0, Sampler: Euler, CFG scale: 7\u00a0, Seed: 5\u00a0, Size: 512x512"),
    ("unicode-spaces-around-lines",
     "\u3000\u2003a cat\u2009\n\u205fNegative prompt: a dog\u202f\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 6, Size: 512x512"),
    ("nel-and-line-separator-are-not-line-ends",
     "a cat\u0085on a mat\u2028and a dog\u2029\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 7, Size: 512x512"),
    ("information-separators-are-whitespace",
     "a cat\x1c\nSteps:\x1f20,\x1eSampler:\x1dEuler, CFG scale: 7, Seed: 8, Size: 512x512"),
    ("other-control-characters",
     "a\x00cat\x07\x1b[31m\nNegative prompt: \x08dog\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 9, Size: 512x512, Note: a\x01b"),
    ("vertical-tab-and-form-feed",
     "\x0ba cat\x0c\nSteps: 20,\x0bSampler: Euler,\x0cCFG scale: 7, Seed: 10, Size: 512x512"),
    ("quoted-values-with-commas",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 11, Size: 512x512, "
     "Lora hashes: \"add_detail: 7c6bad76eb54, more_art: 1234\", TI hashes: \"a, b\", Hires upscaler: Latent"),
    ("quoted-value-with-escapes",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 12, Size: 512x512, "
     "Hires prompt: \"a \\\"big\\\" cat,\\nlarge \\u00e9t\\u00e9 \\\\ \\/ \\t end\", Model: m"),
    ("quoted-value-then-text",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 13, Size: 512x512, Model: \"a\" b, VAE: x"),
    ("unterminated-quote",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 14, Size: 512x512, Wildcard prompt: \"a, b, c"),
    ("quote-escaped-backslash-at-the-end",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 15, Size: 512x512, Model: \"a\\\\\", Style: \"b\\\""),
    ("quoted-invalid-json",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 16, Size: 512x512, Aa: \"tab\there\", Bb: \"\\x41\", Cc: \"\\ud800\", Dd: \"\", Ee: \"\\ud83d\\ude00\""),
    ("one-character-keys-are-not-keys",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 38, Size: 512x512, A: b, \u00e9: c, Ok: d"),
    ("empty-values-are-skipped",
     "a cat\nSteps: 20, Sampler: Euler, Model: , CFG scale: 7, Seed: 17, Size: 512x512, VAE:,Version: v1.9.0"),
    ("fewer-than-three-entries-is-prompt",
     "a photo: of a cat\nSteps: 20, Sampler: Euler"),
    ("parameters-on-an-earlier-line-stay-prompt",
     "Steps: 20, Sampler: Euler, CFG scale: 7\na cat\nSteps: 30, Sampler: Euler a, CFG scale: 5, Seed: 18, Size: 640x448"),
    ("negative-prompt-over-several-lines",
     "a cat\n  on a mat  \nNegative prompt:   ugly\n  blurry\nlowres  \nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 19, Size: 512x512"),
    ("negative-prompt-without-space",
     "a cat\nNegative prompt:ugly\nNegative prompt: twice\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 20, Size: 512x512"),
    ("duplicate-keys-last-wins",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 21, Size: 512x512, Seed: 22, Model: a, Model: b"),
    ("sizes-of-other-keys-split",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 23, Size: 1024x1536, Hires resize: 2048x3072, First pass: 7x, Other size: 5x6x7"),
    ("unicode-digits",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 24, Size: \u0665\u0661\u0662x\u0667\u0666\u0668, Hires resize: \uff11x\uff12"),
    ("keys-with-slash-dash-digits",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 25, Size: 512x512, Token merging ratio hr/x-y: 0.5, 2nd pass: yes, _k: v"),
    ("unicode-keys",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 26, Size: 512x512, Mod\u00e8le: m, \u30e2\u30c7\u30eb: n, x\u00b2 y: sq"),
    ("keys-with-marks-and-connectors",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 27, Size: 512x512, Mode\u0301l: m, a\u203fb: c, "
     "\u092e\u0949\u0921\u0932 \u0928\u093e\u092e: d, e\u200dz: f"),
    ("colons-in-unquoted-values",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 28, Size: 512x512, Model: a:b:c, Time: 12:30"),
    ("tabs-and-runs-of-spaces",
     "a cat\nSteps:\t20,\t\tSampler:   Euler ,  CFG scale : 7, Seed: 29, Size: 512x512,Model:m"),
    ("trailing-comma-and-blank-lines",
     "\n\n  a cat  \n\n\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 30, Size: 512x512,\n\n"),
    ("parameters-only",
     "Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 31, Size: 512x512"),
    ("emoji-and-extra-network-tags",
     "a \U0001f431 cat <lora:add_detail:0.8> <hypernet:h:1>\nNegative prompt: \U0001f436\n"
     "Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 32, Size: 512x512, Lora hashes: \"add_detail: 7c6bad76eb54\""),
    ("hires-fix-txt2img",
     "a cat\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 33, Size: 512x512, "
     "Denoising strength: 0.7, Clip skip: 2, Hires upscale: 2, Hires steps: 10, Hires upscaler: R-ESRGAN 4x+, "
     "Variation seed: 5, Variation seed strength: 0.2, RNG: CPU"),
    ("img2img",
     "a cat\nSteps: 30, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 34, Size: 768x512, "
     "Model hash: abc, Model: m, Denoising strength: 0.45, Mask blur: 4, Version: v1.9.4"),
    ("old-sampler-name",
     "a cat\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 35, Size: 512x512, Model hash: 45dee52b"),
    ("missing-seed",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Size: 512x512"),
    ("size-not-width-by-height",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 36, Size: 512 x 512"),
    ("key-value-needs-a-colon-right-after-the-key",
     "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 37, Size: 512x512, Model hash : abc, a: b"),
]


# ---------------------------------------------------------------------------------------------
# Loading modules/infotext_utils.py without the web UI
# ---------------------------------------------------------------------------------------------


def _module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def load_infotext_utils(path):
    class _Component:
        pass

    gr = _module("gradio", update=lambda **kw: {"__type__": "update", **kw},
                 Gallery=_Component, Button=_Component, Dropdown=_Component)
    gr.components = _module("gradio.components", Component=_Component)

    opts = types.SimpleNamespace(infotext_skip_pasting=[], infotext_styles="Ignore", use_old_hires_fix_width_height=False,
                                 send_seed=True, send_size=True)
    pkg = _module("modules", __path__=[])
    stubs = {
        "paths": dict(data_path=""),
        "shared": dict(opts=opts),
        "ui_tempdir": {},
        "script_callbacks": {},
        "processing": {},
        "infotext_versions": dict(backcompat=lambda d: None, parse_version=lambda text: None, v180_hr_styles=None),
        "images": {},
        "prompt_parser": dict(parse_prompt_attention=lambda text: [[text, 1.0]]),
        "errors": {},
    }
    for name, attrs in stubs.items():
        setattr(pkg, name, _module("modules." + name, **attrs))

    spec = importlib.util.spec_from_file_location("modules.infotext_utils", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["modules.infotext_utils"] = mod
    spec.loader.exec_module(mod)
    return mod


def ranges(predicate):
    out, start = [], None
    for c in range(0x110001):
        ok = c < 0x110000 and predicate(chr(c))
        if ok and start is None:
            start = c
        if not ok and start is not None:
            out.append([start, c - 1])
            start = None
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--infotext-utils", required=True, help="modules/infotext_utils.py of AUTOMATIC1111's web UI")
    parser.add_argument("--a1111-commit", required=True, help="the commit that file is from")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    infotext = load_infotext_utils(os.path.abspath(args.infotext_utils))
    defaults = infotext.parse_generation_parameters("")
    del defaults["Prompt"], defaults["Negative prompt"]
    cases = [{"name": name, "text": text, "parsed": infotext.parse_generation_parameters(text)} for name, text in CASES]
    word, space = re.compile(r"\w"), re.compile(r"\s")
    data = {
        "generated_by": "engine/tools/reference/make_infotext_refs.py",
        "a1111_file": "modules/infotext_utils.py",
        "a1111_commit": args.a1111_commit,
        "python_version": sys.version.split()[0],
        "unicode_version": unicodedata.unidata_version,
        "defaults": defaults,
        "python_word": ranges(lambda ch: word.match(ch) is not None),
        "python_space": ranges(lambda ch: space.match(ch) is not None),
        "python_str_strip": ranges(lambda ch: (ch + "a").strip() == "a"),
        "cases": cases,
    }
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=True, separators=(",", ":"))
        fh.write("\n")
    print(f"{args.out}: {len(cases)} cases")
