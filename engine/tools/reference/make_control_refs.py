#!/usr/bin/env python3
"""Writes the ControlNet reference runs the engine's ControlNet tests replay.

Every value comes from diffusers' StableDiffusionControlNetPipeline (and, for img2img,
StableDiffusionControlNetImg2ImgPipeline), run unmodified through its __call__ (with one ControlNetModel, or a list of them, which the pipeline wraps in a
MultiControlNetModel), on the torch modules that engine/testmodels/make_control_models.py exported to
engine/testmodels/tiny-sd-control/, tiny-controlnet-a/ and tiny-controlnet-b/ (rebuilt here from the
same seeds by that script's own functions; this script re-exports them and stops unless every ONNX
file is byte-identical to the committed one, so the references belong to the committed folders).

The text encoder and tokenizer stand-ins, the observers and the tensor encoding are those of
make_family_refs.py (beside this script, imported). What is recorded is observed, not recomputed:
instance-level wrappers around each ControlNetModel's forward and the UNet's forward keep their
inputs and outputs (the first call of each in full, and every call's conditioning scale),
callback_on_step_end keeps the latents after each step, and the picture is the pipeline's own
output (output_type="pil").

Usage:
    python3 make_control_refs.py --diffusers-src DIR --diffusers-commit SHA \
        --models engine/testmodels --out engine/src/test/resources/reference/control/controlnet_cases.json

Control pictures (64 x 64 uint8 RGB, x = column, y = row), given at the generation size so that the
pipeline's control image processor (resize to the generation size, /255, no normalisation) leaves
them as they are:
    lines:    255 where x % 16 == 3 or y % 11 == 5 or x == y, else 0 (every channel)
    gradient: make_family_refs.picture(): R = (3x + 2y) % 256, G = (5y + x*x // 16) % 256, B = (128 + 2x - 3y) % 256
"""

import argparse
import copy
import json
import os
import sys

import numpy as np
import PIL.Image
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TESTMODELS = os.path.normpath(os.path.join(HERE, "..", "..", "testmodels"))
sys.path.insert(0, TESTMODELS)
sys.path.insert(0, HERE)
import make_family_models as mfm  # noqa: E402
import make_control_models as mcm  # noqa: E402
import make_family_refs as mfr  # noqa: E402

WIDTH = HEIGHT = mfm.PIXELS
PROMPT = "a red circle on a blue background"
NEGATIVE = "blurry"

CASES = [
    # one ControlNet applied from 10% to 70% of the schedule, with CFG (the control image doubled)
    {"name": "one_control", "controls": [{"model": "tiny-controlnet-a", "image": "lines", "scale": 0.8,
                                          "start": 0.1, "end": 0.7}],
     "steps": 5, "guidance_scale": 5.0, "seed": 21},
    # two ControlNets, their residuals summed (MultiControlNetModel), each with its own range and scale
    {"name": "two_controls", "controls": [{"model": "tiny-controlnet-a", "image": "lines", "scale": 0.9,
                                           "start": 0.0, "end": 0.6},
                                          {"model": "tiny-controlnet-b", "image": "gradient", "scale": 0.6,
                                           "start": 0.3, "end": 1.0}],
     "steps": 4, "guidance_scale": 4.0, "seed": 22},
    # img2img (StableDiffusionControlNetImg2ImgPipeline): the range is over the steps the strength leaves
    {"name": "img2img_one_control", "pipeline": "img2img", "strength": 0.6,
     "controls": [{"model": "tiny-controlnet-b", "image": "lines", "scale": 0.7, "start": 0.0, "end": 0.75}],
     "steps": 5, "guidance_scale": 5.0, "seed": 24},
    # without guidance (CFG 1): one batch item, the control image once
    {"name": "one_control_no_cfg", "controls": [{"model": "tiny-controlnet-b", "image": "gradient", "scale": 1.0,
                                                 "start": 0.0, "end": 1.0}],
     "steps": 3, "guidance_scale": 1.0, "seed": 23},
]


def control_picture(name):
    if name == "gradient":
        return mfr.picture()
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    on = (x % 16 == 3) | (y % 11 == 5) | (x == y)
    return np.repeat((on * 255).astype(np.uint8)[:, :, None], 3, axis=2)


class ControlRecorder:
    def __init__(self):
        self.net_calls = {}   # net index -> list of calls
        self.unet_calls = []
        self.latents = []

    def wrap_net(self, index, net):
        forward = net.forward
        calls = self.net_calls.setdefault(index, [])

        def recording_forward(sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale=1.0, **kwargs):
            down, mid = forward(sample, timestep, encoder_hidden_states, controlnet_cond,
                                conditioning_scale=conditioning_scale, **kwargs)
            call = {"conditioning_scale": float(conditioning_scale), "timestep": float(timestep)}
            if not calls:
                call.update(sample=sample.clone(), encoder_hidden_states=encoder_hidden_states.clone(),
                            controlnet_cond=controlnet_cond.clone(), residuals=[d.clone() for d in down] + [mid.clone()])
            calls.append(call)
            return down, mid

        net.forward = recording_forward

    def wrap_unet(self, unet):
        forward = unet.forward

        def recording_forward(sample, timestep, encoder_hidden_states, *args, **kwargs):
            if not self.unet_calls:
                residuals = list(kwargs["down_block_additional_residuals"]) + [kwargs["mid_block_additional_residual"]]
                self.unet_calls.append({"sample": sample.clone(), "timestep": float(timestep),
                                        "residuals": [r.clone() for r in residuals]})
            else:
                self.unet_calls.append({"timestep": float(timestep)})
            return forward(sample, timestep, encoder_hidden_states, *args, **kwargs)

        unet.forward = recording_forward

    def on_step_end(self, pipe, i, t, kwargs):
        self.latents.append(kwargs["latents"].clone())
        return {}


def run_case(diffusers, classes, models, case, models_dir):
    img2img = case.get("pipeline") == "img2img"
    cls = classes["img2img" if img2img else "txt2img"]
    folder = os.path.join(models_dir, "tiny-sd-control")
    scheduler = diffusers.PNDMScheduler.from_pretrained(folder, subfolder="scheduler")
    nets = [copy.deepcopy(models[c["model"]]) for c in case["controls"]]
    unet = copy.deepcopy(models["unet"])
    rec = ControlRecorder()
    for i, net in enumerate(nets):
        rec.wrap_net(i, net)
    rec.wrap_unet(unet)
    single = len(nets) == 1
    pipe = cls(vae=copy.deepcopy(models["vae"]), text_encoder=models["text_encoder"],
               tokenizer=mfr.ClipTokenizerStandIn(mfm.PAD_TOKEN_1), unet=unet,
               controlnet=nets[0] if single else nets, scheduler=scheduler, safety_checker=None,
               feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    images = [PIL.Image.fromarray(control_picture(c["image"])) for c in case["controls"]]

    def one_or_list(key):
        values = [c[key] for c in case["controls"]]
        return values[0] if single else values

    control_key = "control_image" if img2img else "image"
    args = {"prompt": PROMPT, "negative_prompt": NEGATIVE, control_key: images[0] if single else images,
            "height": HEIGHT, "width": WIDTH, "num_inference_steps": case["steps"],
            "guidance_scale": case["guidance_scale"], "controlnet_conditioning_scale": one_or_list("scale"),
            "control_guidance_start": one_or_list("start"), "control_guidance_end": one_or_list("end"),
            "generator": torch.Generator("cpu").manual_seed(case["seed"]), "output_type": "pil",
            "callback_on_step_end": rec.on_step_end}
    if img2img:
        args.update(image=PIL.Image.fromarray(mfr.picture()), strength=case["strength"])
    result = pipe(**args)

    record = dict(case, prompt=PROMPT, negative_prompt=NEGATIVE, width=WIDTH, height=HEIGHT,
                  scheduler={"source": "tiny-sd-control/scheduler/scheduler_config.json"})
    record["diffusers_call"] = {k: v for k, v in args.items()
                                if k not in ("image", "control_image", "generator", "callback_on_step_end")}
    record["diffusers_call"]["generator"] = f'torch.Generator("cpu").manual_seed({case["seed"]})'
    record["diffusers_call"][control_key] = "PIL RGB images of the control pictures, in order"
    if img2img:
        record["diffusers_call"]["image"] = "PIL RGB image of the gradient picture (the init picture)"
    record["control_pictures_png_base64"] = [mfr.png(im) for im in images]
    record["token_ids"] = {"prompt": pipe.tokenizer(PROMPT, padding="max_length", max_length=77).input_ids[0].tolist(),
                           "negative_prompt": pipe.tokenizer(NEGATIVE, padding="max_length", max_length=77)
                           .input_ids[0].tolist()}
    record["timesteps"] = mfr.exact(pipe.scheduler.timesteps.tolist())
    record["classifier_free_guidance"] = case["guidance_scale"] > 1
    record["controlnets"] = []
    for i in range(len(nets)):
        calls = rec.net_calls[i]
        first = calls[0]
        record["controlnets"].append({
            "conditioning_scales": [c["conditioning_scale"] for c in calls],  # one per loop step, 0 outside the range
            "first_call": {"sample": mfr.tensor(first["sample"]), "timestep": first["timestep"],
                           "encoder_hidden_states": mfr.tensor(first["encoder_hidden_states"]),
                           "controlnet_cond": mfr.tensor(first["controlnet_cond"]),
                           "conditioning_scale": first["conditioning_scale"],
                           "residuals": [mfr.tensor(r) for r in first["residuals"]]}})
    first_unet = rec.unet_calls[0]
    record["unet_calls"] = len(rec.unet_calls)
    record["first_unet_call"] = {"sample": mfr.tensor(first_unet["sample"]), "timestep": first_unet["timestep"],
                                 "residuals": [mfr.tensor(r) for r in first_unet["residuals"]]}
    record["latents_after_step"] = [mfr.tensor(t) for t in rec.latents]
    record["final_latents"] = mfr.tensor(rec.latents[-1])
    record["image_png_base64"] = mfr.png(result.images[0])
    return record


def check_folders(models, models_dir):
    for rel, data in mcm.export_all(models).items():
        path = os.path.join(models_dir, rel)
        with open(path, "rb") as f:
            if f.read() != data:
                raise SystemExit(f"{path} is not the export of the modules make_control_models.py builds; "
                                 "regenerate the folders first")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True)
    parser.add_argument("--diffusers-commit", required=True)
    parser.add_argument("--models", required=True, help="the folder holding tiny-sd-control/ and the ControlNets")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    diffusers = mfm.load_diffusers(args.diffusers_src)
    models = mcm.build_all(diffusers)
    check_folders(models, args.models)
    print("folders: every ONNX file is the export of the modules used here")
    from diffusers.pipelines.controlnet.pipeline_controlnet import StableDiffusionControlNetPipeline
    from diffusers.pipelines.controlnet.pipeline_controlnet_img2img import StableDiffusionControlNetImg2ImgPipeline
    classes = {"txt2img": StableDiffusionControlNetPipeline, "img2img": StableDiffusionControlNetImg2ImgPipeline}

    cases = []
    for case in CASES:
        record = run_case(diffusers, classes, models, case, args.models)
        print(f"{case['name']}: {len(case['controls'])} ControlNet(s), {record['unet_calls']} UNet calls")
        cases.append(record)
    data = {
        "generated_by": "engine/tools/reference/make_control_refs.py (diffusers' StableDiffusionControlNetPipeline run "
                        "on the folders' torch modules; see the script's docstring)",
        "diffusers_version": diffusers.__version__,
        "diffusers_commit": args.diffusers_commit,
        "torch_version": torch.__version__,
        "tensor_encoding": "{shape, f32}: f32 is base64 of little-endian float32 values, row-major",
        "control_pictures": {"lines": "255 where x % 16 == 3 or y % 11 == 5 or x == y, else 0",
                             "gradient": "R = (3x + 2y) % 256, G = (5y + x*x // 16) % 256, B = (128 + 2x - 3y) % 256"},
        "cases": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"{args.out}: {len(cases)} cases, {os.path.getsize(args.out) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
