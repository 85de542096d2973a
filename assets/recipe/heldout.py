"""Builds heldout.json: evaluation captions whose combinations training never shows, with scene specs
and the scoring rules, so generated pictures can be scored automatically (score.py, or any port).

Run `python3 heldout.py` to rewrite heldout.json beside this file; train.py checks it is current.
"""
import json
import os
import re
import sys

import scenes

HELDOUT_SEED = 1234
COLOUR_TOLERANCE = 60.0  # Euclidean distance in 0..255 RGB; about 2/3 of the closest palette gap
MIN_OBJECT_PIXELS = 30   # at 128x128; a small star covers ~140 pixels
PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "heldout.json")


def document():
    held = scenes.evaluation_scenes(HELDOUT_SEED)
    size = scenes.SIZE
    third = [round(i / 3, 6) for i in range(4)]
    entries = []
    for i, s in enumerate(held):
        entries.append({
            "id": f"heldout-{i:02d}",
            "caption": scenes.canonical_caption(s),
            "background": s["background"],
            "background_rgb": list(scenes.PALETTE[s["background"]]),
            "objects": [{
                "colour": o["colour"], "rgb": list(scenes.PALETTE[o["colour"]]), "shape": o["shape"],
                "region": o["region"], "size": o["size"], "box": list(scenes.region_box(o["region"], size)),
            } for o in s["objects"]],
        })
    return {
        "description": "Held-out evaluation captions for the default model. No training picture contains "
                       "any (colour, shape, region, background) combination listed in 'combinations'.",
        "image_size": size,
        "palette": {k: list(v) for k, v in scenes.PALETTE.items()},
        "regions": {name: list(scenes.region_box(name, size)) for name in scenes.REGION_NAMES},
        "regions_fraction": {name: [third[c], third[r], third[c + 1], third[r + 1]]
                             for name, (r, c) in scenes.REGIONS.items()},
        "rules": {
            "colour_tolerance": COLOUR_TOLERANCE,
            "min_object_pixels": MIN_OBJECT_PIXELS,
            "classify": "a colour matches a palette name when that name is its nearest palette entry "
                        "(Euclidean RGB, 0..255) and the distance is at most colour_tolerance",
            "background": "the per-channel median of the pixels in the inner half (each side shrunk by "
                          "a quarter) of every region no object is placed in must match the background colour",
            "object": "at least min_object_pixels pixels (scaled by area for other sizes) inside the "
                      "object's region box must match the object's colour, and no region where no object "
                      "of that colour is named may hold more pixels of it",
            "picture_passes": "background right and every object present",
        },
        "combinations": sorted([list(k) for k in scenes.heldout_combos(scenes.heldout_scenes(HELDOUT_SEED))]),
        "scenes": entries,
    }


def text():
    """The JSON text, with short lists (colours, boxes, combinations) kept on one line."""
    s = json.dumps(document(), indent=1)
    return re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", s) + "\n"


if __name__ == "__main__":
    with open(PATH, "w") as f:
        f.write(text())
    print(f"wrote {PATH}", file=sys.stderr)
