#!/usr/bin/env python3
"""Writes the Canny edge references the engine's CannyTest compares against: OpenCV's cv2.Canny.

For each input picture (RGB, uint8, written as PNG beside the results) and each setting, the edges
cv2.Canny(rgb, low, high, apertureSize=3, L2gradient=l2) finds, as a 0/255 grey PNG. The picture is
passed as RGB with three channels, as AUTOMATIC1111's ControlNet extension passes it (its canny
preprocessor calls cv2.Canny on the HWC RGB array): OpenCV then takes, per pixel, the channel with
the largest gradient magnitude.

Pictures (x = column, y = row):
    shapes.png   160 x 120: a dark-blue background, a filled orange circle (centre (50, 60), radius 30),
                 a light-green rectangle [90, 150) x [20, 70), a grey triangle, plus seeded uniform noise
                 in [-12, 12] (numpy default_rng(7)) so that edges are not all axis-aligned and ties are rare
    gradient.png  64 x 64: R = (3x + 2y) % 256, G = (5y + x*x // 16) % 256, B = (128 + 2x - 3y) % 256
                 (make_family_refs.picture: wrap-around steps give edges in every direction)
    photo.png    96 x 80: a smooth radial pattern with seeded noise (default_rng(11), sigma 20):
                 many weak gradients, where hysteresis decides

Usage:
    python3 make_canny_refs.py --out engine/src/test/resources/reference/canny
It needs numpy and OpenCV's Python bindings (Debian's python3-opencv); its version is recorded.
"""

import argparse
import json
import os

import cv2
import numpy as np

SETTINGS = [(100, 200, False), (50, 150, False), (20, 60, True), (100, 200, True), (200, 100, False)]


def shapes():
    h, w = 120, 160
    img = np.zeros((h, w, 3), dtype=np.int32)
    img[:] = (20, 30, 90)
    y, x = np.mgrid[0:h, 0:w]
    img[(x - 50) ** 2 + (y - 60) ** 2 <= 30 ** 2] = (240, 140, 30)
    img[(x >= 90) & (x < 150) & (y >= 20) & (y < 70)] = (150, 230, 140)
    tri = (y >= 80) & (y < 115) & (x >= 100 + (115 - y) // 2) & (x < 150 - (115 - y) // 2)
    img[tri] = (128, 128, 128)
    img += np.random.default_rng(7).integers(-12, 13, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def gradient():
    y, x = np.mgrid[0:64, 0:64]
    rgb = np.stack([(3 * x + 2 * y) % 256, (5 * y + x * x // 16) % 256, (128 + 2 * x - 3 * y) % 256], axis=-1)
    return rgb.astype(np.uint8)


def photo():
    h, w = 80, 96
    y, x = np.mgrid[0:h, 0:w]
    r = np.sqrt((x - 40.0) ** 2 + (y - 35.0) ** 2)
    base = np.stack([128 + 90 * np.sin(r / 6), 128 + 70 * np.cos(x / 9.0), 100 + 60 * np.sin((x + y) / 11.0)], axis=-1)
    base += np.random.default_rng(11).normal(0, 20, size=base.shape)
    return np.clip(np.rint(base), 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases = []
    for name, rgb in (("shapes", shapes()), ("gradient", gradient()), ("photo", photo())):
        cv2.imwrite(os.path.join(args.out, name + ".png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        for low, high, l2 in SETTINGS:
            edges = cv2.Canny(rgb, low, high, apertureSize=3, L2gradient=l2)
            out = f"{name}_canny_{low}_{high}_{'l2' if l2 else 'l1'}.png"
            cv2.imwrite(os.path.join(args.out, out), edges)
            cases.append({"picture": name + ".png", "low": low, "high": high, "l2_gradient": l2, "edges": out,
                          "edge_pixels": int((edges > 0).sum())})
    with open(os.path.join(args.out, "canny_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"generated_by": "engine/tools/reference/make_canny_refs.py", "opencv_version": cv2.__version__,
                   "call": "cv2.Canny(rgb_uint8_hwc, low, high, apertureSize=3, L2gradient=l2)", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
