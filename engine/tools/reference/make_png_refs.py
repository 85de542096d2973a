#!/usr/bin/env python3
"""PNG files with text chunks written by tools other than ours, for PngMetadata tests.

  pil_text.png    written by PIL's PngInfo, as AUTOMATIC1111 saves its pictures (modules/images.py:
                  pnginfo.add_text(k, str(v)); PIL writes tEXt when the text is Latin-1, else iTXt),
                  plus a zTXt (add_text(zip=True)) and a compressed iTXt (add_itxt(zip=True)).
  hand_text.png   every chunk assembled here with struct and zlib, following the PNG specification:
                  a 3x2 grey image, tEXt before IDAT, iTXt with language tag and translated keyword,
                  a compressed iTXt and a zTXt after IDAT (the specification allows text anywhere
                  between IHDR and IEND).
  *.json          the text each file holds, as PIL reads it back (Image.open(f).text).

    python3 make_png_refs.py [output folder]
Default output: ../../src/test/resources/dev/emergence/engine/image
"""
import json
import os
import struct
import sys
import zlib

from PIL import Image, PngImagePlugin

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "dev", "emergence", "engine", "image")

# An infotext in AUTOMATIC1111's format: multi-line prompt, negative prompt, quoted value with commas.
PARAMETERS = ("masterpiece, a cat in a hat\nwatercolour, soft light\n"
              "Negative prompt: blurry, lowres\n"
              "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3141592653, "
              "Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Denoising strength: 0.55, "
              "Lora hashes: \"add_detail: 7c6bad76eb54, film: 0123abcd\", Version: v1.10.1")


def pil_file():
    img = Image.new("RGB", (6, 4), (200, 120, 40))
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", PARAMETERS)
    info.add_text("Title", "caf\u00e9 au lait \u00bd", zip=True)
    info.add_text("Description", "\u732b\u3068\u72ac \u2014 \u00fcn\u00efc\u00f6d\u00e9 \u2713 \U0001F3A8")
    info.add_itxt("Comment", "compressed \u2713 " * 40, zip=True)
    path = os.path.join(OUT, "pil_text.png")
    img.save(path, pnginfo=info)
    return path


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def hand_file():
    width, height = 3, 2
    raw = b"".join(b"\x00" + bytes([40 * (x + 3 * y) for x in range(width)]) for y in range(height))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))  # 8-bit greyscale
    png += chunk(b"tEXt", b"Author\x00Ren\xe9e M\xfcller")  # Latin-1 bytes
    png += chunk(b"IDAT", zlib.compress(raw))
    png += chunk(b"iTXt", b"Title\x00\x00\x00de\x00Titel\x00" + "Stra\u00dfe \u2014 \u6771\u4eac".encode("utf-8"))
    png += chunk(b"iTXt", b"Notes\x00\x01\x00\x00\x00" + zlib.compress("line one\nline two \u2713".encode("utf-8")))
    png += chunk(b"zTXt", b"Software\x00\x00" + zlib.compress("hand-made with zlib \xa9".encode("latin-1")))
    png += chunk(b"IEND", b"")
    path = os.path.join(OUT, "hand_text.png")
    with open(path, "wb") as f:
        f.write(png)
    return path


def dump_text(path):
    with Image.open(path) as im:
        im.load()  # chunks after IDAT are read only when the image data is
        text = dict(im.text)
    name = os.path.splitext(os.path.basename(path))[0] + ".json"
    with open(os.path.join(OUT, name), "w", encoding="ascii") as f:
        json.dump(text, f, ensure_ascii=True, indent=1)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--show":
        # Prints what PIL reads from a PNG (e.g. one written by PngMetadata) and the picture's size.
        with Image.open(sys.argv[2]) as im:
            im.load()
            print(json.dumps({"size": im.size, "mode": im.mode, "text": dict(im.text)}, ensure_ascii=False, indent=1))
        sys.exit(0)
    os.makedirs(OUT, exist_ok=True)
    dump_text(pil_file())
    dump_text(hand_file())
