#!/usr/bin/env python3
"""Writes the end-to-end pipeline reference values the engine's pipeline test replays.

The denoising loops of diffusers' StableDiffusionPipeline, StableDiffusionImg2ImgPipeline and
StableDiffusionInpaintPipeline are re-stated here (read from their sources in the diffusers
checkout: prepare_latents, get_timesteps, classifier-free guidance, the 9-channel UNet input
[latents, mask, masked_image_latents] and, for 4-channel UNets, the re-noised original blended in at
the NEXT timestep's noise level), driven by diffusers' own scheduler classes and by small
closed-form fake models. The engine's test implements the same fake models in Java and must reach
the same latents, so what is compared is the loop around the models, not the models.

Every case is then run a second time through diffusers' own pipeline classes (their __call__, with
the fakes standing in for the CLIP text model, the UNet and the VAE; load_pipelines gives the
imports those runs never call small stand-ins), and the script stops unless both agree: final
latents and the latents after each recorded step within 1e-5, decoded pictures within one level.
So the recorded values are diffusers' pipelines' values, and the re-stated loop supplies what the
pipelines do not expose (x0 per step, the first UNet input).

Usage:
    python3 make_pipeline_refs.py --diffusers-src DIR [--diffusers-commit SHA] --out FILE

DIR is the `src` folder of a diffusers checkout. The scheduler classes are loaded as
make_scheduler_refs.py (beside this script) loads them, without the diffusers package __init__.

Fake models (D = 8; every formula computed in float64, the result rounded to float32):
    text encoder   ids [B, 77] -> h [B, 77, D]
                   h[b, p, c] = sin(0.0113 * id * (c + 1) + 0.29 * p + 0.7 * c)
                                + 0.25 * cos(0.0007 * id * (p + 1) - 0.4 * c)
    UNet           sample [B, C, h, w] (C = 4, or 9 = latents, mask, masked-image latents), t, h
                   m[b, k] = mean over the 77 positions of h[b, :, k]
                   for latent channel c in 0..3, at (y, x), s = sample[b, c], s1 = sample[b, (c+1) % 4]:
                   eps = 0.75 * s + 0.2 * tanh(s) + 0.1 * tanh(s1)
                         + (0.05 + 0.3 * t / 1000) * (m[b, c] - m[b, c + 4])
                         + 0.1 * m[b, (c + 2) % 8] * cos(0.9 * x + 0.6 * y + c)
                   and for C = 9, with mask = sample[b, 4], z = sample[b, 5 + c]:
                   eps += 0.1 * mask * tanh(z) - 0.05 * (1 - mask) * z
                   (mostly proportional to the sample, as a trained UNet's noise estimate is near
                   pure noise, so the latents stay of order 1 and the decoded picture does not saturate)
    VAE encoder    pixels [1, 3, H, W] in [-1, 1] -> latents [1, 4, H/8, W/8], already in the scaled
                   latent space: a = 8x8 average pooling of the three channels,
                   z0 = 0.8 a0 + 0.3 a1, z1 = 0.7 a1 - 0.2 a2, z2 = 0.9 a2 + 0.1 a0, z3 = 0.5 tanh(a0 + a1 + a2)
                   Deterministic, unlike diffusers' VAE, which samples its latent distribution with
                   the pipeline's generator before the loop's noise: the fake encoder draws nothing,
                   so these references draw only the noise the loop itself draws. (The engine's ONNX
                   encoders draw their sample from the generator first, as diffusers does; that
                   order is checked by the family reference tests, not here.)
    VAE decoder    latents [1, 4, h, w] (scaled latent space) -> pixels [1, 3, 8h, 8w]:
                   nearest 8x upsampling, u = (x % 8 - 3.5) / 3.5, v = (y % 8 - 3.5) / 3.5,
                   r = tanh(1.1 z0 - 0.2 z3 + 0.05 u), g = tanh(1.2 z1 + 0.1 z3 + 0.05 v),
                   b = tanh(0.9 z2 + 0.1 z0 - 0.05 u)
Pictures (uint8 RGB, W x H): R = (3x + 2y) % 256, G = (5y + x*x // 16) % 256, B = (128 + 2x - 3y) % 256.
Masks: white (repaint) inside the rectangle [x0, x1) x [y0, y1), black outside.

Token ids are CLIP's real vocabulary ids (SD 1.5's tokenizer: BOS 49406, EOS 49407, padded with
EOS to 77); the test tokenizes the prompts with the engine's CLIP tokenizer and checks it sends
these ids to the text encoder.

The generator is torch.Generator("cpu").manual_seed(seed), used as diffusers uses it: randn for
the initial latents (text-to-image) or for the noise added to the encoded image, then passed to
scheduler.step (ancestral schedulers draw from it).

Recorded per case: the ids, the timesteps the loop visits and the index of the first, the latent
mask (and, for 9-channel UNets, the masked-image latents), the first UNet input (batch item 0, all
channels), latents and x0 after the first and the last step, the final latents, the decoded pixels
at a few positions before quantisation and the final picture as diffusers' postprocess makes it
(clamp((x / 2 + 0.5), 0, 1) * 255, rounded half to even), as a base64 PNG (lossless). For
inpainting the picture is the engine's final composite: the original outside the mask, the decoded
picture inside (the test requests feather 0, a hard paste); diffusers returns the decoded picture
alone. x0 of a blending (4-channel) inpaint step is the engine's preview convention: the clean
original outside the mask, keep * image_latents + (1 - keep) * x0; diffusers has no such value.
"""

import argparse
import base64
import contextlib
import inspect
import io
import json
import os
import sys
import types

import numpy as np
import PIL.Image
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_scheduler_refs as msr  # noqa: E402  (the scheduler loader this script reuses)

D = 8
TOKENS = 77
BOS, EOS = 49406, 49407
VAE_FACTOR = 8

# CLIP ids of the prompts the cases use (SD 1.5's tokenizer; the engine's tokenizer tests check
# "a photo of a cat" against OpenAI's simple_tokenizer).
PROMPT_IDS = {
    "a photo of a cat": [320, 1125, 539, 320, 2368],
    "": [],
}


def ids_for(prompt):
    ids = [BOS] + PROMPT_IDS[prompt] + [EOS]
    return ids + [EOS] * (TOKENS - len(ids))


# ---------------------------------------------------------------------------------------------
# Fake models
# ---------------------------------------------------------------------------------------------


def text_encoder(ids):
    ids = np.asarray(ids, dtype=np.float64)  # [B, 77]
    p = np.arange(TOKENS, dtype=np.float64)[None, :, None]
    c = np.arange(D, dtype=np.float64)[None, None, :]
    i = ids[:, :, None]
    h = np.sin(0.0113 * i * (c + 1) + 0.29 * p + 0.7 * c) + 0.25 * np.cos(0.0007 * i * (p + 1) - 0.4 * c)
    return torch.from_numpy(h.astype(np.float32))


def unet(sample, t, hidden):
    s = sample.to(torch.float64).numpy()
    h = hidden.to(torch.float64).numpy()
    t = float(t)
    b, ch, hh, ww = s.shape
    m = h.mean(axis=1)  # [B, D]
    y = np.arange(hh, dtype=np.float64)[:, None]
    x = np.arange(ww, dtype=np.float64)[None, :]
    out = np.zeros((b, 4, hh, ww))
    for n in range(b):
        for c in range(4):
            eps = 0.75 * s[n, c] + 0.2 * np.tanh(s[n, c]) + 0.1 * np.tanh(s[n, (c + 1) % 4])
            eps = eps + (0.05 + 0.3 * t / 1000.0) * (m[n, c] - m[n, c + 4])
            eps = eps + 0.1 * m[n, (c + 2) % 8] * np.cos(0.9 * x + 0.6 * y + c)
            if ch == 9:
                mask, z = s[n, 4], s[n, 5 + c]
                eps = eps + 0.1 * mask * np.tanh(z) - 0.05 * (1.0 - mask) * z
            out[n, c] = eps
    return torch.from_numpy(out.astype(np.float32))


def vae_encode(pixels):
    p = pixels.to(torch.float64).numpy()[0]  # [3, H, W]
    _, hh, ww = p.shape
    a = p.reshape(3, hh // VAE_FACTOR, VAE_FACTOR, ww // VAE_FACTOR, VAE_FACTOR).mean(axis=(2, 4))
    z = np.stack([
        0.8 * a[0] + 0.3 * a[1],
        0.7 * a[1] - 0.2 * a[2],
        0.9 * a[2] + 0.1 * a[0],
        0.5 * np.tanh(a[0] + a[1] + a[2]),
    ])
    return torch.from_numpy(z[None].astype(np.float32))


def vae_decode(latents):
    z = latents.to(torch.float64).numpy()[0]
    z = z.repeat(VAE_FACTOR, axis=1).repeat(VAE_FACTOR, axis=2)
    _, hh, ww = z.shape
    u = ((np.arange(ww) % VAE_FACTOR - 3.5) / 3.5)[None, :]
    v = ((np.arange(hh) % VAE_FACTOR - 3.5) / 3.5)[:, None]
    rgb = np.stack([
        np.tanh(1.1 * z[0] - 0.2 * z[3] + 0.05 * u),
        np.tanh(1.2 * z[1] + 0.1 * z[3] + 0.05 * v),
        np.tanh(0.9 * z[2] + 0.1 * z[0] - 0.05 * u),
    ])
    return torch.from_numpy(rgb[None].astype(np.float32))


# ---------------------------------------------------------------------------------------------
# Pictures, as diffusers' VaeImageProcessor prepares and postprocesses them
# ---------------------------------------------------------------------------------------------


def picture(w, h):
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([(3 * x + 2 * y) % 256, (5 * y + x * x // 16) % 256, (128 + 2 * x - 3 * y) % 256], axis=-1)
    return rgb.astype(np.uint8)  # [H, W, 3]


def mask_picture(w, h, rect):
    x0, y0, x1, y1 = rect
    m = np.zeros((h, w), dtype=np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


def preprocess_image(rgb):
    # pil_to_numpy (/ 255 in float32), then normalize: 2x - 1
    t = torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    return 2.0 * t - 1.0


def preprocess_mask(grey):
    # do_normalize=False, do_binarize=True: values < 0.5 -> 0, >= 0.5 -> 1
    t = torch.from_numpy(grey.astype(np.float32) / 255.0)[None, None]
    t[t < 0.5] = 0
    t[t >= 0.5] = 1
    return t


def postprocess(pixels):
    img = (pixels / 2 + 0.5).clamp(0, 1)
    img = img.permute(0, 2, 3, 1).float().numpy()
    return (img * 255).round().astype("uint8")[0]  # [H, W, 3]


# ---------------------------------------------------------------------------------------------
# The loops
# ---------------------------------------------------------------------------------------------


def flat(t):
    return [float(f"{v:.8g}") for v in t.detach().reshape(-1).to(torch.float64).tolist()]


def make_scheduler(pkg, kind):
    cls_name, implied = msr.KINDS[kind]
    return getattr(pkg, cls_name).from_config({**msr.SD15, **implied}), cls_name


def step_x0(cls_name, sched, out, t, sample, noise_pred):
    if cls_name == "PNDMScheduler":
        return msr.x0_from_alpha(sched, t, sample, noise_pred).to(torch.float32)
    if cls_name == "DPMSolverMultistepScheduler":
        return sched.model_outputs[-1]
    if cls_name == "LCMScheduler":
        return out.denoised
    return out.pred_original_sample


def run_case(pkg, case):
    kind = case["scheduler"]
    steps, cfg, strength, seed = case["steps"], case["cfg"], case.get("strength", 1.0), case["seed"]
    width, height = case["width"], case["height"]
    mode, unet_channels = case["mode"], case.get("unet_in_channels", 4)
    sched, cls_name = make_scheduler(pkg, kind)
    generator = torch.Generator("cpu").manual_seed(seed)
    guided = cfg > 1.0

    # encode_prompt; guidance batch [negative; prompt]
    cond_ids = ids_for(case["prompt"])
    uncond_ids = ids_for(case["negative_prompt"]) if guided else None
    hidden = text_encoder([uncond_ids, cond_ids]) if guided else text_encoder([cond_ids])

    sched.set_timesteps(steps)
    shape = (1, 4, height // VAE_FACTOR, width // VAE_FACTOR)
    record = {"cond_ids": cond_ids, "uncond_ids": uncond_ids}

    if mode == "txt2img":
        timesteps = sched.timesteps
        start = 0
        latents = torch.randn(shape, generator=generator) * sched.init_noise_sigma
    else:
        # get_timesteps
        init_timestep = min(int(steps * strength), steps)
        t_start = max(steps - init_timestep, 0)
        start = t_start * sched.order
        timesteps = sched.timesteps[start:]
        if hasattr(sched, "set_begin_index"):
            sched.set_begin_index(start)
        latent_timestep = timesteps[:1]
        init_image = preprocess_image(picture(width, height))
        image_latents = vae_encode(init_image)
        noise = torch.randn(shape, generator=generator)
        if mode == "inpaint" and strength == 1.0:
            latents = noise * sched.init_noise_sigma
        else:
            latents = sched.add_noise(image_latents, noise, latent_timestep)
        if mode == "inpaint":
            mask_condition = preprocess_mask(mask_picture(width, height, case["mask_rect"]))
            masked_image = init_image * (mask_condition < 0.5)
            mask = torch.nn.functional.interpolate(mask_condition, size=shape[2:])
            if unet_channels == 9:
                masked_image_latents = vae_encode(masked_image)
                record["latent_mask"] = flat(mask)
                record["masked_image_latents"] = flat(masked_image_latents)
            else:
                record["latent_mask"] = flat(mask)
    record["start_index"] = start
    record["timesteps"] = msr.exact(timesteps.tolist())

    step_records = []
    n = len(timesteps)
    for i, t in enumerate(timesteps):
        model_in = torch.cat([latents] * 2) if guided else latents
        model_in = sched.scale_model_input(model_in, t)
        if mode == "inpaint" and unet_channels == 9:
            extra = [mask, masked_image_latents]
            if guided:
                extra = [torch.cat([e] * 2) for e in extra]
            model_in = torch.cat([model_in] + extra, dim=1)
        if i == 0:
            record["first_model_input"] = flat(model_in[:1])
        noise_pred = unet(model_in, t, hidden)
        if guided:
            uncond, text = noise_pred.chunk(2)
            noise_pred = uncond + cfg * (text - uncond)
        kwargs = {}
        params = inspect.signature(sched.step).parameters
        if "eta" in params:
            kwargs["eta"] = 0.0
        if "generator" in params:
            kwargs["generator"] = generator
        sample_before = latents
        out = sched.step(noise_pred, t, latents, **kwargs)
        latents = out.prev_sample
        x0 = step_x0(cls_name, sched, out, t, sample_before, noise_pred)
        if mode == "inpaint" and unet_channels == 4:
            proper = image_latents
            if i < n - 1:
                proper = sched.add_noise(proper, noise, torch.tensor([timesteps[i + 1]]))
            latents = (1 - mask) * proper + mask * latents
            x0 = (1 - mask) * image_latents + mask * x0
        if i in (0, n - 1):
            step_records.append({"index": i, "timestep": float(t), "latents": flat(latents), "x0": flat(x0)})
    record["checkpoints"] = step_records
    record["final_latents"] = flat(latents)

    decoded = vae_decode(latents)
    probes = [(c, y, x) for c in range(3) for (y, x) in ((0, 0), (5, 3), (17, 40), (31, 31), (height - 1, width - 1),
                                                          (40, 9), (23, 52), (60, 20))]
    record["decoded_probes"] = [[c, y, x, float(f"{float(decoded[0, c, y, x]):.8g}")] for c, y, x in probes]
    image = postprocess(decoded)
    if mode == "inpaint":
        inside = preprocess_mask(mask_picture(width, height, case["mask_rect"]))[0, 0].numpy() >= 0.5
        image = np.where(inside[:, :, None], image, picture(width, height))
    png = io.BytesIO()
    PIL.Image.fromarray(np.ascontiguousarray(image)).save(png, format="PNG", optimize=True)
    record["image_png_base64"] = base64.b64encode(png.getvalue()).decode("ascii")
    return record



# ---------------------------------------------------------------------------------------------
# Cross-check: diffusers' own pipeline classes, run with the same fake models
# ---------------------------------------------------------------------------------------------

SCALING_FACTOR = 0.18215  # the VAE's scaling factor; the fakes above work in the scaled space


def load_pipelines(src):
    """diffusers' three Stable Diffusion pipeline classes, with stand-ins for what they import but
    these runs never call (transformers, the model classes, LoRA and single-file loaders)."""
    base = os.path.join(src, "diffusers")

    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    def classes(*names):
        return {n: type(n, (), {}) for n in names}

    module("packaging", version=module("packaging.version", parse=lambda v: v))
    module("transformers", **classes("CLIPImageProcessor", "CLIPTextModel", "CLIPTokenizer",
                                     "CLIPVisionModelWithProjection"))
    module("diffusers.callbacks", **classes("PipelineCallback", "MultiPipelineCallbacks"))
    utils = sys.modules["diffusers.utils"]
    utils.__dict__.update(
        CONFIG_NAME="config.json",
        PIL_INTERPOLATION={"nearest": PIL.Image.NEAREST, "bilinear": PIL.Image.BILINEAR,
                           "bicubic": PIL.Image.BICUBIC, "lanczos": PIL.Image.LANCZOS},
        USE_PEFT_BACKEND=False,
        is_torch_xla_available=lambda: False,
        replace_example_docstring=lambda doc: (lambda f: f),
        scale_lora_layers=lambda *a, **k: None,
        unscale_lora_layers=lambda *a, **k: None,
    )
    msr._load("diffusers.image_processor", os.path.join(base, "image_processor.py"))

    class TextualInversionLoaderMixin:
        def maybe_convert_prompt(self, prompt, tokenizer):
            return prompt

    module("diffusers.loaders", TextualInversionLoaderMixin=TextualInversionLoaderMixin,
           **classes("FromSingleFileMixin", "IPAdapterMixin", "StableDiffusionLoraLoaderMixin"))
    module("diffusers.models", **classes("AsymmetricAutoencoderKL", "AutoencoderKL", "ImageProjection",
                                         "UNet2DConditionModel"))
    module("diffusers.models.lora", adjust_lora_scale_text_encoder=lambda *a, **k: None)
    sys.modules["diffusers.schedulers"].KarrasDiffusionSchedulers = \
        sys.modules["diffusers.schedulers.scheduling_utils"].KarrasDiffusionSchedulers

    class DiffusionPipeline:
        _execution_device = torch.device("cpu")

        @contextlib.contextmanager
        def progress_bar(self, iterable=None, total=None):
            yield types.SimpleNamespace(update=lambda *a: None)

        def maybe_free_model_hooks(self):
            pass

    module("diffusers.pipelines", __path__=[os.path.join(base, "pipelines")])
    module("diffusers.pipelines.pipeline_utils", DiffusionPipeline=DiffusionPipeline, StableDiffusionMixin=type("StableDiffusionMixin", (), {}))
    sd = module("diffusers.pipelines.stable_diffusion", __path__=[os.path.join(base, "pipelines", "stable_diffusion")])
    out = msr._load("diffusers.pipelines.stable_diffusion.pipeline_output",
                    os.path.join(base, "pipelines", "stable_diffusion", "pipeline_output.py"))
    sd.StableDiffusionPipelineOutput = out.StableDiffusionPipelineOutput
    module("diffusers.pipelines.stable_diffusion.safety_checker", StableDiffusionSafetyChecker=object)
    loaded = {}
    for name in ("pipeline_stable_diffusion", "pipeline_stable_diffusion_img2img", "pipeline_stable_diffusion_inpaint"):
        loaded[name] = msr._load("diffusers.pipelines.stable_diffusion." + name,
                                 os.path.join(base, "pipelines", "stable_diffusion", name + ".py"))
    return (loaded["pipeline_stable_diffusion"].StableDiffusionPipeline,
            loaded["pipeline_stable_diffusion_img2img"].StableDiffusionImg2ImgPipeline,
            loaded["pipeline_stable_diffusion_inpaint"].StableDiffusionInpaintPipeline)


class _Tokenizer:
    model_max_length = TOKENS

    def __call__(self, prompt, padding=None, max_length=None, truncation=None, return_tensors=None):
        prompts = [prompt] if isinstance(prompt, str) else prompt
        rows = [[BOS] + PROMPT_IDS[p] + [EOS] for p in prompts]
        width = max_length if padding == "max_length" else max(len(r) for r in rows)
        ids = torch.tensor([r + [EOS] * (width - len(r)) for r in rows])
        return types.SimpleNamespace(input_ids=ids)


class _TextEncoder:
    config = types.SimpleNamespace()
    dtype = torch.float32

    def __call__(self, ids, attention_mask=None):
        return (text_encoder(ids.tolist()),)


class _Unet:
    def __init__(self, in_channels):
        self.config = types.SimpleNamespace(in_channels=in_channels, time_cond_proj_dim=None, sample_size=8)

    def __call__(self, sample, t, encoder_hidden_states=None, return_dict=True, **unused):
        return (unet(sample, float(t), encoder_hidden_states),)


class _Vae:
    config = types.SimpleNamespace(scaling_factor=SCALING_FACTOR, latent_channels=4)

    def encode(self, pixels):
        # Deterministic: the sample ignores the generator, so only the loop's noise is drawn from it.
        z = vae_encode(pixels) / SCALING_FACTOR
        return types.SimpleNamespace(latent_dist=types.SimpleNamespace(sample=lambda generator=None: z))

    def decode(self, latents, return_dict=True, generator=None):
        return (vae_decode(latents * SCALING_FACTOR),)


def run_diffusers_pipeline(pkg, pipelines, case):
    """The case through diffusers' own __call__: final latents, latents after each step, decoded picture."""
    txt2img_cls, img2img_cls, inpaint_cls = pipelines
    mode = case["mode"]
    cls = {"txt2img": txt2img_cls, "img2img": img2img_cls, "inpaint": inpaint_cls}[mode]
    pipe = cls.__new__(cls)
    image_processor_cls = sys.modules["diffusers.image_processor"].VaeImageProcessor
    pipe.__dict__.update(
        vae=_Vae(), text_encoder=_TextEncoder(), tokenizer=_Tokenizer(),
        unet=_Unet(case.get("unet_in_channels", 4)), scheduler=make_scheduler(pkg, case["scheduler"])[0],
        safety_checker=None, feature_extractor=None, image_encoder=None, vae_scale_factor=VAE_FACTOR,
        image_processor=image_processor_cls(vae_scale_factor=VAE_FACTOR),
        mask_processor=image_processor_cls(vae_scale_factor=VAE_FACTOR, do_normalize=False, do_binarize=True,
                                           do_convert_grayscale=True))
    w, h = case["width"], case["height"]
    args = dict(prompt=case["prompt"], negative_prompt=case["negative_prompt"], num_inference_steps=case["steps"],
                guidance_scale=case["cfg"], generator=torch.Generator("cpu").manual_seed(case["seed"]))
    if mode == "txt2img":
        args.update(height=h, width=w)
    else:
        args.update(image=PIL.Image.fromarray(picture(w, h)), strength=case.get("strength", 1.0))
    if mode == "inpaint":
        args.update(mask_image=PIL.Image.fromarray(mask_picture(w, h, case["mask_rect"])), height=h, width=w)
    per_step = []

    def on_step(p, i, t, kwargs):
        per_step.append(kwargs["latents"].clone())
        return {}

    latents = pipe(**args, output_type="latent", callback_on_step_end=on_step,
                   callback_on_step_end_tensor_inputs=["latents"]).images
    # Decoding as __call__ does it (divide by the scaling factor, decode, postprocess), from the same latents.
    pixels = pipe.vae.decode(latents / SCALING_FACTOR, return_dict=False)[0]
    picture_np = pipe.image_processor.postprocess(pixels, output_type="np")
    image = (picture_np * 255).round().astype("uint8")[0]
    return latents, per_step, image


def cross_check(case, record, diffusers_result):
    latents, per_step, image = diffusers_result
    ours = torch.tensor(record["final_latents"]).reshape(latents.shape)
    if not torch.allclose(ours, latents, rtol=1e-5, atol=1e-5):
        raise SystemExit(f"{case['name']}: final latents differ from diffusers' pipeline by "
                         f"{(ours - latents).abs().max().item():.3g}")
    if len(per_step) != len(record["timesteps"]):
        raise SystemExit(f"{case['name']}: diffusers ran {len(per_step)} steps, the re-stated loop {len(record['timesteps'])}")
    for s in record["checkpoints"]:
        mine = torch.tensor(s["latents"]).reshape(latents.shape)
        if not torch.allclose(mine, per_step[s["index"]], rtol=1e-5, atol=1e-5):
            raise SystemExit(f"{case['name']}: latents after step {s['index']} differ from diffusers' pipeline")
    decoded_ours = postprocess(vae_decode(ours))
    if np.abs(decoded_ours.astype(int) - image.astype(int)).max() > 1:
        raise SystemExit(f"{case['name']}: decoded picture differs from diffusers' pipeline")
    return float((ours - latents).abs().max())

CASES = [
    # text-to-image at guidance 7.5 with three schedulers (Euler a draws ancestral noise from the generator)
    {"name": "txt2img-pndm-4", "mode": "txt2img", "scheduler": "pndm", "steps": 4, "cfg": 7.5, "seed": 42},
    {"name": "txt2img-euler_a-5", "mode": "txt2img", "scheduler": "euler_a", "steps": 5, "cfg": 7.5, "seed": 1234},
    {"name": "txt2img-dpmpp_2m_karras-6", "mode": "txt2img", "scheduler": "dpmpp_2m_karras", "steps": 6, "cfg": 7.5,
     "seed": 7},
    # guidance 1: no unconditional pass, one UNet row
    {"name": "txt2img-lms-5-cfg1", "mode": "txt2img", "scheduler": "lms", "steps": 5, "cfg": 1.0, "seed": 99},
    # image-to-image, strength 0.6: 6 of 10 steps, starting from the encoded picture noised to timesteps[4]
    {"name": "img2img-ddim-10-s0.6", "mode": "img2img", "scheduler": "ddim", "steps": 10, "cfg": 7.5, "strength": 0.6,
     "seed": 2024},
    # 9-channel inpainting model; the mask's edges fall inside latent cells (nearest resize picks cell corners)
    {"name": "inpaint9-dpmpp_2m-6-s1.0", "mode": "inpaint", "unet_in_channels": 9, "scheduler": "dpmpp_2m", "steps": 6,
     "cfg": 7.5, "strength": 1.0, "seed": 5, "mask_rect": [13, 20, 45, 51]},
    {"name": "inpaint9-euler_a-10-s0.7", "mode": "inpaint", "unet_in_channels": 9, "scheduler": "euler_a", "steps": 10,
     "cfg": 7.5, "strength": 0.7, "seed": 11, "mask_rect": [13, 20, 45, 51]},
    # 4-channel model: the re-noised original blended in outside the mask at every step. The mask is
    # aligned to latent cells, so diffusers' nearest-resized latent mask and the engine's area-resized
    # one (feather 0) are the same 0/1 mask.
    {"name": "inpaint4-euler-8-s1.0", "mode": "inpaint", "unet_in_channels": 4, "scheduler": "euler", "steps": 8,
     "cfg": 7.5, "strength": 1.0, "seed": 3, "mask_rect": [16, 24, 48, 56]},
    {"name": "inpaint4-ddim-10-s0.6", "mode": "inpaint", "unet_in_channels": 4, "scheduler": "ddim", "steps": 10,
     "cfg": 7.5, "strength": 0.6, "seed": 8, "mask_rect": [16, 24, 48, 56]},
]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True)
    parser.add_argument("--diffusers-commit", default="unknown")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    torch.set_num_threads(1)
    pkg, version = msr.load_diffusers(os.path.abspath(args.diffusers_src))
    pipelines = load_pipelines(os.path.abspath(args.diffusers_src))
    cases = []
    for case in CASES:
        c = {"prompt": "a photo of a cat", "negative_prompt": "", "width": 64, "height": 64, "feather": 0.0,
             "config": msr.SD15, **case}
        c.update(run_case(pkg, c))
        diff = cross_check(c, c, run_diffusers_pipeline(pkg, pipelines, c))
        print(f"{c['name']}: matches diffusers' {c['mode']} pipeline (final latents within {diff:.2g})")
        cases.append(c)
    data = {
        "generated_by": "engine/tools/reference/make_pipeline_refs.py",
        "diffusers_version": version,
        "diffusers_commit": args.diffusers_commit,
        "torch_version": torch.__version__,
        "text_dim": D,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"{args.out}: {len(cases)} cases, {os.path.getsize(args.out) / 1024:.1f} KiB")
