"""Reference pictures for the studio's Lanczos upscale (the hires fix's first step).

Writes a small deterministic RGB picture and Pillow's Image.LANCZOS resize of it to 2x and to an
odd size, into app/src/test/resources/reference/. Pillow is the reference AUTOMATIC1111's
"Lanczos" upscaler uses. Run with Debian's python3 (python3-pil):

    /usr/bin/python3 app/tools/make_lanczos_reference.py
"""
import math
import os

from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "reference")


def source():
    w, h = 24, 18
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            # Smooth ramps, a hard edge and a one-pixel line: what ringing and blur show on.
            r = int(255 * x / (w - 1))
            g = 230 if (x - 12) ** 2 + (y - 9) ** 2 < 25 else 40
            b = 255 if x == 5 else int(128 + 100 * math.sin(y / 2.0))
            px[x, y] = (r, g, b)
    return img


def main():
    os.makedirs(OUT, exist_ok=True)
    src = source()
    src.save(os.path.join(OUT, "lanczos-source.png"))
    src.resize((48, 36), Image.LANCZOS).save(os.path.join(OUT, "lanczos-2x.png"))
    src.resize((37, 29), Image.LANCZOS).save(os.path.join(OUT, "lanczos-37x29.png"))


if __name__ == "__main__":
    main()
