#!/usr/bin/env python3
"""Reference token ids for the tokenizer tests, computed by OpenAI's own CLIP tokenizer.

The ids in engine/src/test/resources/reference/text/clip_bpe_reference.json come from
clip/simple_tokenizer.py of the openai/CLIP repository (MIT), run on CLIP's merges file
bpe_simple_vocab_16e6.txt.gz, so the Java tokenizer is checked against code that is not ours.

Usage:
    python3 make_tokenizer_refs.py --clip-src PATH/TO/openai-CLIP/clip \
        --bpe PATH/TO/bpe_simple_vocab_16e6.txt.gz --out clip_bpe_reference.json

Needs the `regex` module (Debian: python3-regex). `ftfy` is optional: when it is missing it is
replaced by NFC normalisation, which is the only thing ftfy.fix_text does to the strings below
(they avoid what ftfy repairs: mojibake, curly quotes, ligatures, full-width forms, HTML entities).
"""
import argparse
import importlib.util
import json
import sys
import types
import unicodedata

# Strings chosen to exercise each stage: normalisation (case, NFC, whitespace), the
# pre-tokeniser regex (contractions, single digits, punctuation runs, non-Latin letters),
# byte-level BPE (accents, emoji, scripts with combining marks) and the windowing (long prompt).
CASES = [
    "a photo of a cat",
    "A Photo Of A CAT",
    "a  photo,of  a cat!!",
    "don't stop, it's what we'll do; they're sure I'd've",
    "1024x768 resolution, 8k, 35mm f/1.8 lens, 50% off $100",
    "café crème brûlée in Zürich",
    "cafe\u0301 cre\u0300me (decomposed accents)",
    "a cute cat \U0001F431 with a red heart \u2764\ufe0f and \U0001F469\u200D\U0001F3A8",
    "日本の風景, 山と川",
    "नमस्ते दुनिया",
    "Ελληνικά και русский текст",
    "masterpiece, best quality, (ultra detailed:1.2), [blurry], {sharp}",
    "\t leading\tand   trailing \n\n whitespace \n",
    "hello!!!??? ... --- *** <<>>",
    "e-mail: user@example.com #hashtag",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "ÀÉÎÕÜ Straße İstanbul",
    "",
]

# A comma-separated prompt of more than 150 tokens: three windows of 75 once BOS/EOS are added.
LONG_PARTS = [
    "a breathtaking oil painting of an ancient stone castle on a misty mountain",
    "golden hour light", "dramatic clouds", "highly detailed stonework",
    "ivy covering the towers", "a winding river below", "tiny boats with lanterns",
    "flocks of birds in the distance", "intricate reflections on the water",
    "warm and cool colour contrast", "in the style of the romantic landscape painters",
    "thick impasto brush strokes", "soft atmospheric perspective", "volumetric fog",
    "cinematic composition", "rule of thirds", "8k resolution", "trending on an art gallery",
    "a lone traveller with a red cloak walking up the path", "wildflowers along the road",
    "snow on the distant peaks", "a crescent moon rising", "stars beginning to appear",
    "deep blue and amber palette", "museum quality masterpiece", "sharp focus",
    "rich textures", "subtle film grain", "award winning",
]
LONG_TARGET_TOKENS = 200


def load_simple_tokenizer(clip_src):
    try:
        import ftfy  # noqa: F401
        ftfy_note = "ftfy"
    except ImportError:
        stub = types.ModuleType("ftfy")
        stub.fix_text = lambda text: unicodedata.normalize("NFC", text)
        sys.modules["ftfy"] = stub
        ftfy_note = "ftfy replaced by NFC normalisation"
    spec = importlib.util.spec_from_file_location("clip_simple_tokenizer", f"{clip_src}/simple_tokenizer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, ftfy_note


def long_prompt(tok):
    parts = []
    for i in range(10_000):
        parts.append(LONG_PARTS[i % len(LONG_PARTS)])
        text = ", ".join(parts)
        if len(tok.encode(text)) >= LONG_TARGET_TOKENS:
            return text
    raise RuntimeError("could not build the long prompt")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip-src", required=True, help="the clip/ folder of openai/CLIP")
    ap.add_argument("--bpe", required=True, help="bpe_simple_vocab_16e6.txt.gz")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    module, ftfy_note = load_simple_tokenizer(args.clip_src)
    tok = module.SimpleTokenizer(bpe_path=args.bpe)
    sot, eot = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]

    cases = CASES + [long_prompt(tok)]
    out = {
        "source": "openai/CLIP clip/simple_tokenizer.py SimpleTokenizer.encode with bpe_simple_vocab_16e6.txt.gz ("
                  + ftfy_note + "); ids are content ids, without start/end of text",
        "startOfText": sot,
        "endOfText": eot,
        "cases": [{"text": t, "ids": tok.encode(t)} for t in cases],
    }
    # One case per line keeps the file readable and its diffs small.
    lines = [json.dumps(c, ensure_ascii=False) for c in out["cases"]]
    head = {k: v for k, v in out.items() if k != "cases"}
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "cases": [\n  ')
        f.write(",\n  ".join(lines))
        f.write("\n ]\n}\n")
    for c in out["cases"]:
        print(len(c["ids"]), repr(c["text"][:60]))


if __name__ == "__main__":
    main()
