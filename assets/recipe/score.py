"""Scores generated pictures against heldout.json's scene specs with its rules.

Usage: python3 score.py PICTURE_DIR [--heldout heldout.json]
Pictures are PNGs named after the scene id, optionally with a suffix: heldout-07.png, heldout-07-s2.png.
Prints one line per picture and the totals (placement, and shape: the largest blob of each object's
colour against the five silhouettes stretched to its bounding box); exits 0. Import score_picture() to score arrays directly.
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


def largest_component(mask):
    """The largest 4-connected set of True pixels (first found wins a tie), as a boolean array."""
    h, w = mask.shape
    label = np.zeros((h, w), dtype=np.int32)
    best, best_size, n = 0, 0, 0
    for y0 in range(h):
        for x0 in range(w):
            if not mask[y0, x0] or label[y0, x0]:
                continue
            n += 1
            label[y0, x0] = n
            stack, size = [(y0, x0)], 0
            while stack:
                y, x = stack.pop()
                size += 1
                for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if 0 <= yy < h and 0 <= xx < w and mask[yy, xx] and not label[yy, xx]:
                        label[yy, xx] = n
                        stack.append((yy, xx))
            if size > best_size:
                best, best_size = n, size
    return label == best if best else np.zeros_like(mask)


def silhouette(spec, width, height):
    """Boolean [height, width]: pixel centres inside the silhouette stretched over the box."""
    u = (np.arange(width) + 0.5) / width * 2 - 1
    v = (np.arange(height) + 0.5) / height * 2 - 1
    px, py = np.meshgrid(u, v)
    if spec == "disc":
        return px * px + py * py < 1
    verts = np.array(spec, dtype=np.float64)
    inside = np.zeros(px.shape, dtype=bool)
    j = len(verts) - 1
    for i in range(len(verts)):
        (xi, yi), (xj, yj) = verts[i], verts[j]
        crosses = (yi > py) != (yj > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = (xj - xi) * (py - yi) / (yj - yi) + xi
        inside ^= crosses & (px < x_at)
        j = i
    return inside


def shape_of(names, colour, region_fraction, doc, min_pixels):
    """(best-matching shape name or None, {shape: IoU}) for the largest blob of colour near the region."""
    h, w = names.shape
    margin = doc["rules"]["shape_search_margin"]
    x0, y0, x1, y1 = region_fraction
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    bx0, by0, bx1, by1 = _box((max(0.0, x0 - mx), max(0.0, y0 - my), min(1.0, x1 + mx), min(1.0, y1 + my)), w, h)
    blob = largest_component(names[by0:by1, bx0:bx1] == colour)
    if blob.sum() < min_pixels:
        return None, {}
    ys, xs = np.nonzero(blob)
    crop = blob[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    ious = {}
    for name, spec in doc["silhouettes"].items():
        sil = silhouette(spec, crop.shape[1], crop.shape[0])
        ious[name] = float((sil & crop).sum() / (sil | crop).sum())
    return max(ious, key=lambda k: ious[k]), ious


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
        shape, ious = shape_of(names, o["colour"], doc["regions_fraction"][o["region"]], doc, min_pixels)
        result["objects"].append({"colour": o["colour"], "region": o["region"], "pixels": count,
                                  "elsewhere_max": elsewhere, "ok": count >= min_pixels and count >= elsewhere,
                                  "shape": o["shape"], "shape_measured": shape,
                                  "shape_ok": shape == o["shape"],
                                  "iou": {k: round(v, 3) for k, v in ious.items()}})
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
        "shapes_ok": sum(o["shape_ok"] for o in objects) / len(objects),
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
                        f" {o['shape_measured']}{'' if o['shape_ok'] else '!'}"
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
