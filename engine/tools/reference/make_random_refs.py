#!/usr/bin/env python3
"""Writes the torch reference values that TorchGeneratorTest compares against.

Run from the repository root with a Python that has torch and numpy:

    python3 engine/tools/reference/make_random_refs.py

Output: engine/src/test/resources/reference/random/torch_cpu_generator.json

Every value comes from torch itself: torch.Generator("cpu").manual_seed(seed) followed by
torch.randn / torch.rand calls on that generator, exactly as diffusers draws its latents and
ancestral noise. Float32 values are written in their shortest round-trip decimal form, so a
reader that parses them as float32 gets the exact bits back. Large tensors are stored as a
summary: sha256 of the little-endian float32 bytes, exactly rounded sum and sum of squares
(math.fsum), the first and last 32 values and every 997th value.

torch's vectorised randn (16 or more float32 elements) depends on the CPU kernel torch picked;
the file records it. x86-64 builds use the AVX2 kernel, which is what the Java generator
reproduces; ATEN_CPU_CAPABILITY=default gives different last bits.
"""
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

OUT = os.path.join("engine", "src", "test", "resources", "reference", "random", "torch_cpu_generator.json")

SEEDS = [0, 1, 42, 1234, 2**32 - 1, 2**32, 0xDEADBEEFCAFEBABE, 2**64 - 1]
SMALL_SHAPES = [[1], [7], [15], [16], [17], [33], [1, 4, 8, 8]]
LARGE_SHAPES = [[1, 4, 64, 64]]
LARGE_EXTRA = {42: [[1, 4, 128, 128]], 1234: [[2, 4, 96, 96]]}
STRIDE = 997
EDGE = 32

_floats = []  # float32 arrays spliced into the JSON text as raw numbers


def floats(array):
    """A placeholder for a float32 list, written in shortest float32 decimal form."""
    _floats.append(np.asarray(array, dtype=np.float32).ravel())
    return "@@FLOATS%d@@" % (len(_floats) - 1)


_raw = []  # small lists kept on one line


def inline(value):
    _raw.append(json.dumps(value))
    return "@@RAW%d@@" % (len(_raw) - 1)


def f32_text(v):
    text = str(np.float32(v))  # shortest decimal that round-trips to this float32
    assert np.float32(text) == v or (np.isnan(v) and np.isnan(np.float32(text)))
    return text


def summary(t):
    a = t.numpy().astype("<f4").ravel()
    as_double = a.astype(np.float64)
    return {
        "count": int(a.size),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
        "sum": math.fsum(as_double),
        "sumOfSquares": math.fsum(as_double * as_double),  # float32 squares are exact in float64
        "head": floats(a[:EDGE]),
        "tail": floats(a[-EDGE:]),
        "stride": STRIDE,
        "strided": floats(a[::STRIDE]),
    }


def result(t):
    if t.numel() <= 256:
        return {"values": floats(t.numpy())}
    return {"summary": summary(t)}


def gen(seed):
    return torch.Generator("cpu").manual_seed(seed)


def draw(g, op, shape, dtype=torch.float32):
    if op == "randn":
        return torch.randn(shape, generator=g, dtype=dtype)
    if op == "rand":
        return torch.rand(shape, generator=g, dtype=dtype)
    raise ValueError(op)


def main():
    capability = torch.__config__.show().split("CPU capability usage:")[1].splitlines()[0].strip()
    doc = {
        "source": "torch %s, CPU generator, CPU capability %s, numpy %s" % (torch.__version__, capability, np.__version__),
        "script": "engine/tools/reference/make_random_refs.py",
        "seeds": [],
        "sequences": [],
        "uniforms": [],
    }

    # One fresh generator per (seed, shape): torch.randn(shape) right after manual_seed(seed).
    for seed in SEEDS:
        g = gen(seed)
        entry = {"seed": str(seed), "initialSeed": str(g.initial_seed()), "randn": []}
        for shape in SMALL_SHAPES + LARGE_SHAPES + LARGE_EXTRA.get(seed, []):
            t = draw(gen(seed), "randn", shape)
            entry["randn"].append(dict({"shape": inline(shape)}, **result(t)))
        doc["seeds"].append(entry)

    # Consecutive draws on one generator: initial latents, then per-step noise (ancestral
    # schedulers), and small draws that exercise the cached second Box-Muller sample.
    sequences = [
        (42, [("randn", [1, 4, 64, 64]), ("randn", [1, 4, 64, 64]), ("randn", [5])]),
        (1234, [("randn", [3]), ("randn", [1]), ("randn", [16]), ("randn", [2]), ("randn", [1]), ("randn", [17])]),
        (7, [("rand", [5]), ("randn", [1]), ("randn", [20]), ("randn", [1]), ("rand", [3])]),
        (2**32 - 1, [("randn", [1, 4, 8, 8])] * 3 + [("randn", [15])]),
    ]
    for seed, calls in sequences:
        g = gen(seed)
        out = []
        for op, shape in calls:
            out.append(dict({"op": op, "shape": inline(shape)}, **result(draw(g, op, shape))))
        doc["sequences"].append({"seed": str(seed), "calls": out})

    # Uniforms: float32 (24 bits, one 32-bit draw each) and float64 (53 bits, two draws each).
    for seed in [0, 42]:
        doc["uniforms"].append({
            "seed": str(seed),
            "float32": floats(draw(gen(seed), "rand", [40]).numpy()),
            # float64 written as exact doubles via repr
            "float64": inline([float(v) for v in draw(gen(seed), "rand", [40], torch.float64).numpy()]),
        })

    text = json.dumps(doc, indent=1)
    for i, a in enumerate(_floats):
        text = text.replace('"@@FLOATS%d@@"' % i, "[" + ",".join(f32_text(v) for v in a) + "]")
    for i, r in enumerate(_raw):
        text = text.replace('"@@RAW%d@@"' % i, r)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text + "\n")
    print("wrote %s (%d bytes)" % (OUT, len(text) + 1), file=sys.stderr)


if __name__ == "__main__":
    main()
