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
SHAPE_SEARCH_MARGIN = 0.25  # of a cell, each side: large stars and hearts reach past their cell
PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "heldout.json")


def silhouettes():
    """The five shapes as drawn by scenes.py, each scaled to fill the box [-1, 1] x [-1, 1] (y down);
    the circle is the unit disc."""
    out = {"circle": "disc"}
    for name in scenes.SHAPES[1:]:
        v = scenes._OUTLINES[name]
        lo, hi = v.min(0), v.max(0)
        unit = (v - (lo + hi) / 2) / ((hi - lo) / 2)
        out[name] = [[round(float(x), 6), round(float(y), 6)] for x, y in unit]
    return out


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
            "shape_search_margin": SHAPE_SEARCH_MARGIN,
            "shape": "inside the object's region box widened by shape_search_margin of the box's width and "
                     "height on each side (clipped to the picture), take the largest 4-connected set of "
                     "pixels of the object's colour; when it has at least min_object_pixels pixels (scaled "
                     "as above), stretch every silhouette to its bounding box (a pixel is inside when its "
                     "centre is: even-odd rule for polygons, x^2 + y^2 < 1 for the disc, both in the "
                     "silhouette's [-1, 1] box) and compute the intersection over union with the set; the "
                     "shape is right when the named shape's silhouette has the highest IoU (ties go to the "
                     "first in 'silhouettes' order)",
        },
        "silhouettes": silhouettes(),
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
