#!/usr/bin/env python3
"""Reference pictures and scores for the Java scene scorer (engine eval.SceneScorer).

Renders a few held-out scenes with the recipe's own scene renderer: exactly as specified, with the
background recoloured, with the objects mirrored, with another shape drawn, as random blobs (all at
128x128, and exactly and as blobs at 192x128 and 128x192), plus uniform noise (every colour everywhere);
scores each with the recipe's score.py; writes the PNGs and score.py's verdicts (shapes and IoUs
included) into the engine's test resources.

Usage: python3 engine/tools/reference/make_scorer_refs.py   (from the repository root)
"""
import json
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "assets", "recipe"))
import check_scorer  # noqa: E402
import scenes  # noqa: E402
import score  # noqa: E402

OUT = os.path.join(ROOT, "engine", "src", "test", "resources", "reference", "eval")


def main():
    with open(os.path.join(ROOT, "assets", "recipe", "heldout.json")) as f:
        doc = json.load(f)
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for i, s in enumerate(doc["scenes"][:40:5]):
        other = next(c for c in scenes.COLOURS if c != s["background"] and all(c != o["colour"] for o in s["objects"]))
        moved = [dict(o, region=check_scorer.MIRROR.get(o["region"], o["region"])) for o in s["objects"]]
        other_shape = [dict(o, shape=scenes.SHAPES[(scenes.SHAPES.index(o["shape"]) + 1) % 5]) for o in s["objects"]]
        kinds = [("exact", s["background"], s["objects"], 128, 128), ("recoloured", other, s["objects"], 128, 128),
                 ("mirrored", s["background"], moved, 128, 128), ("noise", None, None, 128, 128),
                 ("othershape", s["background"], other_shape, 128, 128), ("blob", "blob", s["objects"], 128, 128),
                 ("exact-192x128", s["background"], s["objects"], 192, 128),
                 ("blob-128x192", "blob", s["objects"], 128, 192)]
        for kind, bg, objs, width, height in kinds:
            if bg is None:
                pic = np.random.default_rng(i).integers(0, 256, (doc["image_size"],) * 2 + (3,), dtype=np.uint8)
            elif bg == "blob":
                pic = check_scorer.blob_picture(s["background"], objs, i, width, height)
            else:
                pic = check_scorer.picture(bg, objs, i, width, height)
            name = f"{s['id']}-{kind}.png"
            Image.fromarray(pic).save(os.path.join(OUT, name), optimize=True)
            r = score.score_picture(pic, s, doc)
            cases.append({"file": name, "scene": s["id"], "background_classified": r["background_classified"],
                          "background_ok": bool(r["background_ok"]), "background_rgb": r["background_measured_rgb"],
                          "objects": [{"pixels": o["pixels"], "elsewhere_max": o["elsewhere_max"], "ok": bool(o["ok"]),
                                       "shape_measured": o["shape_measured"], "shape_ok": bool(o["shape_ok"]),
                                       "iou": o["iou"]}
                                      for o in r["objects"]],
                          "ok": bool(r["ok"])})
    with open(os.path.join(OUT, "scores.json"), "w") as f:
        json.dump({"source": "assets/recipe/score.py on renderings by assets/recipe/scenes.py", "cases": cases}, f, indent=1)
    print(f"{len(cases)} cases written to {OUT}")


if __name__ == "__main__":
    main()
