#!/usr/bin/env python3
"""Writes the reference samples of tiny-sd's VAE encoder that the engine's encoder test replays.

tiny-sd/vae_encoder/model.onnx samples its latent in the graph as diffusers' converter exports it:
latent_sample = mean + std * RandomNormalLike(mean), with noise no seed reaches. The engine reads
the mean and std instead and draws the noise from the generation's generator; this script records
what diffusers computes for the same picture and seed, so the test can check the engine's latents
against diffusers' own DiagonalGaussianDistribution.sample(generator):

    parameters  the graph's moments (the [1, 8, h, w] value its mean and log-variance are sliced
                from), computed here in float64 torch from the ONNX file's own weights, node by node
                (Conv, Sigmoid, Mul: the encoder up to the moments), then rounded to float32 as a
                float32 model would hold them
    sample      diffusers 0.30.3's DiagonalGaussianDistribution(parameters).sample(generator) with
                generator = torch.Generator("cpu").manual_seed(seed), run unmodified (it clamps the
                log-variance to [-30, 20], std = exp(logvar / 2), and adds std * randn_tensor(mean's
                shape, generator) to the mean, in float32); recorded times the scaling factor, as
                diffusers' img2img pipeline scales it and as the engine returns it
    mean, std   that distribution's mean times the scaling factor, and its std (unscaled)
    noise       torch.randn(mean's shape, generator=torch.Generator("cpu").manual_seed(seed))

The picture is reference.json's pixel pattern (make_test_models.pattern with PIXEL_PATTERN, [1, 3, 64,
64]): value[i] = 0.9 * sin(0.05 * i) over the flat index, as float32.

diffusers is imported from --diffusers-src with make_family_models.load_diffusers (stand-ins for
huggingface_hub, safetensors and transformers, which only satisfy imports).

Usage:
    python3 make_encoder_sample_refs.py --diffusers-src DIR --models engine/testmodels \
        --out engine/src/test/resources/reference/encoder/tiny_sd_encoder_samples.json

Tensors are stored as {"shape": [...], "f32": base64 of the little-endian float32 values in
row-major order}, so the values are exact.
"""

import argparse
import base64
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
TESTMODELS = os.path.normpath(os.path.join(HERE, "..", "..", "testmodels"))
sys.path.insert(0, TESTMODELS)
import make_family_models as mfm  # noqa: E402  (the diffusers loader)
import make_test_models as mtm  # noqa: E402  (the pixel pattern and scaling factor the fixtures use)

BUNDLE = "tiny-sd"
SEEDS = [7, 8, 1234]


def tensor(t):
    a = np.ascontiguousarray(t.detach().to(torch.float32).numpy()).astype("<f4")
    return {"shape": list(a.shape), "f32": base64.b64encode(a.tobytes()).decode("ascii")}


def moments(model, pixels):
    """The graph evaluated in float64 from its input to the value the sampling's mean is sliced from."""
    graph = model.graph
    values = {t.name: torch.from_numpy(numpy_helper.to_array(t).astype(np.float64)) for t in graph.initializer}
    values[graph.input[0].name] = pixels
    producers = {o: n for n in graph.node for o in n.output}
    add = producers["latent_sample"]
    mean_node = next(producers[i] for i in add.input if producers[i].op_type == "Slice")
    target = mean_node.input[0]
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        x = [values[i] for i in node.input]
        if node.op_type == "Conv":
            pads = attrs.get("pads", [0, 0, 0, 0])
            if pads[:2] != pads[2:]:
                sys.exit(f"{node.name}: asymmetric pads {pads}")
            out = torch.nn.functional.conv2d(x[0], x[1], x[2] if len(x) > 2 else None, stride=attrs.get("strides", [1, 1]),
                                             padding=pads[:2], dilation=attrs.get("dilations", [1, 1]),
                                             groups=attrs.get("group", 1))
        elif node.op_type == "Sigmoid":
            out = torch.sigmoid(x[0])
        elif node.op_type == "Mul":
            out = x[0] * x[1]
        else:
            sys.exit(f"{node.op_type} before the moments: this script evaluates only Conv, Sigmoid and Mul")
        values[node.output[0]] = out
        if node.output[0] == target:
            return out
    sys.exit(f"the graph never computes {target}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True)
    parser.add_argument("--models", required=True, help="the folder holding tiny-sd/")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    mfm.load_diffusers(args.diffusers_src)
    from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution

    model = onnx.load(os.path.join(args.models, BUNDLE, "vae_encoder", "model.onnx"))
    shape = [1, 3, 64, 64]
    pixels = mtm.pattern(mtm.PIXEL_PATTERN, shape)
    parameters = moments(model, pixels).to(torch.float32)
    scaling = mtm.SCALING_FACTOR
    cases = []
    for seed in SEEDS:
        dist = DiagonalGaussianDistribution(parameters)
        sample = dist.sample(generator=torch.Generator("cpu").manual_seed(seed))
        noise = torch.randn(dist.mean.shape, generator=torch.Generator("cpu").manual_seed(seed))
        if not torch.equal(sample, dist.mean + dist.std * noise):
            sys.exit("DiagonalGaussianDistribution.sample is not mean + std * torch.randn(mean.shape, generator)")
        cases.append({"seed": seed, "scaled_sample": tensor(sample * scaling), "noise": tensor(noise)})
    dist = DiagonalGaussianDistribution(parameters)
    data = {
        "about": "tiny-sd/vae_encoder/model.onnx on the pixel pattern: diffusers 0.30.3's "
                 "DiagonalGaussianDistribution(moments).sample(torch.Generator('cpu').manual_seed(seed)) "
                 "times the scaling factor; written by engine/tools/reference/make_encoder_sample_refs.py",
        "torch": torch.__version__,
        "bundle": BUNDLE,
        "pixels": {"pattern": mtm.PIXEL_PATTERN, "shape": shape},
        "scaling_factor": scaling,
        "scaled_mean": tensor(dist.mean * scaling),
        "std": tensor(dist.std),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
