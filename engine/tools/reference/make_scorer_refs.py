#!/usr/bin/env python3
"""Reference pictures and scores for the Java scene scorer (engine eval.SceneScorer).

Renders a few held-out scenes with the recipe's own scene renderer: exactly as specified, with the
background recoloured, and with the objects mirrored, plus uniform noise (every colour everywhere);
scores each with the recipe's score.py; writes
the PNGs and score.py's verdicts into the engine's test resources.

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
        for kind, bg, objs in (("exact", s["background"], s["objects"]), ("recoloured", other, s["objects"]),
                               ("mirrored", s["background"], moved), ("noise", None, None)):
            pic = check_scorer.picture(bg, objs, i) if bg else \
                np.random.default_rng(i).integers(0, 256, (doc["image_size"],) * 2 + (3,), dtype=np.uint8)
            name = f"{s['id']}-{kind}.png"
            Image.fromarray(pic).save(os.path.join(OUT, name), optimize=True)
            r = score.score_picture(pic, s, doc)
            cases.append({"file": name, "scene": s["id"], "background_classified": r["background_classified"],
                          "background_ok": bool(r["background_ok"]), "background_rgb": r["background_measured_rgb"],
                          "objects": [{"pixels": o["pixels"], "elsewhere_max": o["elsewhere_max"], "ok": bool(o["ok"])}
                                      for o in r["objects"]],
                          "ok": bool(r["ok"])})
    with open(os.path.join(OUT, "scores.json"), "w") as f:
        json.dump({"source": "assets/recipe/score.py on renderings by assets/recipe/scenes.py", "cases": cases}, f, indent=1)
    print(f"{len(cases)} cases written to {OUT}")


if __name__ == "__main__":
    main()
