#!/usr/bin/env python3
"""Checks score.py against pictures whose truth is known: it must pass every held-out scene rendered
exactly as specified, and fail the same scenes with the background colour changed or the objects
moved to the mirrored column. Exits 1 on any disagreement. Runs in a few seconds.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import scenes  # noqa: E402
import score  # noqa: E402

MIRROR = {"left": "right", "right": "left", "top left": "top right", "top right": "top left",
          "bottom left": "bottom right", "bottom right": "bottom left"}


def picture(background, objects, seed):
    spec = {"background": background,
            "objects": [{k: o[k] for k in ("colour", "shape", "region", "size")} for o in objects]}
    return (scenes.render(spec, np.random.default_rng(seed)) * 255).round().astype(np.uint8)


def main():
    with open(os.path.join(HERE, "heldout.json")) as f:
        doc = json.load(f)
    failures = []
    for i, s in enumerate(doc["scenes"]):
        if not score.score_picture(picture(s["background"], s["objects"], i), s, doc)["ok"]:
            failures.append(f"{s['id']}: exact rendering not accepted")
        other = next(c for c in scenes.COLOURS
                     if c != s["background"] and all(c != o["colour"] for o in s["objects"]))
        if score.score_picture(picture(other, s["objects"], i), s, doc)["background_ok"]:
            failures.append(f"{s['id']}: {other} background accepted as {s['background']}")
        moved = [dict(o, region=MIRROR.get(o["region"], o["region"])) for o in s["objects"]]
        if moved != s["objects"] and score.score_picture(picture(s["background"], moved, i), s, doc)["ok"]:
            failures.append(f"{s['id']}: mirrored objects accepted")
    # Noise with every colour in it must not pass as objects (it did under a presence-only rule).
    rng = np.random.default_rng(7)
    noise_ok = [o["ok"] for i, s in enumerate(doc["scenes"])
                for o in score.score_picture(rng.integers(0, 256, (doc["image_size"],) * 2 + (3,), dtype=np.uint8),
                                             s, doc)["objects"]]
    if sum(noise_ok) > 0.2 * len(noise_ok):
        failures.append(f"uniform noise passes {sum(noise_ok)} of {len(noise_ok)} objects")
    for f in failures:
        print(f)
    print(f"{len(doc['scenes'])} scenes checked, {len(failures)} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
