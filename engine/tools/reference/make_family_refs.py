#!/usr/bin/env python3
"""Writes the SDXL, SDXL-Turbo and LCM reference runs the engine's family tests replay.

Every value comes from diffusers' own pipelines, run unmodified through their __call__:
StableDiffusionXLPipeline, StableDiffusionXLImg2ImgPipeline, StableDiffusionXLInpaintPipeline,
LatentConsistencyModelPipeline and LatentConsistencyModelImg2ImgPipeline, with the very torch modules
that engine/testmodels/make_family_models.py exported to engine/testmodels/tiny-sdxl/ and tiny-lcm/
(rebuilt here from the same seeds by that script's own functions; this script re-exports them and
stops unless every ONNX file is byte-identical to the one in --models, so the references belong to
the committed bundles):

    diffusers' UNet2DConditionModel and AutoencoderKL        (unet/, vae_encoder/, vae_decoder/)
    make_family_models.ClipTextStandIn                       (text_encoder/, text_encoder_2/)
        in place of transformers' CLIPTextModel / CLIPTextModelWithProjection: called as the
        pipelines call them, it answers as transformers does ([0] is last_hidden_state or
        text_embeds, .hidden_states the embeddings' output then each layer's when asked for)
    ClipTokenizerStandIn (below)                              (tokenizer/, tokenizer_2/)
        in place of transformers' CLIPTokenizer: make_test_models.py's CLIP rules on the bundle's
        merges (lower-case, whitespace collapsed, CLIP's split, byte-level BPE with </w>), BOS, at
        most 75 tokens, EOS, padded to 77 with the folder's pad token ("<|endoftext|>" for
        tokenizer/, "!" for tokenizer_2/): the ids the engine's CLIP tokenizer must produce.

diffusers is imported from --diffusers-src with make_family_models.load_diffusers (stand-ins for
huggingface_hub, safetensors and transformers, which only satisfy imports). The scheduler is
loaded with from_pretrained from the bundle's scheduler/ folder, except for the Turbo cases, which
use SDXL-Turbo's published configuration (make_family_models.SCHEDULER_SDXL_TURBO).

What is recorded is observed, not recomputed: an instance-level wrapper around the UNet's forward
keeps the inputs of every call (the first in full), callback_on_step_end keeps the latents after
each step, wrappers around the pipeline's prepare_latents and the VAE's encode keep the loop's
starting latents and the encoder's latent_parameters, and a wrapper around diffusers' randn_tensor
(in the modules that call it) notes every draw from the generator, in order. The picture is the
pipeline's own output (output_type="pil": decode, VaeImageProcessor.postprocess, numpy_to_pil),
saved as PNG.

Usage:
    python3 make_family_refs.py --diffusers-src DIR --diffusers-commit SHA \
        --models engine/testmodels --out engine/src/test/resources/reference/pipeline/families.json

Pictures: 64 x 64. The init picture (uint8 RGB, x = column, y = row):
    R = (3x + 2y) % 256, G = (5y + x*x // 16) % 256, B = (128 + 2x - 3y) % 256
The inpainting mask: 255 (repaint) inside the rectangle x in [16, 48), y in [24, 56), 0 outside; its
edges fall on latent cell edges (the VAE scales by 4), so diffusers' nearest-resized latent mask is
exactly 0/1 per cell.

Tensors are stored as {"shape": [...], "f32": base64 of the little-endian float32 values in
row-major order}, so the values are exact.
"""

import argparse
import base64
import copy
import inspect
import io
import json
import os
import sys

import numpy as np
import PIL.Image
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TESTMODELS = os.path.normpath(os.path.join(HERE, "..", "..", "testmodels"))
sys.path.insert(0, TESTMODELS)
import make_family_models as mfm  # noqa: E402  (the bundles' torch modules, their seeds, the diffusers loader)

WIDTH = HEIGHT = mfm.PIXELS
MASK_RECT = (16, 24, 48, 56)  # x0, y0, x1, y1

PIPELINE_MODULES = {
    "StableDiffusionXLPipeline": "diffusers.pipelines.stable_diffusion_xl.pipeline_stable_diffusion_xl",
    "StableDiffusionXLImg2ImgPipeline": "diffusers.pipelines.stable_diffusion_xl.pipeline_stable_diffusion_xl_img2img",
    "StableDiffusionXLInpaintPipeline": "diffusers.pipelines.stable_diffusion_xl.pipeline_stable_diffusion_xl_inpaint",
    "LatentConsistencyModelPipeline": "diffusers.pipelines.latent_consistency_models.pipeline_latent_consistency_text2img",
    "LatentConsistencyModelImg2ImgPipeline":
        "diffusers.pipelines.latent_consistency_models.pipeline_latent_consistency_img2img",
}
# modules that import randn_tensor by name and draw from the generator with it
RANDN_USERS = list(PIPELINE_MODULES.values()) + [
    "diffusers.models.autoencoders.vae",  # DiagonalGaussianDistribution.sample: the VAE encoder's sample
    "diffusers.schedulers.scheduling_euler_discrete",
    "diffusers.schedulers.scheduling_euler_ancestral_discrete",
    "diffusers.schedulers.scheduling_lcm",
]

PROMPT_SDXL = "a photo of a cat, oil painting, high quality"
NEGATIVE_SDXL = "blurry, dark"
PROMPT_LCM = "a portrait of a woman, watercolor"

CASES = [
    {"name": "sdxl_txt2img", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLPipeline", "scheduler": "folder",
     "prompt": PROMPT_SDXL, "negative_prompt": NEGATIVE_SDXL, "steps": 4, "guidance_scale": 5.0, "seed": 42},
    # force_zeros_for_empty_prompt: diffusers zeros the negative embeddings (hidden states and pooled)
    # only when no negative prompt is given (negative_prompt=None); "" is encoded like any text.
    {"name": "sdxl_txt2img_no_negative", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLPipeline",
     "scheduler": "folder", "prompt": PROMPT_SDXL, "negative_prompt": None, "steps": 4, "guidance_scale": 5.0,
     "seed": 42},
    {"name": "sdxl_txt2img_empty_negative", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLPipeline",
     "scheduler": "folder", "prompt": PROMPT_SDXL, "negative_prompt": "", "steps": 4, "guidance_scale": 5.0,
     "seed": 42},
    # clip_skip=1 (diffusers) conditions on hidden_states[-3] of both encoders: AUTOMATIC1111's "Clip skip: 2".
    {"name": "sdxl_clip_skip", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLPipeline", "scheduler": "folder",
     "prompt": PROMPT_SDXL, "negative_prompt": NEGATIVE_SDXL, "steps": 3, "guidance_scale": 5.0, "seed": 42,
     "clip_skip": 1},
    {"name": "sdxl_img2img", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLImg2ImgPipeline",
     "scheduler": "folder", "prompt": PROMPT_SDXL, "negative_prompt": NEGATIVE_SDXL, "steps": 5,
     "guidance_scale": 5.0, "strength": 0.6, "seed": 7},
    {"name": "sdxl_inpaint", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLInpaintPipeline",
     "scheduler": "folder", "prompt": PROMPT_SDXL, "negative_prompt": NEGATIVE_SDXL, "steps": 4,
     "guidance_scale": 5.0, "strength": 0.75, "seed": 11, "mask_rect": list(MASK_RECT)},
    {"name": "sdxl_turbo_1step", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLPipeline", "scheduler": "turbo",
     "prompt": PROMPT_SDXL, "negative_prompt": None, "steps": 1, "guidance_scale": 0.0, "seed": 5},
    {"name": "sdxl_turbo_2steps", "bundle": "tiny-sdxl", "pipeline": "StableDiffusionXLPipeline", "scheduler": "turbo",
     "prompt": PROMPT_SDXL, "negative_prompt": None, "steps": 2, "guidance_scale": 0.0, "seed": 5},
    {"name": "lcm_txt2img", "bundle": "tiny-lcm", "pipeline": "LatentConsistencyModelPipeline", "scheduler": "folder",
     "prompt": PROMPT_LCM, "steps": 4, "guidance_scale": 8.5, "seed": 3},
    {"name": "lcm_img2img", "bundle": "tiny-lcm", "pipeline": "LatentConsistencyModelImg2ImgPipeline",
     "scheduler": "folder", "prompt": PROMPT_LCM, "steps": 4, "guidance_scale": 8.5, "strength": 0.5, "seed": 9},
]


# ---------------------------------------------------------------------------------------------
# Inputs and encodings
# ---------------------------------------------------------------------------------------------

def picture():
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    rgb = np.stack([(3 * x + 2 * y) % 256, (5 * y + x * x // 16) % 256, (128 + 2 * x - 3 * y) % 256], axis=-1)
    return rgb.astype(np.uint8)


def mask_picture(rect):
    x0, y0, x1, y1 = rect
    m = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


def tensor(t):
    a = np.ascontiguousarray(t.detach().to(torch.float32).cpu().numpy()).astype("<f4")
    return {"shape": list(a.shape), "f32": base64.b64encode(a.tobytes()).decode("ascii")}


def png(image):
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def exact(values):
    return [float(v) for v in values]


# ---------------------------------------------------------------------------------------------
# Tokenizer stand-in
# ---------------------------------------------------------------------------------------------

class ClipTokenizerStandIn:
    """What the pipelines use of transformers' CLIPTokenizer: __call__ (max_length or longest
    padding), tokenize and added_tokens_encoder (TextualInversionLoaderMixin.maybe_convert_prompt),
    model_max_length."""

    model_max_length = mfm.TEXT_LENGTH

    def __init__(self, pad_token):
        self.tok = mfm.tokenizer(pad_token)
        self.pad_token = pad_token
        self.added_tokens_encoder = {"<|startoftext|>": self.tok.bos, "<|endoftext|>": self.tok.eos}
        self.inverse = {i: s for s, i in self.tok.vocab.items()}

    def _ids(self, text):
        """BOS, tokens, EOS, unpadded."""
        ids = self.tok.encode(text)  # BOS + at most 75 tokens + EOS, padded to 77
        end = ids.index(self.tok.eos, 1) + 1
        if end == mfm.TEXT_LENGTH:
            raise ValueError("the references use prompts of fewer than 75 tokens (none is truncated)")
        return ids[:end]

    def __call__(self, text, padding=None, max_length=None, truncation=None, return_tensors=None):
        texts = [text] if isinstance(text, str) else list(text)
        rows = [self._ids(t) for t in texts]
        width = max_length if padding == "max_length" else max(len(r) for r in rows)
        ids = [r + [self.tok.pad] * (width - len(r)) for r in rows]
        mask = [[1] * len(r) + [0] * (width - len(r)) for r in rows]
        return _Encoding(torch.tensor(ids), torch.tensor(mask))

    def tokenize(self, text):
        return [self.inverse[i] for i in self._ids(text)[1:-1]]

    def batch_decode(self, ids):
        raise ValueError("only called for truncated prompts, which the references do not use")


class _Encoding(dict):
    def __init__(self, input_ids, attention_mask):
        super().__init__(input_ids=input_ids, attention_mask=attention_mask)
        self.input_ids, self.attention_mask = input_ids, attention_mask


# ---------------------------------------------------------------------------------------------
# Observers
# ---------------------------------------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.unet_calls, self.latents, self.denoised, self.draws = [], [], [], []
        self.prepared, self.encodes = None, []

    def wrap_unet(self, unet):
        forward = unet.forward

        def recording_forward(sample, timestep, encoder_hidden_states, *args, **kwargs):
            call = {"sample": sample.clone(), "timestep": timestep, "encoder_hidden_states": encoder_hidden_states.clone()}
            added = kwargs.get("added_cond_kwargs") or {}
            for k in ("text_embeds", "time_ids"):
                if k in added:
                    call[k] = added[k].clone()
            if kwargs.get("timestep_cond") is not None:
                call["timestep_cond"] = kwargs["timestep_cond"].clone()
            self.unet_calls.append(call)
            return forward(sample, timestep, encoder_hidden_states, *args, **kwargs)

        unet.forward = recording_forward  # instance attribute: nn.Module.__call__ calls it

    def wrap_vae(self, vae):
        encode = vae.encode

        def recording_encode(x, *args, **kwargs):
            out = encode(x, *args, **kwargs)
            self.encodes.append({"pixels": x.clone(), "latent_parameters": out.latent_dist.parameters.clone()})
            return out

        vae.encode = recording_encode

    def wrap_prepare_latents(self, pipe):
        prepare = pipe.prepare_latents

        def recording_prepare(*args, **kwargs):
            out = prepare(*args, **kwargs)
            self.prepared = out
            return out

        pipe.prepare_latents = recording_prepare

    def on_step_end(self, pipe, i, t, kwargs):
        self.latents.append(kwargs["latents"].clone())
        if "denoised" in kwargs:
            self.denoised.append(kwargs["denoised"].clone())
        return {}


_RECORDER = None


def install_randn_observer():
    """Notes every randn_tensor call (in order) of the modules that draw from the generator."""
    import diffusers.utils.torch_utils as torch_utils
    original = torch_utils.randn_tensor

    def observed_randn_tensor(shape, generator=None, **kwargs):
        out = original(shape, generator=generator, **kwargs)
        if _RECORDER is not None:
            caller = inspect.stack()[1]
            _RECORDER.draws.append({"shape": list(out.shape), "caller": f"{caller.frame.f_globals['__name__']}."
                                    f"{caller.function}", "first_values": exact(out.reshape(-1)[:4].tolist())})
        return out

    for name in RANDN_USERS:
        module = sys.modules.get(name) or __import__(name, fromlist=["randn_tensor"])
        assert module.randn_tensor is original, name
        module.randn_tensor = observed_randn_tensor


# ---------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------

def load_classes(diffusers):
    classes = {}
    for cls, module in PIPELINE_MODULES.items():
        classes[cls] = getattr(__import__(module, fromlist=[cls]), cls)
    return classes


def make_scheduler(diffusers, case, models_dir):
    if case["scheduler"] == "turbo":
        config = dict(mfm.SCHEDULER_SDXL_TURBO)
        cls = getattr(diffusers, config["_class_name"])
        return cls.from_config(config), config
    folder = os.path.join(models_dir, case["bundle"])
    with open(os.path.join(folder, "scheduler", "scheduler_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    cls = getattr(diffusers, config["_class_name"])
    return cls.from_pretrained(folder, subfolder="scheduler"), config


def make_pipeline(classes, case, models, scheduler, models_dir):
    cls = classes[case["pipeline"]]
    with open(os.path.join(models_dir, case["bundle"], "model_index.json"), encoding="utf-8") as f:
        index = json.load(f)
    if case["bundle"] == "tiny-sdxl":
        pipe = cls(vae=models["vae_sdxl"], text_encoder=models["text_encoder"], text_encoder_2=models["text_encoder_2"],
                   tokenizer=ClipTokenizerStandIn(mfm.PAD_TOKEN_1), tokenizer_2=ClipTokenizerStandIn(mfm.PAD_TOKEN_2),
                   unet=models["unet_sdxl"], scheduler=scheduler,
                   force_zeros_for_empty_prompt=index["force_zeros_for_empty_prompt"], add_watermarker=False)
    else:
        pipe = cls(vae=models["vae_lcm"], text_encoder=models["text_encoder"],
                   tokenizer=ClipTokenizerStandIn(mfm.PAD_TOKEN_1), unet=models["unet_lcm"], scheduler=scheduler,
                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def run_case(diffusers, classes, models, case, models_dir):
    global _RECORDER
    scheduler, config = make_scheduler(diffusers, case, models_dir)
    # fresh copies of the modules for every run, so the observers of one run do not see another's
    run_models = {k: (copy_module(v) if isinstance(v, torch.nn.Module) else v) for k, v in models.items()}
    pipe = make_pipeline(classes, case, run_models, scheduler, models_dir)
    rec = Recorder()
    rec.wrap_unet(pipe.unet)
    rec.wrap_vae(pipe.vae)
    rec.wrap_prepare_latents(pipe)
    _RECORDER = rec

    lcm = case["pipeline"].startswith("LatentConsistency")
    args = {"prompt": case["prompt"], "num_inference_steps": case["steps"], "guidance_scale": case["guidance_scale"],
            "generator": torch.Generator("cpu").manual_seed(case["seed"]), "output_type": "pil",
            "callback_on_step_end": rec.on_step_end,
            "callback_on_step_end_tensor_inputs": ["latents", "denoised"] if lcm else ["latents"]}
    if not lcm:
        args["negative_prompt"] = case["negative_prompt"]
    if "clip_skip" in case:
        args["clip_skip"] = case["clip_skip"]
    image_needed = "Img2Img" in case["pipeline"] or "Inpaint" in case["pipeline"]
    if image_needed:
        args.update(image=PIL.Image.fromarray(picture()), strength=case["strength"])
    if "Img2Img" not in case["pipeline"]:
        args.update(height=HEIGHT, width=WIDTH)
    if "Inpaint" in case["pipeline"]:
        args.update(mask_image=PIL.Image.fromarray(mask_picture(case["mask_rect"])))
    result = pipe(**args)
    _RECORDER = None
    image = result.images[0]

    rec_case = {k: v for k, v in case.items() if k not in ("bundle", "scheduler")}
    rec_case.update(bundle=case["bundle"], width=WIDTH, height=HEIGHT,
                    scheduler={"source": "SDXL-Turbo's published config" if case["scheduler"] == "turbo"
                               else case["bundle"] + "/scheduler/scheduler_config.json", "config": config})
    rec_case["diffusers_call"] = {k: v for k, v in args.items()
                                  if k not in ("generator", "callback_on_step_end", "image", "mask_image")}
    rec_case["diffusers_call"]["generator"] = f'torch.Generator("cpu").manual_seed({case["seed"]})'
    if image_needed:
        rec_case["diffusers_call"]["image"] = "PIL RGB image of picture_formula"
    if "Inpaint" in case["pipeline"]:
        rec_case["diffusers_call"]["mask_image"] = "PIL L image of mask_formula"

    # token ids, as the tokenizer stand-ins produce them for each encoder
    tokenizers = [("tokenizer", pipe.tokenizer)] + ([("tokenizer_2", pipe.tokenizer_2)] if not lcm else [])
    negative = None if lcm else case["negative_prompt"]
    rec_case["token_ids"] = {}
    for name, tok in tokenizers:
        ids = {"prompt": tok(case["prompt"], padding="max_length", max_length=77).input_ids[0].tolist()}
        if negative is not None and case["guidance_scale"] > 1:
            ids["negative_prompt"] = tok(negative, padding="max_length", max_length=77).input_ids[0].tolist()
        rec_case["token_ids"][name] = ids

    sched = pipe.scheduler
    rec_case["schedule"] = {
        "timesteps": exact(sched.timesteps.tolist()),  # all of set_timesteps' timesteps
        "unet_timesteps": [float(c["timestep"]) for c in rec.unet_calls],  # those the loop ran
        "init_noise_sigma": float(sched.init_noise_sigma),
    }
    if hasattr(sched, "sigmas") and sched.sigmas is not None:
        rec_case["schedule"]["sigmas"] = exact(sched.sigmas.tolist())
    first = rec.unet_calls[0]
    rec_case["unet_calls"] = len(rec.unet_calls)
    rec_case["classifier_free_guidance"] = first["sample"].shape[0] == 2  # the UNet batch is [negative; prompt]
    rec_case["first_unet_inputs"] = {k: (tensor(v) if k != "timestep" else
                                         {"value": float(v), "dtype": str(v.dtype).replace("torch.", "")})
                                     for k, v in first.items()}
    prepared = rec.prepared if isinstance(rec.prepared, tuple) else (rec.prepared,)
    rec_case["initial_latents"] = tensor(prepared[0])  # prepare_latents' result: the latents entering the loop
    if len(prepared) == 3:  # the inpainting pipeline: (latents, noise, image_latents)
        rec_case["inpaint_noise"] = tensor(prepared[1])
        rec_case["image_latents"] = tensor(prepared[2])
    if rec.encodes:
        rec_case["vae_encodes"] = [{"latent_parameters": tensor(e["latent_parameters"]),
                                    "what": "init picture" if i == 0 else "masked picture (init * (mask < 0.5))"}
                                   for i, e in enumerate(rec.encodes)]
    rec_case["generator_draws"] = rec.draws
    rec_case["latents_after_step"] = [tensor(t) for t in rec.latents]
    if rec.denoised:
        rec_case["denoised_after_step"] = [tensor(t) for t in rec.denoised]
    final = rec.denoised[-1] if lcm else rec.latents[-1]  # what __call__ decodes
    rec_case["final_latents"] = tensor(final)
    rec_case["image_png_base64"] = png(image)
    if "Inpaint" in case["pipeline"]:
        inside = mask_picture(case["mask_rect"]) >= 128
        composite = np.where(inside[:, :, None], np.asarray(image), picture())
        rec_case["composite_png_base64"] = png(PIL.Image.fromarray(composite.astype(np.uint8)))
    return rec_case, len(rec.latents)


def copy_module(module):
    return copy.deepcopy(module)


def check_bundles(models, models_dir):
    """The ONNX files of --models must be exactly what make_family_models.py exports from these modules."""
    for rel, data in mfm.export_all(models).items():
        path = os.path.join(models_dir, rel)
        with open(path, "rb") as f:
            if f.read() != data:
                raise SystemExit(f"{path} is not the export of the modules make_family_models.py builds; "
                                 "regenerate the bundles first")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True)
    parser.add_argument("--diffusers-commit", required=True)
    parser.add_argument("--models", required=True, help="the folder holding tiny-sdxl/ and tiny-lcm/")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    diffusers = mfm.load_diffusers(args.diffusers_src)
    models = mfm.build_all(diffusers)
    check_bundles(models, args.models)
    print("bundles: every ONNX file is the export of the modules used here")
    classes = load_classes(diffusers)
    install_randn_observer()

    cases = []
    for case in CASES:
        record, steps = run_case(diffusers, classes, models, case, args.models)
        print(f"{case['name']}: {case['pipeline']}, {steps} steps, {record['unet_calls']} UNet calls")
        cases.append(record)
    data = {
        "generated_by": "engine/tools/reference/make_family_refs.py (diffusers' pipelines run on the bundles' torch "
                        "modules; see the script's docstring)",
        "diffusers_version": diffusers.__version__,
        "diffusers_commit": args.diffusers_commit,
        "torch_version": torch.__version__,
        "tensor_encoding": "{shape, f32}: f32 is base64 of little-endian float32 values, row-major",
        "picture_formula": "64 x 64 uint8 RGB, x = column, y = row: R = (3x + 2y) % 256, G = (5y + x*x // 16) % 256, "
                           "B = (128 + 2x - 3y) % 256",
        "mask_formula": "64 x 64 uint8 grey: 255 inside mask_rect [x0, y0, x1, y1) (x0 <= x < x1, y0 <= y < y1), 0 outside",
        "dims": {"text_encoder": mfm.TE1, "text_encoder_2": mfm.TE2, "sdxl_text_width": mfm.SDXL_TEXT_WIDTH,
                 "vae_scale_factor": 2 ** (len(mfm.VAE_BLOCKS) - 1), "latent_channels": 4},
        "cases": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"{args.out}: {len(cases)} cases, {os.path.getsize(args.out) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
