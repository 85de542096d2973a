#!/usr/bin/env python3
"""Reference values for dev.emergence.engine.image tests, computed the way diffusers computes them.

diffusers prepares images with PIL and torch (src/diffusers/image_processor.py, VaeImageProcessor):
  * resize: PIL Image.resize((w, h), resample=LANCZOS)
  * pil_to_numpy: np.array(img).astype(np.float32) / 255.0; normalize: 2.0 * x - 1.0
  * mask_processor (do_binarize, do_convert_grayscale): resize, convert("L"), / 255, then x < 0.5 -> 0, x >= 0.5 -> 1
  * inpaint pipeline prepare_mask_latents: torch.nn.functional.interpolate(mask, size=latent size) (mode "nearest")
  * postprocess: (x * 0.5 + 0.5).clamp(0, 1), then numpy_to_pil: (x * 255).round().astype("uint8")
AUTOMATIC1111 quotes infotext values with json.dumps(text, ensure_ascii=False) (modules/infotext_utils.py, quote).

This script only calls PIL, numpy, torch and json; run it with the Python that has them:
    python3 make_image_refs.py [output folder]
It writes small PNG and JSON files into the test resources (default: ../../src/test/resources/dev/emergence/engine/image).
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "dev", "emergence", "engine", "image")
LANCZOS = Image.Resampling.LANCZOS


def save_json(name, obj):
    with open(os.path.join(OUT, name), "w", encoding="ascii") as f:
        json.dump(obj, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")


def f32_bits(a):
    return np.asarray(a, dtype=np.float32).view(np.int32).reshape(-1).tolist()


def resize_refs():
    # A picture with gradients, hard edges and noise: the cases where resamplers differ.
    rng = np.random.default_rng(1234)
    h, w = 17, 23
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 / (w - 1))
    g = np.where((x // 4 + y // 4) % 2 == 0, 230, 25)
    b = 128 + 100 * np.sin(x * 0.7 + y * 0.3)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, size=(h, w, 3))
    src = Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")
    src.save(os.path.join(OUT, "resize_src.png"))
    for name, size in (("resize_down_pil.png", (11, 8)), ("resize_up_pil.png", (40, 29)), ("resize_mixed_pil.png", (30, 9))):
        src.resize(size, resample=LANCZOS).save(os.path.join(OUT, name))


def mask_refs():
    # An RGB mask as an artist might paint it: white blob with a soft edge, a grey stroke (repaint),
    # a red patch (dark in luminance: keep).
    h, w = 56, 80
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    blob = np.clip(1.5 - np.hypot((x - 30) / 18, (y - 26) / 14) * 1.5, 0, 1) * 255
    img = np.repeat(blob[..., None], 3, axis=-1)
    img[40:50, 5:75] = (150, 150, 150)
    img[5:15, 55:75] = (255, 0, 0)
    src = Image.fromarray(np.rint(img).astype(np.uint8), "RGB")
    src.save(os.path.join(OUT, "mask_src.png"))
    tw, th = 64, 48
    native_l = np.array(src.convert("L"), dtype=np.int64)
    resized = src.resize((tw, th), resample=LANCZOS).convert("L")
    soft = np.array(resized).astype(np.float32) / 255.0
    binary = soft.copy()
    binary[binary < 0.5] = 0
    binary[binary >= 0.5] = 1
    mask = torch.from_numpy(binary)[None, None]
    lh, lw = th // 8, tw // 8
    latent = torch.nn.functional.interpolate(mask, size=(lh, lw))
    save_json("mask_prepared.json", {
        "source": "mask_src.png",
        "native_l": native_l.reshape(-1).tolist(),
        "width": tw, "height": th,
        "resized_l": np.array(resized, dtype=np.int64).reshape(-1).tolist(),
        "binary": binary.astype(np.int64).reshape(-1).tolist(),
        "latent_height": lh, "latent_width": lw,
        "latent": latent.numpy().astype(np.int64).reshape(-1).tolist(),
    })


def interpolate_refs():
    cases = []
    for (ih, iw), (oh, ow) in (((7, 10), (3, 4)), ((7, 10), (5, 13)), ((64, 64), (8, 8)),
                               ((100, 30), (12, 4)), ((5, 5), (10, 10)), ((13, 9), (13, 9)), ((96, 72), (11, 9)),
                               ((2, 4), (82, 94))):  # the last: float32 index arithmetic differs from exact
        src = torch.arange(ih * iw, dtype=torch.float32).reshape(1, 1, ih, iw)
        nearest = torch.nn.functional.interpolate(src, size=(oh, ow))
        area = torch.nn.functional.interpolate(src, size=(oh, ow), mode="area")
        cases.append({"in": [ih, iw], "out": [oh, ow],
                      "nearest": nearest.numpy().astype(np.int64).reshape(-1).tolist(),
                      "area_bits": f32_bits(area.numpy())})
    save_json("interpolate.json", cases)


def tensor_refs():
    # pil_to_numpy + normalize, for every 8-bit value.
    values = np.arange(256, dtype=np.uint8)
    as_np = values.astype(np.float32) / 255.0
    normalized = 2.0 * torch.from_numpy(as_np) - 1.0
    # postprocess for chosen inputs: exact ties (x·255 = k + 0.5 in float32), out of range, ordinary values.
    ties = []
    for k in range(0, 255):
        v = np.float32((k + 0.5) / 255.0)
        if np.float32(v * np.float32(255.0)) != np.float32(k + 0.5):
            continue
        xval = np.float32((v - np.float32(0.5)) * np.float32(2.0))
        if np.float32(xval * np.float32(0.5) + np.float32(0.5)) == v:
            ties.append(xval)
    rng = np.random.default_rng(99)
    inputs = np.array(ties + [-1.5, -1.0, -0.0, 0.0, 1.0, 1.25, 0.999, -0.999, 1e-8]
                      + rng.uniform(-1.1, 1.1, 200).tolist(), dtype=np.float32)
    t = torch.from_numpy(inputs)
    denorm = (t * 0.5 + 0.5).clamp(0, 1)
    as_uint8 = (denorm.numpy() * 255).round().astype("uint8")
    save_json("tensor_conversion.json", {
        "normalized_bits": f32_bits(normalized.numpy()),
        "postprocess_input_bits": f32_bits(inputs),
        "postprocess_uint8": as_uint8.astype(np.int64).tolist(),
        "tie_count": len(ties),
    })


def quote_refs():
    # AUTOMATIC1111's quote(): json.dumps only when the value has ',', '\n' or ':'.
    samples = ["Euler a", "plain", "a, b", "key: value", "line\nbreak", 'say "hi", ok', "back\\slash, x",
               "tab\tand, more", "caf\u00e9, na\u00efve", "\u732b, \U0001F3A8", "ctl\u0001, x", "del\u007f, x"]
    save_json("a1111_quote.json", [{"value": s, "quoted": json.dumps(s, ensure_ascii=False)
                                    if (',' in s or '\n' in s or ':' in s) else s} for s in samples])


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    resize_refs()
    mask_refs()
    interpolate_refs()
    tensor_refs()
    quote_refs()
