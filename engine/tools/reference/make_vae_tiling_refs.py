#!/usr/bin/env python3
"""Writes diffusers' tiled VAE decode and encode of tiny-lcm's VAE, which the engine's tiling test replays.

The VAE is diffusers' AutoencoderKL of engine/testmodels/tiny-lcm/ (make_family_models.build_vae with
SD's scaling factor 0.18215, rebuilt here from the same seed; this script re-exports it with that
script's own export functions and stops unless vae_decoder/model.onnx and vae_encoder/model.onnx are
byte-identical to the committed files, so the values belong to the committed bundle). Its config has
sample_size 64 and three blocks (factor 4), so diffusers' tiles are 64 pixels, 16 latents, with
tile_overlap_factor 0.25: latent tiles start every 12 latents, pixel tiles every 48 pixels, and the
blend is 16 pixels (decode) or 4 latents (encode) wide. These are diffusers' own defaults for this
config; nothing is changed but vae.enable_tiling().

Recorded, with diffusers 0.30.3 run unmodified:

    decode   vae.decode(latents / scaling_factor).sample with tiling enabled, which is
             AutoencoderKL.tiled_decode (the latent is larger than tile_latent_min_size), as
             diffusers' pipelines decode the denoiser's latents
    encode   vae.encode(pixels).latent_dist with tiling enabled, which is AutoencoderKL.tiled_encode
             (the picture is larger than tile_sample_min_size): its blended moments (parameters,
             [1, 8, h, w]: mean and log-variance), its mean times the scaling factor, and
             latent_dist.sample(generator) times the scaling factor with
             generator = torch.Generator("cpu").manual_seed(seed), as diffusers' img2img pipelines
             sample and scale it

The sizes are chosen so that the last row and column of tiles are cut short (a 5 x 7 latent tile, an
8 x 24 pixel tile), where diffusers narrows the blend to the smaller tile.

The inputs are closed-form: value[i] = amplitude * sin(frequency * i + phase) over the flat
(row-major) index, computed in float64 and rounded to float32; the parameters are in the file.

Usage:
    python3 make_vae_tiling_refs.py --diffusers-src DIR --models engine/testmodels \
        --out engine/src/test/resources/reference/vae/tiling.json

DIR is the `src` folder of a diffusers 0.30.3 checkout (imported with make_family_models.load_diffusers).
Tensors are stored as {"shape": [...], "f32": base64 of the little-endian float32 values in row-major
order}, so the values are exact.
"""

import argparse
import base64
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TESTMODELS = os.path.normpath(os.path.join(HERE, "..", "..", "testmodels"))
sys.path.insert(0, TESTMODELS)
import make_family_models as mfm  # noqa: E402  (tiny-lcm's VAE, its seed and export, the diffusers loader)

BUNDLE = "tiny-lcm"
LATENT_SHAPE = (1, 4, 29, 19)      # tiles start at rows 0, 12, 24 and columns 0, 12: the last are 5 and 7 latents
PIXEL_SHAPE = (1, 3, 104, 72)      # tiles start at rows 0, 48, 96 and columns 0, 48: the last are 8 and 24 pixels
LATENT_PATTERN = {"amplitude": 1.5 * mfm.SCALING_SD, "frequency": 0.21, "phase": 0.3}
PIXEL_PATTERN = {"amplitude": 0.9, "frequency": 0.05, "phase": 0.0}
SEEDS = [7, 1234]


def pattern(spec, shape):
    n = int(np.prod(shape))
    values = spec["amplitude"] * np.sin(spec["frequency"] * np.arange(n, dtype=np.float64) + spec["phase"])
    return torch.from_numpy(values.astype(np.float32).reshape(shape))


def tensor(t):
    a = np.ascontiguousarray(t.detach().to(torch.float32).numpy()).astype("<f4")
    return {"shape": list(a.shape), "f32": base64.b64encode(a.tobytes()).decode("ascii")}


def check_bundle(vae, models_dir):
    for part, data in (("vae_decoder", mfm.export_vae_decoder(vae)), ("vae_encoder", mfm.export_vae_encoder(vae))):
        path = os.path.join(models_dir, BUNDLE, part, "model.onnx")
        with open(path, "rb") as f:
            if f.read() != data:
                raise SystemExit(f"{path} is not the export of the VAE make_family_models.py builds; regenerate the bundles first")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True)
    parser.add_argument("--models", required=True, help="the folder holding tiny-lcm/")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    diffusers = mfm.load_diffusers(args.diffusers_src)
    vae = mfm.build_vae(diffusers, mfm.SCALING_SD)
    check_bundle(vae, args.models)
    print(f"{BUNDLE}: vae_decoder and vae_encoder are the export of the VAE used here")

    vae.enable_tiling()
    scaling = vae.config.scaling_factor
    latents = pattern(LATENT_PATTERN, LATENT_SHAPE)
    decoded = vae.decode(latents / scaling).sample
    pixels = pattern(PIXEL_PATTERN, PIXEL_SHAPE)
    posterior = vae.encode(pixels).latent_dist
    samples = [{"seed": seed, "sample": tensor(posterior.sample(torch.Generator("cpu").manual_seed(seed)) * scaling)}
               for seed in SEEDS]

    data = {
        "generated_by": "engine/tools/reference/make_vae_tiling_refs.py (diffusers' AutoencoderKL.tiled_decode and "
                        "tiled_encode on tiny-lcm's VAE; see the script's docstring)",
        "diffusers_version": diffusers.__version__,
        "torch_version": torch.__version__,
        "bundle": BUNDLE,
        "tensor_encoding": "{shape, f32}: f32 is base64 of little-endian float32 values, row-major",
        "pattern_formula": "value[i] = amplitude * sin(frequency * i + phase) over the flat index, float64 then float32",
        "tiling": {"tile_sample_min_size": vae.tile_sample_min_size, "tile_latent_min_size": vae.tile_latent_min_size,
                   "tile_overlap_factor": vae.tile_overlap_factor},
        "scaling_factor": scaling,
        "decode": {"latent_shape": list(LATENT_SHAPE), "latent_pattern": LATENT_PATTERN, "sample": tensor(decoded)},
        "encode": {"pixel_shape": list(PIXEL_SHAPE), "pixel_pattern": PIXEL_PATTERN,
                   "parameters": tensor(posterior.parameters), "mean": tensor(posterior.mean * scaling),
                   "samples": samples},
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"{args.out}: decode {list(decoded.shape)}, encode {list(posterior.parameters.shape)}, "
          f"{os.path.getsize(args.out) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
