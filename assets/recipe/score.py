"""Scores generated pictures against heldout.json's scene specs with its rules.

Usage: python3 score.py PICTURE_DIR [--heldout heldout.json]
Pictures are PNGs named after the scene id, optionally with a suffix: heldout-07.png, heldout-07-s2.png.
Prints one line per picture and the totals; exits 0. Import score_picture() to score arrays directly.
"""
import argparse
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def classify(pixels, palette, tolerance):
    """Palette name per pixel (array [..., 3] in 0..255), or '' where the nearest entry is too far."""
    names = list(palette)
    ref = np.array([palette[n] for n in names], dtype=np.float64)
    d = np.linalg.norm(pixels[..., None, :].astype(np.float64) - ref, axis=-1)
    nearest = d.argmin(-1)
    out = np.array(names, dtype=object)[nearest]
    out[d.min(-1) > tolerance] = ""
    return out


def _box(fraction, width, height):
    x0, y0, x1, y1 = fraction
    return round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height)


def score_picture(picture, scene, doc):
    """picture: uint8 [H, W, 3]. Returns a dict with the measured background, per-object pixel counts, pass flags."""
    rules, palette = doc["rules"], doc["palette"]
    tol = rules["colour_tolerance"]
    h, w, _ = picture.shape
    occupied = {o["region"] for o in scene["objects"]}
    samples = []
    for name, frac in doc["regions_fraction"].items():
        if name in occupied:
            continue
        x0, y0, x1, y1 = _box(frac, w, h)
        dx, dy = (x1 - x0) // 4, (y1 - y0) // 4
        samples.append(picture[y0 + dy:y1 - dy, x0 + dx:x1 - dx].reshape(-1, 3))
    median = np.median(np.concatenate(samples), axis=0)
    measured = classify(median[None], palette, tol)[0]
    result = {
        "id": scene["id"],
        "background_measured_rgb": [round(float(v), 1) for v in median],
        "background_classified": measured or None,
        "background_ok": measured == scene["background"],
        "objects": [],
    }
    min_pixels = rules["min_object_pixels"] * (h * w) / (doc["image_size"] ** 2)
    names = classify(picture, palette, tol)

    def pixels_of(colour, region):
        x0, y0, x1, y1 = _box(doc["regions_fraction"][region], w, h)
        return int((names[y0:y1, x0:x1] == colour).sum())

    for o in scene["objects"]:
        count = pixels_of(o["colour"], o["region"])
        # Regions where no object of this colour was asked for: none may hold more of it (a picture
        # speckled with every colour, or an object drawn elsewhere, does not pass).
        named = {p["region"] for p in scene["objects"] if p["colour"] == o["colour"]}
        elsewhere = max((pixels_of(o["colour"], r) for r in doc["regions_fraction"] if r not in named), default=0)
        result["objects"].append({"colour": o["colour"], "region": o["region"], "pixels": count,
                                  "elsewhere_max": elsewhere, "ok": count >= min_pixels and count >= elsewhere})
    result["ok"] = result["background_ok"] and all(o["ok"] for o in result["objects"])
    return result


def score_folder(folder, doc):
    from PIL import Image
    by_id = {s["id"]: s for s in doc["scenes"]}
    results = []
    for name in sorted(os.listdir(folder)):
        m = re.match(r"(heldout-\d+)(-.*)?\.png$", name)
        if not m or m.group(1) not in by_id:
            continue
        picture = np.asarray(Image.open(os.path.join(folder, name)).convert("RGB"))
        r = score_picture(picture, by_id[m.group(1)], doc)
        r["file"] = name
        results.append(r)
    return results


def summary(results):
    n = len(results)
    if n == 0:
        return {"pictures": 0}
    objects = [o for r in results for o in r["objects"]]
    return {
        "pictures": n,
        "background_ok": sum(r["background_ok"] for r in results) / n,
        "objects_ok": sum(o["ok"] for o in objects) / len(objects),
        "pictures_ok": sum(r["ok"] for r in results) / n,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder")
    p.add_argument("--heldout", default=os.path.join(HERE, "heldout.json"))
    p.add_argument("--json", help="also write the per-picture results here")
    a = p.parse_args(argv)
    with open(a.heldout) as f:
        doc = json.load(f)
    results = score_folder(a.folder, doc)
    for r in results:
        objs = " ".join(f"{o['colour']}@{o['region'].replace(' ', '-')}:{o['pixels']}{'' if o['ok'] else '!'}"
                        for o in r["objects"])
        print(f"{r['file']}: {'PASS' if r['ok'] else 'fail'} background {r['background_classified']}"
              f"{'' if r['background_ok'] else '!'} {r['background_measured_rgb']} objects {objs}")
    s = summary(results)
    print(json.dumps(s))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": s, "results": results}, f, indent=1)
    return s


if __name__ == "__main__":
    main(sys.argv[1:])
