#!/usr/bin/env python3
"""Side-by-side sheet of two models' pictures for the same held-out captions: two one-object scenes of
each shape (the ones DefaultModelTest checks), one row per model, each picture marked with the shape
the scorer measured (green when it is the named one, red when not).

Usage: python3 compare_sheet.py OUT.png LABEL=DIR [LABEL=DIR ...] [--suffix -128x128]
Each DIR holds pictures written by the engine's `evaluate --out DIR` (heldout-07-s1.png, or with
several sizes heldout-07-128x128-s1.png: give that size's --suffix).
"""
import json
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import score  # noqa: E402

CELL, LABEL_W, HEAD = 128, 150, 34


def two_of_each_shape(doc):
    picked = {}
    for s in doc["scenes"]:
        if len(s["objects"]) == 1:
            picked.setdefault(s["objects"][0]["shape"], [])
            if len(picked[s["objects"][0]["shape"]]) < 2:
                picked[s["objects"][0]["shape"]].append(s)
    return [s for shape in picked.values() for s in shape]


def main(argv):
    suffix = ""
    if "--suffix" in argv:
        k = argv.index("--suffix")
        suffix, argv = argv[k + 1], argv[:k] + argv[k + 2:]
    out, rows = argv[0], [a.split("=", 1) for a in argv[1:]]
    with open(os.path.join(HERE, "heldout.json")) as f:
        doc = json.load(f)
    picks = two_of_each_shape(doc)
    # Cells keep the pictures' aspect: CELL pixels high, as wide as that makes them.
    first = Image.open(os.path.join(rows[0][1], picks[0]["id"] + suffix + "-s1.png"))
    cell_w = round(CELL * first.width / first.height)
    sheet = Image.new("RGB", (LABEL_W + cell_w * len(picks), HEAD + (CELL + 16) * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, s in enumerate(picks):
        o = s["objects"][0]
        draw.text((LABEL_W + i * cell_w + 4, 4), f"{o['size']} {o['colour']}", fill="black")
        draw.text((LABEL_W + i * cell_w + 4, 18), f"{o['shape']}, {o['region']}", fill="black")
    for r, (label, folder) in enumerate(rows):
        y = HEAD + r * (CELL + 16)
        right = 0
        for i, s in enumerate(picks):
            pic = np.asarray(Image.open(os.path.join(folder, s["id"] + suffix + "-s1.png")).convert("RGB"))
            result = score.score_picture(pic, s, doc)["objects"][0]
            right += result["shape_ok"]
            sheet.paste(Image.fromarray(pic).resize((cell_w, CELL), Image.NEAREST), (LABEL_W + i * cell_w, y))
            draw.text((LABEL_W + i * cell_w + 4, y + CELL + 2), f"drawn: {result['shape_measured']}",
                      fill=(0, 130, 0) if result["shape_ok"] else (200, 0, 0))
        draw.text((6, y + CELL // 2 - 14), label, fill="black")
        draw.text((6, y + CELL // 2 + 2), f"{right} of {len(picks)} shapes", fill="black")
    sheet.save(out)


if __name__ == "__main__":
    main(sys.argv[1:])
