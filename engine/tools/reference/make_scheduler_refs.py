#!/usr/bin/env python3
"""Writes the scheduler reference files the engine's scheduler tests compare against.

Runs diffusers' own scheduler classes (DDIM, PNDM, LMS, Euler, Euler ancestral, DPM-Solver++
multistep, LCM) on a small deterministic trajectory and records, per run: the timesteps, the
sigmas, init_noise_sigma, the model-input scale of every step, the noise level sqrt((1-a)/a) of
every step, prev_sample and the x0 estimate at a few checkpoint steps, and the noise each
stochastic step drew.

One file per engine scheduler kind (<kind>.json), and schedule_types.json: runs of the
AUTOMATIC1111 schedule types (Uniform, Karras, Exponential, SGM Uniform) made with the scheduler
options diffusers maps them to (SCHEDULE_TYPES below), each run naming its kind and schedule type.

Usage:
    python3 make_scheduler_refs.py --diffusers-src DIR [--diffusers-commit SHA] --out DIR

DIR for --diffusers-src is the `src` folder of a diffusers checkout (the folder that contains the
`diffusers` package). Only numpy and torch need to be installed: the diffusers package __init__
is not imported (it pulls in huggingface_hub and more); the few modules the scheduler files import
are provided here as small stand-ins, and the scheduler modules, scheduling_utils and
configuration_utils (so `from_config` behaves as in diffusers) are loaded from the checkout.
scipy is not needed either: LMS integrates its Lagrange polynomials with scipy.integrate.quad,
which is exact for polynomials of that degree; a Gauss-Legendre rule exact to degree 15 stands in.

Inputs of every trajectory (the Java test recomputes the same ones):
    f(j, k) = sin(0.731 j + 1.37 k + 0.25) + 0.5 cos(0.419 j - 0.83 k + 1.1), rounded to float32,
    j = flat element index of a [1, 4, 2, 2] tensor.
    model output at timestep index i:  f(j, i + 1)
    initial latents (text-to-image):   init_noise_sigma * f(j, 0)   (also stored in the file)
    img2img clean latents / noise:     f(j, 500) / f(j, 501)
Stochastic steps draw their noise from torch.Generator().manual_seed(1234); the drawn tensors
are stored so a test can hand them back in the same order.
"""

import argparse
import importlib.util
import inspect
import json
import logging as _logging
import math
import os
import re
import sys
import types

import numpy as np
import torch

SHAPE = (1, 4, 2, 2)  # every scheduler here is element-wise: a few values per channel suffice
NUMEL = 16
NOISE_SEED = 1234


# ---------------------------------------------------------------------------------------------
# Loading diffusers' scheduler modules without the package __init__
# ---------------------------------------------------------------------------------------------

DRAWN_NOISE = []  # every tensor randn_tensor handed out since the last reset


def _stub_modules(src, version):
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    # huggingface_hub: only names imported at module level; nothing here is called.
    class _Err(Exception):
        pass

    hub = module("huggingface_hub", DDUFEntry=object, create_repo=None, hf_hub_download=None)
    hub.utils = module(
        "huggingface_hub.utils",
        EntryNotFoundError=_Err,
        HfHubHTTPError=_Err,
        RepositoryNotFoundError=_Err,
        RevisionNotFoundError=_Err,
        validate_hf_hub_args=lambda f: f,
    )

    pkg = module("diffusers", __version__=version, __path__=[os.path.join(src, "diffusers")])

    class _Logging:
        @staticmethod
        def get_logger(name):
            return _logging.getLogger(name)

    class BaseOutput:  # the schedulers only construct their output dataclasses and read fields
        pass

    class PushToHubMixin:
        pass

    class DummyObject(type):
        pass

    def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
        # diffusers' randn_tensor with a CPU generator is exactly this call
        t = torch.randn(shape, generator=generator, dtype=dtype)
        DRAWN_NOISE.append(t.clone())
        return t

    utils = module(
        "diffusers.utils",
        __path__=[],
        HUGGINGFACE_CO_RESOLVE_ENDPOINT="https://huggingface.co",
        DummyObject=DummyObject,
        deprecate=lambda *a, **k: None,
        extract_commit_hash=lambda *a, **k: None,
        http_user_agent=lambda *a, **k: "",
        logging=_Logging,
        BaseOutput=BaseOutput,
        PushToHubMixin=PushToHubMixin,
        is_scipy_available=lambda: True,
    )
    utils.torch_utils = module("diffusers.utils.torch_utils", randn_tensor=randn_tensor)

    def quad(fn, a, b, epsrel=None):
        x, w = np.polynomial.legendre.leggauss(8)
        a, b = float(a), float(b)
        mid, half = (a + b) / 2, (b - a) / 2
        return sum(float(wi) * float(fn(mid + half * float(xi))) for xi, wi in zip(x, w)) * half, 0.0

    scipy = module("scipy", __path__=[])
    scipy.integrate = module("scipy.integrate", quad=quad)
    scipy.stats = module("scipy.stats")
    pkg.schedulers = module("diffusers.schedulers", __path__=[os.path.join(src, "diffusers", "schedulers")])
    return pkg


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


CLASSES = {
    "DDIMScheduler": "scheduling_ddim",
    "PNDMScheduler": "scheduling_pndm",
    "LMSDiscreteScheduler": "scheduling_lms_discrete",
    "EulerDiscreteScheduler": "scheduling_euler_discrete",
    "EulerAncestralDiscreteScheduler": "scheduling_euler_ancestral_discrete",
    "DPMSolverMultistepScheduler": "scheduling_dpmsolver_multistep",
    "LCMScheduler": "scheduling_lcm",
}


def load_diffusers(src):
    init = open(os.path.join(src, "diffusers", "__init__.py"), encoding="utf-8").read()
    version = re.search(r'__version__\s*=\s*"([^"]+)"', init).group(1)
    pkg = _stub_modules(src, version)
    base = os.path.join(src, "diffusers")
    _load("diffusers.configuration_utils", os.path.join(base, "configuration_utils.py"))
    _load("diffusers.schedulers.scheduling_utils", os.path.join(base, "schedulers", "scheduling_utils.py"))
    for cls, mod in CLASSES.items():
        m = _load("diffusers.schedulers." + mod, os.path.join(base, "schedulers", mod + ".py"))
        setattr(pkg, cls, getattr(m, cls))  # from_config looks classes up on the package
    return pkg, version


# ---------------------------------------------------------------------------------------------
# Deterministic inputs
# ---------------------------------------------------------------------------------------------


def pattern(k):
    j = np.arange(NUMEL, dtype=np.float64)
    v = np.sin(0.731 * j + 1.37 * k + 0.25) + 0.5 * np.cos(0.419 * j - 0.83 * k + 1.1)
    return torch.from_numpy(v.astype(np.float32)).reshape(SHAPE)


def flat(t):
    return [float(f"{v:.8g}") for v in t.detach().reshape(-1).to(torch.float64).tolist()]


def exact(values):
    return [float(f"{float(v):.10g}") for v in values]


# ---------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------

SD15 = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
    "clip_sample": False,
}

KINDS = {
    # engine kind: (diffusers class, options the engine's kind implies)
    "ddim": ("DDIMScheduler", {}),
    "pndm": ("PNDMScheduler", {}),
    "lms": ("LMSDiscreteScheduler", {}),
    "euler": ("EulerDiscreteScheduler", {}),
    "euler_a": ("EulerAncestralDiscreteScheduler", {}),
    "dpmpp_2m": ("DPMSolverMultistepScheduler",
                 {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": False}),
    "dpmpp_2m_karras": ("DPMSolverMultistepScheduler",
                        {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": True}),
    "lcm": ("LCMScheduler", {}),
}


# AUTOMATIC1111's schedule types as diffusers' scheduler overview ("Noise schedules and schedule
# types") maps them: Karras -> use_karras_sigmas=True; sgm_uniform -> timestep_spacing="trailing";
# exponential -> timestep_spacing="linspace", use_exponential_sigmas=True. Uniform, which that table
# leaves out (it is the classes' default), is evenly spaced timesteps as the config spaces them with
# neither sigma option; a "trailing" config (that is SGM Uniform) gets "linspace". The other sigma
# option is turned off in each, since diffusers refuses two at once.
def schedule_options(schedule, config):
    off = {"use_karras_sigmas": False, "use_exponential_sigmas": False}
    if schedule == "uniform":
        spacing = "linspace" if config.get("timestep_spacing") == "trailing" else config.get("timestep_spacing")
        return {**off, "interpolation_type": "linear", **({"timestep_spacing": spacing} if spacing else {})}
    if schedule == "karras":
        return {**off, "use_karras_sigmas": True}
    if schedule == "exponential":
        return {**off, "use_exponential_sigmas": True, "timestep_spacing": "linspace"}
    if schedule == "sgm_uniform":
        return {**off, "interpolation_type": "linear", "timestep_spacing": "trailing"}
    raise ValueError(schedule)


SCHEDULE_TYPES = {
    # engine kind: the schedule types the engine runs it with besides Automatic
    "euler": ("uniform", "karras", "exponential", "sgm_uniform"),
    "lms": ("uniform", "karras", "exponential", "sgm_uniform"),
    "dpmpp_2m": ("uniform", "karras", "exponential", "sgm_uniform"),
    "euler_a": ("uniform", "sgm_uniform"),  # EulerAncestralDiscreteScheduler has no sigma options
}

# SDXL base 1.0's scheduler_config.json (the keys that matter here): "leading" spacing, steps_offset 1.
SDXL = {**SD15, "_class_name": "EulerDiscreteScheduler", "timestep_spacing": "leading", "interpolation_type": "linear",
        "use_karras_sigmas": False}


def checkpoints(start, length):
    picks = {start, start + 1, start + 2, (start + length - 1) // 2, length - 2, length - 1}
    return sorted(p for p in picks if start <= p < length)


def x0_from_alpha(sched, t, sample, model_output):
    """x0 for schedulers whose step does not return it (PNDM): from the model output at timestep t."""
    a = sched.alphas_cumprod[int(t)].to(torch.float64)
    x, out = sample.to(torch.float64), model_output.to(torch.float64)
    if sched.config.prediction_type == "v_prediction":
        return a.sqrt() * x - (1 - a).sqrt() * out
    return (x - (1 - a).sqrt() * out) / a.sqrt()


def run_one(pkg, kind, steps, overrides=None, strength=None, name=None, schedule=None, base=None):
    cls_name, implied = KINDS[kind]
    config = dict(base or SD15)
    config.update(overrides or {})
    options = schedule_options(schedule, config) if schedule else {}
    implied_here = {k: v for k, v in implied.items() if k not in options}
    sched = getattr(pkg, cls_name).from_config({**config, **implied_here, **options})
    sched.set_timesteps(steps)
    order = sched.order
    timesteps = sched.timesteps
    length = len(timesteps)
    has_sigmas = cls_name not in ("DDIMScheduler", "PNDMScheduler", "LCMScheduler")

    ac = sched.alphas_cumprod.to(torch.float64)
    if has_sigmas:
        sigma_at = exact(sched.sigmas[:length].tolist())
    else:
        alphas = [float(ac[int(t)]) for t in timesteps.tolist()]
        sigma_at = [math.sqrt((1 - a) / a) if a > 0 else math.inf for a in alphas]

    record = {
        "name": name or f"{kind}-{steps}",
        "steps": steps,
        "config": config,
        **({"kind": kind, "schedule": schedule, "diffusers_options": options} if schedule else {}),
        "timesteps": exact(timesteps.tolist()),
        "sigmas": exact(sched.sigmas.tolist()) if has_sigmas else [],
        "init_noise_sigma": float(sched.init_noise_sigma),
        "order": order,
        "sigma_at": sigma_at,
    }

    generator = torch.Generator().manual_seed(NOISE_SEED)
    DRAWN_NOISE.clear()
    if strength is None:
        start = 0
        sample = (pattern(0).to(torch.float64) * float(sched.init_noise_sigma)).to(torch.float32)
        record["sample0"] = flat(sample)
    else:
        # diffusers' img2img pipelines: timesteps[t_start * order:], begin index, add_noise at the first
        init_timestep = min(int(steps * strength), steps)
        t_start = max(steps - init_timestep, 0)
        start = t_start * order
        if hasattr(sched, "set_begin_index"):
            sched.set_begin_index(start)
        sample = sched.add_noise(pattern(500), pattern(501), timesteps[start:start + 1])
        record["strength"] = strength
        record["add_noise"] = flat(sample)
    record["start_index"] = start

    scales, steps_out = [], []
    marks = checkpoints(start, length)
    for i in range(start, length):
        t = timesteps[i]
        scaled = sched.scale_model_input(sample, t)
        scales.append(float(scaled.reshape(-1)[0].double() / sample.reshape(-1)[0].double()))
        model_output = pattern(i + 1)
        takes_generator = "generator" in inspect.signature(sched.step).parameters
        out = sched.step(model_output, t, sample, **({"generator": generator} if takes_generator else {}))
        prev = out.prev_sample
        if cls_name == "PNDMScheduler":
            x0 = x0_from_alpha(sched, t, sample, model_output)
        elif cls_name == "DPMSolverMultistepScheduler":
            x0 = sched.model_outputs[-1]  # convert_model_output's x0 for this step
        elif cls_name == "LCMScheduler":
            x0 = out.denoised
        else:
            x0 = out.pred_original_sample
        if i in marks:
            steps_out.append({"index": i, "prev_sample": flat(prev), "pred_original_sample": flat(x0)})
        sample = prev
    record["input_scale"] = scales
    record["checkpoints"] = steps_out
    record["noise"] = [flat(n) for n in DRAWN_NOISE]
    return record


def runs_for(pkg, kind):
    runs = [run_one(pkg, kind, n) for n in (1, 4, 15, 20, 50)]
    runs.append(run_one(pkg, kind, 20, strength=0.6, name=f"{kind}-img2img-20-s0.6"))
    runs.append(run_one(pkg, kind, 15, {"prediction_type": "v_prediction"}, name=f"{kind}-vpred-15"))
    runs.append(run_one(pkg, kind, 10, {"timestep_spacing": "trailing"}, name=f"{kind}-trailing-10"))
    other = "linspace" if kind in ("ddim", "pndm", "lcm") else "leading"
    runs.append(run_one(pkg, kind, 10, {"timestep_spacing": other}, name=f"{kind}-{other}-10"))
    if kind == "pndm":
        for n in (4, 15):
            runs.append(run_one(pkg, kind, n, {"skip_prk_steps": False}, name=f"pndm-prk-{n}"))
        runs.append(run_one(pkg, kind, 15, {"skip_prk_steps": False}, strength=0.6, name="pndm-prk-img2img-15"))
    if kind in ("ddim", "euler"):
        runs.append(run_one(pkg, kind, 10, {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02},
                            name=f"{kind}-linear-betas-10"))
        runs.append(run_one(pkg, kind, 10, {"beta_schedule": "squaredcos_cap_v2"}, name=f"{kind}-cosine-10"))
        runs.append(run_one(pkg, kind, 10, {"rescale_betas_zero_snr": True, "timestep_spacing": "trailing",
                                             "prediction_type": "v_prediction"}, name=f"{kind}-zero-snr-vpred-10"))
    if kind == "ddim":
        runs.append(run_one(pkg, kind, 10, {"clip_sample": True}, name="ddim-clip-10"))
        runs.append(run_one(pkg, kind, 10, {"set_alpha_to_one": True}, name="ddim-alpha-one-10"))
    if kind in ("euler", "lms"):
        runs.append(run_one(pkg, kind, 15, {"use_karras_sigmas": True}, name=f"{kind}-karras-15"))
        runs.append(run_one(pkg, kind, 15, {"use_exponential_sigmas": True}, name=f"{kind}-exponential-15"))
    if kind == "euler":
        runs.append(run_one(pkg, kind, 10, {"interpolation_type": "log_linear"}, name="euler-log-linear-10"))
        runs.append(run_one(pkg, kind, 10, {"final_sigmas_type": "sigma_min"}, name="euler-sigma-min-10"))
        runs.append(run_one(pkg, kind, 10, {"prediction_type": "v_prediction", "timestep_type": "continuous"},
                            name="euler-continuous-vpred-10"))
    if kind == "dpmpp_2m":
        runs.append(run_one(pkg, kind, 10, {"lower_order_final": False, "final_sigmas_type": "sigma_min"},
                            name="dpmpp_2m-no-lower-final-10"))
        runs.append(run_one(pkg, kind, 10, {"solver_type": "heun"}, name="dpmpp_2m-heun-10"))
        runs.append(run_one(pkg, kind, 10, {"euler_at_final": True, "final_sigmas_type": "sigma_min"},
                            name="dpmpp_2m-euler-final-10"))
        runs.append(run_one(pkg, kind, 10, {"lambda_min_clipped": -5.1}, name="dpmpp_2m-lambda-clipped-10"))
        runs.append(run_one(pkg, kind, 15, {"use_exponential_sigmas": True}, name="dpmpp_2m-exponential-15"))
        runs.append(run_one(pkg, kind, 10, {"rescale_betas_zero_snr": True, "timestep_spacing": "trailing",
                                             "prediction_type": "v_prediction"}, name="dpmpp_2m-zero-snr-vpred-10"))
    if kind == "dpmpp_2m_karras":
        runs.append(run_one(pkg, kind, 10, {"beta_schedule": "squaredcos_cap_v2"},
                            name="dpmpp_2m_karras-cosine-10"))
    if kind == "lcm":
        runs.append(run_one(pkg, kind, 4, {"original_inference_steps": 100}, name="lcm-original-100-4"))
    return runs


def schedule_type_runs(pkg):
    runs = []
    for kind, schedules in SCHEDULE_TYPES.items():
        for schedule in schedules:
            tag = f"{kind}-{schedule}"
            for n in (1, 4, 15):
                runs.append(run_one(pkg, kind, n, schedule=schedule, name=f"{tag}-{n}"))
            runs.append(run_one(pkg, kind, 20, strength=0.6, schedule=schedule, name=f"{tag}-img2img-20-s0.6"))
            runs.append(run_one(pkg, kind, 10, schedule=schedule, base=SDXL, name=f"{tag}-sdxl-leading-10"))
            if schedule in ("uniform", "karras"):
                runs.append(run_one(pkg, kind, 10, {"timestep_spacing": "trailing"}, schedule=schedule,
                                    name=f"{tag}-trailing-config-10"))
            if schedule == "karras" or kind == "euler_a":
                runs.append(run_one(pkg, kind, 10, {"prediction_type": "v_prediction"}, schedule=schedule,
                                    name=f"{tag}-vpred-10"))
            if kind != "euler_a":
                # a config that asks for the other sigma option: the schedule type overrides it
                other = {"use_exponential_sigmas": True} if schedule == "karras" else {"use_karras_sigmas": True}
                runs.append(run_one(pkg, kind, 10, other, schedule=schedule, name=f"{tag}-over-{next(iter(other))}-10"))
    return runs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True)
    parser.add_argument("--diffusers-commit", default="unknown")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    torch.set_num_threads(1)
    pkg, version = load_diffusers(os.path.abspath(args.diffusers_src))
    os.makedirs(args.out, exist_ok=True)
    total = 0
    for kind, (cls_name, implied) in KINDS.items():
        data = {
            "generated_by": "engine/tools/reference/make_scheduler_refs.py",
            "diffusers_version": version,
            "diffusers_commit": args.diffusers_commit,
            "torch_version": torch.__version__,
            "kind": kind,
            "diffusers_class": cls_name,
            "implied_config": implied,
            "shape": list(SHAPE),
            "noise_seed": NOISE_SEED,
            "runs": runs_for(pkg, kind),
        }
        path = os.path.join(args.out, kind + ".json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"), allow_nan=True)
            fh.write("\n")
        size = os.path.getsize(path)
        total += size
        print(f"{path}: {len(data['runs'])} runs, {size / 1024:.1f} KiB")
    data = {
        "generated_by": "engine/tools/reference/make_scheduler_refs.py",
        "diffusers_version": version,
        "diffusers_commit": args.diffusers_commit,
        "torch_version": torch.__version__,
        "shape": list(SHAPE),
        "noise_seed": NOISE_SEED,
        "runs": schedule_type_runs(pkg),
    }
    path = os.path.join(args.out, "schedule_types.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, separators=(",", ":"), allow_nan=True)
        fh.write("\n")
    size = os.path.getsize(path)
    total += size
    print(f"{path}: {len(data['runs'])} runs, {size / 1024:.1f} KiB")
    print(f"total {total / 1024:.1f} KiB")
