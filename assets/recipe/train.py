#!/usr/bin/env python3
"""Trains the default model from scratch on procedurally drawn captioned pictures, then exports it.

    python3 train.py RUN_DIR [--quick] [--export-to FOLDER]

Stages (each checkpoints into RUN_DIR every few minutes and resumes from there when re-run; a
finished stage is skipped):
  1. vae   - KL autoencoder, 4 latent channels, factor 8: L1 + L2 reconstruction + small KL term
  2. pool  - draws the stage-4 picture set, encodes it, picks scaling_factor = 1 / std(latents)
  3. text  - the text transformer alone on captions, learning to lay each scene out in its padding
             positions (layout.py), a few minutes
  4. unet  - text transformer and UNet jointly, epsilon prediction, captions dropped 10% of the
             time (classifier-free guidance), offset noise, min-SNR weighting, EMA weights
  5. export and preview - ONNX in the diffusers layout into RUN_DIR/model (and --export-to),
             then held-out captions sampled with DDIM 20 steps / CFG 7.5 and scored
Each stage also stops at its wall-clock budget (the minutes options), so the whole run fits in
two hours on two CPU cores; a stage stopped early says so in the log.
"""
import argparse
import copy
import json
import math
import os
import sys
import time

# Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine spinning threads
# fight the other processes and made training steps several times slower in measurements here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import diffusion  # noqa: E402
import export  # noqa: E402
import heldout  # noqa: E402
import layout  # noqa: E402
import models  # noqa: E402
import scenes  # noqa: E402
from tokenizer import WordTokenizer  # noqa: E402

FULL = dict(
    vae_channels=(16, 32, 64, 64), vae_steps=2900, vae_minutes=16.0, vae_batch=16, vae_crop=64, vae_lr=1e-3,
    vae_kl=1e-5, vae_edge_weight=20.0,
    pool=12000, pool_buckets=((192, 128, 1500), (128, 192, 1500)), vae_blend_weight=0.0,
    text_width=128, text_layers=3, text_heads=4, text_steps=1500, text_minutes=8.0, text_batch=128, text_lr=1e-3,
    layout_weight=0.1, grounding_weight=0.01,
    unet_channels=(64, 128, 128), unet_attention=(False, True, True), unet_steps=7400, unet_minutes=85.0,
    unet_batch=32, unet_lr=1e-3, cfg_drop=0.1, offset_noise=0.1, min_snr_gamma=5.0, debias=True,
    controlnet_pool=4000, controlnet_steps=1500, controlnet_minutes=15.0, controlnet_lr=2e-3, controlnet_ema=0.99,
    unet_positions=True, vae_ema=0.999, unet_ema=0.995, checkpoint_minutes=4.0, preview_steps=20, preview_guidance=7.5,
)
# The shapes trial (see the README): aspect buckets, the decoder's splice loss and cross-attention at
# 16x16 as well, in the same time. Measured against FULL it drew fewer named shapes, not more.
SHAPES_TRIAL = dict(pool=8000, pool_buckets=((192, 128, 2500), (128, 192, 2500)), vae_blend_weight=0.5,
                    unet_attention=(True, True, True), unet_minutes=88.0)
QUICK = dict(FULL, vae_steps=24, vae_minutes=2.0, pool=256, controlnet_pool=128, controlnet_steps=12, text_steps=24, text_minutes=1.0, unet_steps=24,
             unet_minutes=2.0, checkpoint_minutes=0.5, preview_steps=4)


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def save(path, obj):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)  # never leaves a half-written checkpoint behind


def lr_at(progress, step, peak, warmup=100):
    """Linear warm-up over `warmup` steps, then cosine decay to a tenth of the peak as progress goes 0 -> 1."""
    if step < warmup:
        return peak * (step + 1) / warmup
    p = min(1.0, max(0.0, progress))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def progress_of(step, total, elapsed, budget):
    """Fraction of the stage done: by steps, or by wall-clock budget when the machine is slower than planned
    (then the learning-rate schedule is compressed so it still anneals before the budget runs out)."""
    return max(step / total, elapsed / budget)


def ema_update(ema, model, step, decay):
    d = min(decay, (1 + step) / (10 + step))
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters()):
            e.mul_(d).add_(p.detach(), alpha=1 - d)


def resume(path, stage, modules, opt):
    """(step, elapsed seconds) of a stage's checkpoint, loading its named modules and optimiser; (0, 0.0) if none."""
    if not os.path.exists(path):
        return 0, 0.0
    ck = torch.load(path)
    for key, module in modules.items():
        module.load_state_dict(ck[key])
    opt.load_state_dict(ck["opt"])
    log(f"[{stage}] resuming at step {ck['step']}")
    return ck["step"], ck["elapsed"]


def save_checkpoint(path, modules, opt, step, prog):
    save(path, {**{key: m.state_dict() for key, m in modules.items()}, "opt": opt.state_dict(), "step": step,
                "elapsed": prog.elapsed()})


def torch_gen(seed, stage, step):
    return torch.Generator().manual_seed((seed * 1_000_003 + stage * 100_000_007 + step) % (2 ** 62))


class Progress:
    """Prints 'stage step/total loss samples/s elapsed ETA' about every 30 seconds."""

    def __init__(self, stage, total, budget_s, step, elapsed):
        self.stage, self.total, self.budget = stage, total, budget_s
        self.t0, self.e0, self.s0 = time.time(), elapsed, step
        self.last, self.losses, self.samples = time.time(), [], 0

    def elapsed(self):
        return self.e0 + time.time() - self.t0

    def update(self, step, loss, samples):
        self.losses.append(loss)
        self.samples += samples
        now = time.time()
        if now - self.last < 30 and step < self.total:
            return
        rate = self.samples / (now - self.last)
        steps_per_s = (step - self.s0) / max(1e-9, now - self.t0)
        eta = min((self.total - step) / max(1e-9, steps_per_s), max(0.0, self.budget - self.elapsed()))
        log(f"[{self.stage}] step {step}/{self.total} loss {np.mean(self.losses):.5f} {rate:.1f} samples/s "
            f"elapsed {self.elapsed() / 60:.1f} min ETA {eta / 60:.1f} min")
        self.last, self.losses, self.samples = now, [], 0


# ---------------------------------------------------------------- stage 1: autoencoder

def vae_batch(rng, cfg, combos, full):
    """Pixels in [-1, 1]: a few whole 128x128 pictures, or two crops per picture (offsets on the 8-pixel grid).

    Crops train the convolutions at a quarter of the cost (full-size backward passes ran ~7x slower
    per picture here); the occasional whole picture keeps the mid-block attention used to 16x16 latents.
    """
    if full:
        pics = [scenes.render(scenes.sample_scene(rng, combos), rng) for _ in range(cfg["vae_batch"] // 4)]
    else:
        pics, c = [], cfg["vae_crop"]
        for _ in range(cfg["vae_batch"] // 2):
            scene = scenes.sample_scene(rng, combos)
            pic = scenes.render(scene, rng)
            for _ in range(2):
                if rng.random() < 0.75:  # mostly around an object: the edges are what there is to learn
                    row, col = scenes.REGIONS[scene["objects"][rng.integers(len(scene["objects"]))]["region"]]
                    centre = (np.array([row, col]) + 0.5) * scenes.SIZE / 3 + rng.uniform(-16, 16, 2)
                    y, x = np.clip(np.round((centre - c / 2) / 8) * 8, 0, scenes.SIZE - c).astype(int)
                else:
                    y, x = rng.integers(0, (scenes.SIZE - c) // 8 + 1, 2) * 8
                pics.append(pic[y:y + c, x:x + c])
    x = torch.from_numpy(np.stack(pics)).permute(0, 3, 1, 2) * 2 - 1
    return x.contiguous(memory_format=torch.channels_last)


def psnr(a, b):
    """Per-picture PSNR in dB of pictures in [0, 1], averaged."""
    mse = ((a - b) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return float((10 * torch.log10(1 / mse)).mean())


def heldout_pictures(seeds=2):
    pics = []
    for i, s in enumerate(scenes.heldout_scenes(heldout.HELDOUT_SEED)):
        for k in range(seeds):
            pics.append(scenes.render(s, np.random.default_rng([99, i, k])))
    return torch.from_numpy(np.stack(pics)).permute(0, 3, 1, 2).contiguous()


@torch.no_grad()
def roundtrip_shapes(vae, seed=5):
    """The share of held-out objects score.py still finds as their named shape after the autoencoder's
    round trip: the ceiling of the whole model's shape score (a UNet cannot draw what the decoder blurs)."""
    import score
    doc = json.loads(heldout.text())
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(np.stack([scenes.render(s, rng) for s in scenes.evaluation_scenes(heldout.HELDOUT_SEED)]))
    x = x.permute(0, 3, 1, 2).contiguous() * 2 - 1
    rec = torch.cat([vae.decode(vae.encode(b)[0]) for b in x.split(16)]).clamp(-1, 1) * 0.5 + 0.5
    pics = (rec.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)
    objects = [o for p, s in zip(pics, doc["scenes"]) for o in score.score_picture(p, s, doc)["objects"]]
    return round(sum(o["shape_ok"] for o in objects) / len(objects), 4)


def edge_weights(x, weight, reach=2):
    """Per-pixel loss weights: 1 + weight within `reach` pixels of a colour edge of the target picture.
    A shape is a thin band of edge pixels in a flat picture; unweighted, the loss is almost all flat
    area, and the decoder rounds stars and corners off (see the recipe README)."""
    if not weight:
        return None
    dy = (x[:, :, 1:] - x[:, :, :-1]).abs().amax(1, keepdim=True)
    dx = (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().amax(1, keepdim=True)
    edge = torch.zeros_like(x[:, :1])
    edge[:, :, 1:] = torch.maximum(edge[:, :, 1:], dy)
    edge[:, :, :-1] = torch.maximum(edge[:, :, :-1], dy)
    edge[:, :, :, 1:] = torch.maximum(edge[:, :, :, 1:], dx)
    edge[:, :, :, :-1] = torch.maximum(edge[:, :, :, :-1], dx)
    edge = F.max_pool2d((edge > 0.1).float(), 2 * reach + 1, stride=1, padding=reach)
    return 1 + weight * edge


@torch.no_grad()
def evaluate_vae(vae, run):
    x = heldout_pictures()
    rec = torch.cat([vae.decode(vae.encode(b * 2 - 1)[0]) for b in x.split(16)]).clamp(-1, 1) * 0.5 + 0.5
    pooled = F.avg_pool2d(x, 8)
    result = {
        "pictures": len(x),
        "vae_psnr_db": psnr(rec, x),
        "avgpool8_nearest_psnr_db": psnr(F.interpolate(pooled, scale_factor=8.0, mode="nearest"), x),
        "avgpool8_bilinear_psnr_db": psnr(F.interpolate(pooled, scale_factor=8.0, mode="bilinear",
                                                        align_corners=False), x),
    }
    result["roundtrip_shapes_ok"] = roundtrip_shapes(vae)
    from PIL import Image
    grid = torch.cat([torch.cat(list(x[:8]), 2), torch.cat(list(rec[:8]), 2)], 1)
    Image.fromarray((grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)).save(
        os.path.join(run, "vae_reconstructions.png"))
    return result


def blend_loss(vae, z, x, rng):
    """Reconstruction of latents spliced from two pictures along a random box of latent cells.

    Inpainting with an ordinary model does exactly this splice at every step (the re-noised original
    outside the mask, the generated latent inside), and a decoder that never saw a seam invents colour
    fringes along it. Target: the two pictures cut along the same cells. The decoder alone learns it
    (the latents are detached), so the encoder's latent space stays what reconstruction made it."""
    b, _, h, w = z.shape
    m = torch.zeros(b, 1, h, w)
    for i in range(b):
        y0, y1 = sorted(rng.integers(0, h + 1, 2))
        x0, x1 = sorted(rng.integers(0, w + 1, 2))
        m[i, :, y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)] = 1.0
    other = torch.roll(torch.arange(b), 1)
    spliced = vae.decode(z.detach() * m + z.detach()[other] * (1 - m))
    mp = F.interpolate(m, scale_factor=8.0, mode="nearest")
    target = x * mp + x[other] * (1 - mp)
    return (spliced - target).abs().mean() + ((spliced - target) ** 2).mean()


def vae_from_model(run, folder, cfg, tok):
    """Takes the autoencoder stage from an exported model (its graphs read back by `from_onnx.py`) instead of
    training it: the same settings give autoencoders of quite different sharpness from run to run (see the
    README), so a UNet change is compared against the same autoencoder, and a model is rebuilt on its own."""
    import from_onnx  # noqa: PLC0415 (its load_pipeline imports this module)
    final = os.path.join(run, "vae_final.pt")
    if os.path.exists(final):
        return
    vae = from_onnx.load_pipeline(folder, cfg, tok)[2]
    vae.latent_gain.fill_(1.0)  # stage_pool measures the gain afresh, as after training
    with torch.no_grad():
        result = evaluate_vae(vae, run)
    log(f"[vae] taken from {folder}: {result}")
    save(final, {"config": vae.config, "ema": vae.state_dict(), "eval": {**result, "from": os.path.abspath(folder)}})


def stage_vae(run, cfg, seed, combos):
    final = os.path.join(run, "vae_final.pt")
    if os.path.exists(final):
        ck = torch.load(final)
        vae = models.AutoencoderKL(**ck["config"])
        vae.load_state_dict(ck["ema"])
        log(f"[vae] done earlier: {ck['eval']}")
        return vae.eval()
    torch.manual_seed(seed)
    vae = models.AutoencoderKL(cfg["vae_channels"]).to(memory_format=torch.channels_last)
    ema = copy.deepcopy(vae).requires_grad_(False)
    opt = torch.optim.AdamW(vae.parameters(), lr=cfg["vae_lr"], betas=(0.9, 0.99), weight_decay=0.0)
    path, modules = os.path.join(run, "vae.pt"), {"model": vae, "ema": ema}
    step, elapsed = resume(path, "vae", modules, opt)
    log(f"[vae] parameters: encoder {models.count_params(vae.encoder)}, decoder {models.count_params(vae.decoder)}")
    total, budget = cfg["vae_steps"], cfg["vae_minutes"] * 60
    prog = Progress("vae", total, budget, step, elapsed)
    last_save = time.time()

    def checkpoint():
        save_checkpoint(path, modules, opt, step, prog)

    while step < total and prog.elapsed() < budget:
        rng, gen = np.random.default_rng([seed, 1, step]), torch_gen(seed, 1, step)
        x = vae_batch(rng, cfg, combos, full=step % 8 == 7)
        for group in opt.param_groups:
            group["lr"] = lr_at(progress_of(step, total, prog.elapsed(), budget), step, cfg["vae_lr"])
        mean, logvar = vae.encode(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=gen)
        y = vae.decode(z)
        err = (y - x).abs() + (y - x) ** 2
        w = edge_weights(x, cfg["vae_edge_weight"])
        rec = err.mean() if w is None else (err * w).sum() / (w.sum() * x.shape[1])
        kl = 0.5 * (mean ** 2 + logvar.exp() - 1 - logvar).mean()
        loss = rec + cfg["vae_kl"] * kl
        if cfg["vae_blend_weight"]:
            loss = loss + cfg["vae_blend_weight"] * blend_loss(vae, z, x, rng)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        ema_update(ema, vae, step, cfg["vae_ema"])
        step += 1
        prog.update(step, float(loss), len(x))
        if time.time() - last_save > cfg["checkpoint_minutes"] * 60:
            checkpoint()
            last_save = time.time()
    if step < total:
        log(f"[vae] wall-clock budget reached at step {step} of {total}")
    checkpoint()
    ema = ema.to(memory_format=torch.contiguous_format).eval()
    result = evaluate_vae(ema, run)
    result["steps"] = step
    log(f"[vae] held-out reconstruction: {json.dumps(result)}")
    save(final, {"config": ema.config, "ema": ema.state_dict(), "eval": result})
    return ema


# ---------------------------------------------------------------- stage 2: latent pool

def stage_pool(run, cfg, seed, combos, vae):
    final = os.path.join(run, "pool.pt")
    if os.path.exists(final):
        pool = torch.load(final)
        log(f"[pool] done earlier: {len(pool['specs'])} pictures, scaling_factor {pool['scaling_factor']}")
        return pool
    n, chunk = cfg["pool"], 64
    rng = np.random.default_rng([seed, 2])
    specs = [scenes.sample_scene(rng, combos) for _ in range(n)]
    path = os.path.join(run, "pool_partial.pt")
    means, stds = [], []
    if os.path.exists(path):
        part = torch.load(path)
        means, stds = part["means"], part["stds"]
        log(f"[pool] resuming at picture {len(means) * chunk}")
    prog = Progress("pool", math.ceil(n / chunk), 1e9, len(means), 0.0)
    last_save = time.time()
    enc = copy.deepcopy(vae).to(memory_format=torch.channels_last)  # ~1.5x faster encoding here
    with torch.no_grad():
        for c in range(len(means), math.ceil(n / chunk)):
            prng = np.random.default_rng([seed, 2, c])
            pics = [scenes.render(s, prng) for s in specs[c * chunk:(c + 1) * chunk]]
            x = torch.from_numpy(np.stack(pics)).permute(0, 3, 1, 2) * 2 - 1
            mean, logvar = enc.encode(x.contiguous(memory_format=torch.channels_last))
            means.append(mean.half())
            stds.append(torch.exp(0.5 * logvar).half())
            prog.update(c + 1, 0.0, len(x))
            if time.time() - last_save > cfg["checkpoint_minutes"] * 60:
                save(path, {"means": means, "stds": stds})
                last_save = time.time()
    mean, std = torch.cat(means).float(), torch.cat(stds).float()
    sample = mean + std * torch.randn(mean.shape, generator=torch_gen(seed, 2, 0))
    channel_std = sample.std((0, 2, 3))
    # Equal spread per channel (see AutoencoderKL.latent_gain), but never blow a nearly empty channel up
    # into posterior noise for the UNet to model.
    gain = (channel_std.mean() / channel_std).clamp(max=10.0)
    g = gain.view(1, -1, 1, 1)
    mean, std, sample = (mean * g).half(), (std * g).half(), sample * g
    scaling = float(f"{1.0 / float(sample.std()):.5g}")
    log(f"[pool] latents before the channel gain: per-channel std {[round(float(v), 4) for v in channel_std]}; "
        f"gain {[round(float(v), 4) for v in gain]}; after: mean {float(sample.mean()):.4f} std "
        f"{float(sample.std()):.4f}, posterior std {float(std.float().mean()):.4f}; scaling_factor {scaling}")
    pool = {"means": mean, "stds": std, "specs": specs, "scaling_factor": scaling, "latent_gain": g,
            "buckets": [encode_bucket(cfg, seed, combos, enc, g, bucket, width, height, count)
                        for bucket, (width, height, count) in enumerate(cfg["pool_buckets"], 1)]}
    save(final, pool)
    if os.path.exists(path):
        os.remove(path)
    return pool


def encode_bucket(cfg, seed, combos, enc, gain, bucket, width, height, n, chunk=64):
    """Pictures of another aspect (SDXL's aspect buckets): the model learns that the grid of places and
    the shapes' proportions hold at other sizes, instead of losing the subject off its native square."""
    rng = np.random.default_rng([seed, 2, 1000 + bucket])
    specs = [scenes.sample_scene(rng, combos) for _ in range(n)]
    means, stds = [], []
    prog = Progress(f"pool {width}x{height}", math.ceil(n / chunk), 1e9, 0, 0.0)
    with torch.no_grad():
        for c in range(math.ceil(n / chunk)):
            prng = np.random.default_rng([seed, 2, 1000 + bucket, c])
            pics = [scenes.render(s, prng, width, height) for s in specs[c * chunk:(c + 1) * chunk]]
            x = torch.from_numpy(np.stack(pics)).permute(0, 3, 1, 2) * 2 - 1
            mean, logvar = enc.encode(x.contiguous(memory_format=torch.channels_last))
            means.append((mean * gain).half())
            stds.append((torch.exp(0.5 * logvar) * gain).half())
            prog.update(c + 1, 0.0, len(x))
    return {"width": width, "height": height, "means": torch.cat(means), "stds": torch.cat(stds), "specs": specs}


# ---------------------------------------------------------------- stage 3: text encoder alone

def layout_batch(specs, tok, captions):
    """Token ids, layout targets and which rows count (non-empty captions short enough to leave the slots)."""
    words = [tok.tokens(c) for c in captions]
    ids = torch.tensor([tok.encode_tokens(w) for w in words])
    target = torch.stack([layout.targets(s, w) for s, w in zip(specs, words)])
    keep = torch.tensor([0 < len(w) <= layout.MAX_WORDS for w in words])
    return ids, target, keep


def stage_text(run, cfg, seed, combos, tok):
    """Text transformer and layout head on captions of freshly drawn scenes (no pictures: thousands per second)."""
    final = os.path.join(run, "text_final.pt")
    if os.path.exists(final):
        ck = torch.load(final)
        log(f"[text] done earlier: {ck['eval']}")
        return ck
    torch.manual_seed(seed + 5)
    te = models.TextTransformer(len(tok), tok.eos_id, cfg["text_width"], cfg["text_layers"], cfg["text_heads"])
    head = layout.LayoutHead(cfg["text_width"])
    params = list(te.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=cfg["text_lr"], weight_decay=0.01)
    path, modules = os.path.join(run, "text.pt"), {"text_encoder": te, "head": head}
    step, elapsed = resume(path, "text", modules, opt)
    total, budget, b = cfg["text_steps"], cfg["text_minutes"] * 60, cfg["text_batch"]
    prog = Progress("text", total, budget, step, elapsed)
    last_save = time.time()

    def checkpoint():
        save_checkpoint(path, modules, opt, step, prog)

    while step < total and prog.elapsed() < budget:
        rng = np.random.default_rng([seed, 5, step])
        specs = [scenes.sample_scene(rng, combos) for _ in range(b)]
        ids, target, keep = layout_batch(specs, tok, [scenes.random_caption(s, rng) for s in specs])
        for group in opt.param_groups:
            group["lr"] = lr_at(progress_of(step, total, prog.elapsed(), budget), step, cfg["text_lr"])
        loss, _ = head.loss(te(ids)[0], target, keep)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        prog.update(step, float(loss), b)
        if time.time() - last_save > cfg["checkpoint_minutes"] * 60:
            checkpoint()
            last_save = time.time()
    if step < total:
        log(f"[text] wall-clock budget reached at step {step} of {total}")
    # Held-out scenes in their evaluation wording: can the encoder lay out combinations it never saw?
    held = scenes.evaluation_scenes(heldout.HELDOUT_SEED)
    with torch.no_grad():
        ids, target, keep = layout_batch(held, tok, [scenes.canonical_caption(s) for s in held])
        _, accuracy = head.eval().loss(te.eval()(ids)[0], target, keep)
    result = {"steps": step, "heldout_layouts_right": round(accuracy, 3)}
    log(f"[text] held-out captions laid out entirely right: {accuracy:.1%}")
    ck = {"text_encoder": te.state_dict(), "head": head.state_dict(), "eval": result}
    save(final, ck)
    if os.path.exists(path):
        os.remove(path)
    return ck


# ---------------------------------------------------------------- stage 4: text encoder + UNet

def build_text_unet(cfg, tok):
    te = models.TextTransformer(len(tok), tok.eos_id, cfg["text_width"], cfg["text_layers"], cfg["text_heads"])
    unet = models.UNet2DCondition(cfg["unet_channels"], cfg["unet_attention"], cross_attention_dim=cfg["text_width"],
                                  position_grid=scenes.SIZE // 8 if cfg.get("unet_positions") else None)
    return te, unet


@torch.no_grad()
def caption_probe(te, unet, pool, tok, noise, seed, n=32):
    """How much a wrong position or colour word raises the loss at high noise, in percent.

    Where the picture is mostly noise, only the caption says where an object goes; a model whose loss
    does not rise when "top left" becomes "bottom" is ignoring position words and will scatter objects.
    Measured on the first n one-object pictures of the pool, with fixed noise."""
    rng = np.random.default_rng([seed, 9])
    idx = [i for i, s in enumerate(pool["specs"]) if len(s["objects"]) == 1][:n]
    z0 = pool["means"][idx].float() * pool["scaling_factor"]

    def captions(key, options):
        out = []
        for i in idx:
            spec = copy.deepcopy(pool["specs"][i])
            obj = spec["objects"][0]
            if key:
                obj[key] = str(rng.choice([v for v in options if v not in (obj[key], spec["background"])]))
            out.append(scenes.canonical_caption(spec))
        return te(torch.tensor([tok.encode(c) for c in out]))[0]

    contexts = {k: captions(k, o) for k, o in ((None, None), ("region", scenes.REGION_NAMES),
                                                ("colour", scenes.COLOURS))}
    eps = torch.randn(z0.shape, generator=torch_gen(seed, 9, 0))
    result = {}
    for t in (700, 850):
        tt = torch.full((len(idx),), t)
        xt = noise.add_noise(z0, eps, tt)
        loss = {k: float(((unet(xt, tt.float(), c) - eps) ** 2).mean()) for k, c in contexts.items()}
        for k in ("region", "colour"):
            result[f"{k}@{t}"] = round(100 * (loss[k] / loss[None] - 1), 1)
    return result


def stage_unet(run, cfg, seed, pool, tok, text):
    final = os.path.join(run, "unet_final.pt")
    if os.path.exists(final):
        ck = torch.load(final)
        te, unet = build_text_unet(cfg, tok)
        te.load_state_dict(ck["text_encoder"])
        unet.load_state_dict(ck["unet"])
        log(f"[unet] done earlier after {ck['steps']} steps")
        return te.eval(), unet.eval()
    torch.manual_seed(seed + 3)
    te, unet = build_text_unet(cfg, tok)
    te.load_state_dict(text["text_encoder"])
    head = layout.LayoutHead(cfg["text_width"])
    head.load_state_dict(text["head"])
    ema_te, ema_unet = copy.deepcopy(te).requires_grad_(False), copy.deepcopy(unet).requires_grad_(False)
    # Position embeddings form their own group (no weight decay), after everything else, so a checkpoint
    # made before they existed still lines up with the first group.
    positions = [p for n, p in unet.named_parameters() if n.endswith("pos_embedding")]
    params = list(te.parameters()) + [p for n, p in unet.named_parameters() if not n.endswith("pos_embedding")]
    opt = torch.optim.AdamW(params, lr=cfg["unet_lr"], betas=(0.9, 0.999), weight_decay=0.01)
    # A faster learning rate for them (lr_scale): started small, at the shared rate they barely moved.
    later_groups = [{"params": positions, "weight_decay": 0.0, "lr_scale": 10.0}] if positions else []
    # The layout head keeps the text encoder's slots meaning what stage 3 taught them (see layout.py).
    later_groups.append({"params": list(head.parameters())})
    path = os.path.join(run, "unet.pt")
    networks = {"text_encoder": te, "unet": unet, "ema_text_encoder": ema_te, "ema_unet": ema_unet}
    step, elapsed = 0, 0.0
    if os.path.exists(path):
        ck = torch.load(path)
        for k, m in networks.items():
            missing, unexpected = m.load_state_dict(ck[k], strict=False)
            if unexpected or any(not n.endswith("pos_embedding") for n in missing):
                sys.exit(f"{path}: {k} does not match this recipe's model (missing {missing}, unexpected {unexpected})")
            if missing and k == "unet":
                log(f"[unet] the checkpoint has no position embeddings: adding {len(missing)} (sine-cosine start)")
        if "head" in ck:
            head.load_state_dict(ck["head"])
        # Groups the checkpoint's recipe did not have yet (position embeddings, the layout head) start fresh.
        saved = len(ck["opt"]["param_groups"]) - 1
        for g in later_groups[:saved]:
            opt.add_param_group(g)
        opt.load_state_dict(ck["opt"])
        for g in later_groups[saved:]:
            opt.add_param_group(g)
        step, elapsed = ck["step"], ck["elapsed"]
        log(f"[unet] resuming at step {step}")
    else:
        for g in later_groups:
            opt.add_param_group(g)
    params += list(head.parameters())
    log(f"[unet] parameters: text encoder {models.count_params(te)}, unet {models.count_params(unet)}")
    noise = diffusion.TrainingNoise(cfg["offset_noise"], cfg["min_snr_gamma"], cfg["debias"], cfg.get("debias_max"))
    cross_attentions = [m.block.attn2 for m in unet.modules() if isinstance(m, models.Transformer2D)]
    scale = pool["scaling_factor"]
    buckets = [(pool["means"], pool["stds"], pool["specs"])] + [(k["means"], k["stds"], k["specs"])
                                                                 for k in pool.get("buckets", [])]
    bucket_share = np.array([len(k[2]) for k in buckets], dtype=np.float64)
    bucket_share /= bucket_share.sum()
    unet.to(memory_format=torch.channels_last)  # ~1.2x faster steps here (not bit-identical to contiguous)
    total, budget, b = cfg["unet_steps"], cfg["unet_minutes"] * 60, cfg["unet_batch"]
    prog = Progress("unet", total, budget, step, elapsed)
    last_save = time.time()

    def checkpoint():
        save_checkpoint(path, {**networks, "head": head}, opt, step, prog)

    grounding_seen = []  # attention grounding cross-entropy (log 9 = 2.2 when attention ignores place)
    while step < total and prog.elapsed() < budget:
        rng, gen = np.random.default_rng([seed, 3, step]), torch_gen(seed, 3, step)
        # One aspect per batch, in proportion to the pool (a batch must be one tensor).
        means, stds, specs = buckets[rng.choice(len(buckets), p=bucket_share)] if len(buckets) > 1 else buckets[0]
        idx = rng.integers(len(specs), size=b)
        ti = torch.from_numpy(idx)
        z0 = (means[ti].float() + stds[ti].float() * torch.randn(b, *means.shape[1:], generator=gen)) * scale
        z0 = z0.contiguous(memory_format=torch.channels_last)
        captions = ["" if rng.random() < cfg["cfg_drop"] else scenes.random_caption(specs[i], rng) for i in idx]
        ids, target, keep = layout_batch([specs[i] for i in idx], tok, captions)
        t = torch.from_numpy(rng.integers(0, diffusion.NUM_TRAIN_TIMESTEPS, b))
        eps = noise.noise(z0.shape, gen)
        xt = noise.add_noise(z0, eps, t)
        for group in opt.param_groups:
            group["lr"] = group.get("lr_scale", 1.0) * lr_at(progress_of(step, total, prog.elapsed(), budget), step,
                                                              cfg["unet_lr"], warmup=200)
        context, _ = te(ids)
        grounding = cfg["grounding_weight"] > 0 and bool(keep.any())
        for a in cross_attentions:
            a.keep_probabilities = grounding
        pred = unet(xt, t.float(), context)
        per_sample = ((pred - eps) ** 2).mean((1, 2, 3))
        loss = (per_sample * noise.loss_weights(t)).mean()
        if cfg["layout_weight"]:
            loss = loss + cfg["layout_weight"] * head.loss(context, target, keep)[0]
        if grounding:
            grounding_ce = layout.grounding_loss(cross_attentions, keep, z0.shape[2], z0.shape[3])
            loss = loss + cfg["grounding_weight"] * grounding_ce
            grounding_seen.append(float(grounding_ce))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_update(ema_te, te, step, cfg["unet_ema"])
        ema_update(ema_unet, unet, step, cfg["unet_ema"])
        step += 1
        prog.update(step, float(per_sample.mean()), b)
        if time.time() - last_save > cfg["checkpoint_minutes"] * 60:
            checkpoint()
            last_save = time.time()
            log(f"[unet] wrong word raises the high-noise loss by (%): "
                f"{caption_probe(ema_te, ema_unet, pool, tok, noise, seed)}"
                + (f"; attention grounding loss {np.mean(grounding_seen):.3f}" if grounding_seen else ""))
            grounding_seen = []
    if step < total:
        log(f"[unet] wall-clock budget reached at step {step} of {total}")
    checkpoint()
    log(f"[unet] wrong word raises the high-noise loss by (%): {caption_probe(ema_te, ema_unet, pool, tok, noise, seed)}")
    save(final, {"text_encoder": ema_te.state_dict(), "unet": ema_unet.state_dict(), "steps": step,
                 "scaling_factor": scale, "latent_gain": pool["latent_gain"]})
    return ema_te.eval(), ema_unet.eval()


# ---------------------------------------------------------------- stage 6 (--controlnet): a scribble ControlNet

def control_pool(cfg, seed, combos, vae, scale):
    """Pictures with their scribbles (what an artist paints over them), encoded once, at every bucket."""
    sizes = [(scenes.SIZE, scenes.SIZE, cfg["controlnet_pool"])] + [tuple(b[:2]) + (cfg["controlnet_pool"] // 4,)
                                                                    for b in cfg["pool_buckets"]]
    buckets = []
    enc = copy.deepcopy(vae).to(memory_format=torch.channels_last)
    for k, (width, height, n) in enumerate(sizes):
        rng = np.random.default_rng([seed, 6, k])
        specs = [scenes.sample_scene(rng, combos) for _ in range(n)]
        latents, controls = [], []
        prog = Progress(f"controlnet pool {width}x{height}", math.ceil(n / 64), 1e9, 0, 0.0)
        with torch.no_grad():
            for c in range(math.ceil(n / 64)):
                prng = np.random.default_rng([seed, 6, k, c])
                pics, marks = [], []
                for spec in specs[c * 64:(c + 1) * 64]:
                    placed = []
                    pics.append(scenes.render(spec, prng, width, height, placed))
                    marks.append(scenes.scribble(placed, prng, width, height))
                x = torch.from_numpy(np.stack(pics)).permute(0, 3, 1, 2) * 2 - 1
                mean, _ = enc.encode(x.contiguous(memory_format=torch.channels_last))
                latents.append((mean * scale).half())  # the encoder applies the channel gain itself by now
                controls.append(torch.from_numpy((np.stack(marks) * 255).round().astype(np.uint8)))
                prog.update(c + 1, 0.0, len(x))
        buckets.append({"latents": torch.cat(latents), "controls": torch.cat(controls), "specs": specs})
    return buckets


@torch.no_grad()
def control_probe(cn, te, unet, bucket, tok, noise, seed, n=32):
    """How much the loss at t = 500 and 800 rises when each picture gets another picture's scribble, in
    percent, with captions that name no place: near zero means the ControlNet does not steer."""
    rng = np.random.default_rng([seed, 8])
    z0 = bucket["latents"][:n].float()
    ctx = te(torch.tensor([tok.encode(scenes.random_caption(s, rng, unplaced=True)) for s in bucket["specs"][:n]]))[0]
    cond = bucket["controls"][:n].float().div(255).unsqueeze(1).expand(-1, 3, -1, -1)
    eps = torch.randn(z0.shape, generator=torch_gen(seed, 8, 0))
    result = {}
    for t in (500, 800):
        tt = torch.full((n,), t)
        xt = noise.add_noise(z0, eps, tt)
        loss = {}
        for key, c in (("own", cond), ("other", cond.roll(1, 0))):
            down, mid = cn(xt, tt.float(), ctx, c)
            loss[key] = float(((unet(xt, tt.float(), ctx, down, mid) - eps) ** 2).mean())
        result[f"@{t}"] = round(100 * (loss["other"] / loss["own"] - 1), 1)
    return result


def stage_controlnet(run, cfg, seed, combos, vae, te, unet, tok, pool):
    """A scribble ControlNet for the trained model (models.ControlNet), the UNet and text encoder frozen."""
    final = os.path.join(run, "controlnet_final.pt")
    if os.path.exists(final):
        ck = torch.load(final)
        cn = models.ControlNet(unet.config)
        cn.load_state_dict(ck["ema"])
        log(f"[controlnet] done earlier after {ck['steps']} steps")
        return cn.eval()
    torch.manual_seed(seed + 6)
    cn = models.ControlNet(unet.config)
    ema = copy.deepcopy(cn).requires_grad_(False)
    te, unet = te.eval().requires_grad_(False), unet.eval().requires_grad_(False)
    opt = torch.optim.AdamW(cn.parameters(), lr=cfg["controlnet_lr"], betas=(0.9, 0.999), weight_decay=0.01)
    path, modules = os.path.join(run, "controlnet.pt"), {"model": cn, "ema": ema}
    step, elapsed = resume(path, "controlnet", modules, opt)
    buckets = control_pool(cfg, seed, combos, vae, pool["scaling_factor"])
    share = np.array([len(b["specs"]) for b in buckets], dtype=np.float64)
    share /= share.sum()
    log(f"[controlnet] parameters: {models.count_params(cn)}")
    noise = diffusion.TrainingNoise(cfg["offset_noise"], cfg["min_snr_gamma"], cfg["debias"], cfg.get("debias_max"))
    total, budget, b = cfg["controlnet_steps"], cfg["controlnet_minutes"] * 60, cfg["unet_batch"]
    prog = Progress("controlnet", total, budget, step, elapsed)
    last_save = time.time()
    while step < total and prog.elapsed() < budget:
        rng, gen = np.random.default_rng([seed, 7, step]), torch_gen(seed, 7, step)
        bucket = buckets[rng.choice(len(buckets), p=share)]
        idx = torch.from_numpy(rng.integers(len(bucket["specs"]), size=b))
        z0 = bucket["latents"][idx].float()
        cond = bucket["controls"][idx].float().div(255).unsqueeze(1).expand(-1, 3, -1, -1)
        # Mostly captions that name no place: the scribble is what says where, as when an artist sketches.
        captions = ["" if rng.random() < cfg["cfg_drop"] else
                    scenes.random_caption(bucket["specs"][i], rng, unplaced=True if rng.random() < 0.7 else None)
                    for i in idx.tolist()]
        with torch.no_grad():
            context = te(torch.tensor([tok.encode(c) for c in captions]))[0]
        t = torch.from_numpy(rng.integers(0, diffusion.NUM_TRAIN_TIMESTEPS, b))
        eps = noise.noise(z0.shape, gen)
        xt = noise.add_noise(z0, eps, t)
        for group in opt.param_groups:
            group["lr"] = lr_at(progress_of(step, total, prog.elapsed(), budget), step, cfg["controlnet_lr"])
        down, mid = cn(xt, t.float(), context, cond)
        pred = unet(xt, t.float(), context, down, mid)
        per_sample = ((pred - eps) ** 2).mean((1, 2, 3))
        loss = (per_sample * noise.loss_weights(t)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(cn.parameters(), 1.0)
        opt.step()
        ema_update(ema, cn, step, cfg["controlnet_ema"])
        step += 1
        prog.update(step, float(per_sample.mean()), b)
        if time.time() - last_save > cfg["checkpoint_minutes"] * 60:
            save_checkpoint(path, modules, opt, step, prog)
            last_save = time.time()
            log(f"[controlnet] another picture's scribble raises the loss by (%): "
                f"{control_probe(ema, te, unet, buckets[0], tok, noise, seed)}")
    if step < total:
        log(f"[controlnet] wall-clock budget reached at step {step} of {total}")
    save_checkpoint(path, modules, opt, step, prog)
    log(f"[controlnet] another picture's scribble raises the loss by (%): "
        f"{control_probe(ema, te, unet, buckets[0], tok, noise, seed)}")
    save(final, {"ema": ema.state_dict(), "steps": step})
    return ema.eval()


# ---------------------------------------------------------------- stage 5: export and preview

def preview(run, cfg, seed, te, unet, vae, tok, scale):
    import sample
    import score
    from PIL import Image
    doc = json.loads(heldout.text())
    folder = os.path.join(run, "preview")
    os.makedirs(folder, exist_ok=True)
    models_ = sample.TorchModels(te, unet, vae, tok, scale)
    pics = sample.generate(models_, [s["caption"] for s in doc["scenes"]], cfg["preview_steps"],
                           cfg["preview_guidance"], seed)
    for s, p in zip(doc["scenes"], pics):
        Image.fromarray(p).save(os.path.join(folder, s["id"] + ".png"))
    results = score.score_folder(folder, doc)
    summary = score.summary(results)
    with open(os.path.join(folder, "score.json"), "w") as f:
        json.dump({"summary": summary, "results": results}, f, indent=1)
    log(f"[preview] held-out captions, DDIM {cfg['preview_steps']} steps, CFG {cfg['preview_guidance']}: "
        f"{json.dumps(summary)}")
    return summary


MODEL_CARD = """# Default model

A small Stable Diffusion (text encoder, UNet, KL autoencoder) trained from scratch by the recipe in
`assets/recipe/` on procedurally drawn pictures of coloured shapes; it needs no download.

- Native size {size}x{size} ({lat}x{lat} latents); width and height must be multiples of 32.
- Vocabulary: colours {colours}; shapes {shapes}; sizes small/large; positions left, right, top, bottom,
  centre/middle and corners; "on a <colour> background". Other words map to the unknown token.
- Prompt like: "a small blue star at the top right on a yellow background".
- Scheduler config: DDIM with SD 1.5's betas, what the recipe samples and scores with (PNDM, SD 1.5's default,
  ruins this model's pictures); {steps} steps, guidance {cfg}.
- vae_encoder outputs the posterior mean (unscaled); latents are multiplied by scaling_factor
  ({scale}) for the UNet and divided by it before vae_decoder, as with SD.
- Parameters: text encoder {p_te}, UNet {p_unet}, VAE encoder {p_enc}, decoder {p_dec}.
- Trained {unet_steps} UNet steps; held-out autoencoder PSNR {psnr:.2f} dB
  (8x average pooling: {pool_psnr:.2f} dB). Held-out captions (DDIM {steps}, CFG {cfg}): {preview}.
- The autoencoder adds a fixed colour shortcut to its learned encoder and decoder, the UNet's attention
  blocks add learned position embeddings, and the text encoder's last ten padding outputs hold the
  caption's layout, one per cell of a 3x3 grid (layout slots; see the recipe's README).
- Trained on {trained_sizes}; other sizes keep the 3x3 grid of places.
- unet/model.onnx also takes ControlNet residuals (down_block_0..{res_last}_additional_residual,
  mid_block_additional_residual; zeros without control), so ControlNets trained for it need no second UNet.

Rebuild: see assets/recipe/README.md.
"""


def stage_export(run, cfg, seed, vae, te, unet, tok, pool, export_to):
    vae_eval = torch.load(os.path.join(run, "vae_final.pt"))["eval"]
    unet_steps = torch.load(os.path.join(run, "unet_final.pt"))["steps"]
    summary_path = os.path.join(run, "preview", "score.json")
    if not os.path.exists(summary_path):
        preview(run, cfg, seed, te, unet, vae, tok, pool["scaling_factor"])
    with open(summary_path) as f:
        s = json.load(f)["summary"]
    notes = MODEL_CARD.format(
        size=scenes.SIZE, lat=scenes.SIZE // 8, colours=", ".join(scenes.COLOURS), shapes=", ".join(scenes.SHAPES),
        steps=cfg["preview_steps"], cfg=cfg["preview_guidance"], scale=pool["scaling_factor"],
        trained_sizes=(f"{scenes.SIZE}x{scenes.SIZE}" + "".join(f", {w}x{h}" for w, h, _ in cfg["pool_buckets"])
                       + " pictures" + (" (aspect buckets)" if cfg["pool_buckets"] else "")),
        res_last=len(export.residual_names(unet)) - 2, p_te=models.count_params(te), p_unet=models.count_params(unet),
        p_enc=models.count_params(vae.encoder), p_dec=models.count_params(vae.decoder), unet_steps=unet_steps,
        psnr=vae_eval["vae_psnr_db"], pool_psnr=vae_eval["avgpool8_bilinear_psnr_db"],
        preview=f"background right {s['background_ok']:.0%}, objects present {s['objects_ok']:.0%}, "
                f"named shape drawn {s['shapes_ok']:.0%}, whole picture right {s['pictures_ok']:.0%} of {s['pictures']}")
    for out in [os.path.join(run, "model")] + ([export_to] if export_to else []):
        export.export_pipeline(out, vae, te, unet, tok, pool["scaling_factor"], scenes.SIZE, notes)
        sizes = export.check_exported(out, len(export.residual_names(unet)))
        total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
        log(f"[export] {out}: graphs {sizes}, {total / 2 ** 20:.1f} MiB in all")


CONTROLNET_CARD = """# Scribble ControlNet for the default model

Trained by the recipe in `assets/recipe/` (`train.py RUN_DIR --controlnet`) for `assets/default-model`:
the control picture is white strokes on black (filled shapes or outlines, as an artist paints them) at
the generation's size; the base model's `unet/model.onnx` takes its residuals. {params} parameters,
{steps} training steps. Use it with `generate --control SKETCH.png --control-model
assets/default-model/controlnets/scribble --control-preprocessor scribble` and a prompt that need not
name places.
"""


def export_controlnet_into(folders, run, cn, unet):
    """Into each model folder's controlnets/scribble, as OnnxStack's model sets keep their ControlNets."""
    steps = torch.load(os.path.join(run, "controlnet_final.pt"))["steps"]
    for folder in folders:
        out = os.path.join(folder, "controlnets", "scribble")
        export.export_controlnet(out, cn, unet, scenes.SIZE,
                                 CONTROLNET_CARD.format(steps=steps, params=models.count_params(cn)))
        log(f"[export] {out}: {os.path.getsize(os.path.join(out, 'model.onnx')) / 2 ** 20:.1f} MiB")
        card = os.path.join(folder, "README.md")
        line = SCRIBBLE_CARD_LINE.format(steps=steps)
        if os.path.exists(card):
            with open(card) as f:
                text = f.read()
            if "- controlnets/scribble:" not in text:
                tmp = card + ".tmp"
                with open(tmp, "w") as f:
                    f.write(text.replace("\nRebuild:", line + "\nRebuild:", 1))
                os.replace(tmp, card)


SCRIBBLE_CARD_LINE = ("- controlnets/scribble: its scribble ControlNet (white strokes on black at the generation's size), "
                      "trained for it ({steps} steps).\n")


def controlnet_for(base, run, cfg, seed, combos, tok):
    """The scribble ControlNet for an exported model folder whose run folder may be gone."""
    import from_onnx  # noqa: PLC0415
    te, unet, vae, scale = from_onnx.load_pipeline(base, cfg, tok)
    log(f"[controlnet] weights of {base} read back from its graphs")
    unet_path = os.path.join(base, "unet", "model.onnx")
    if not export.unet_takes_residuals(unet_path):
        # The same weights, now with the residual inputs (zeros give the old graph's outputs exactly).
        export.export_graph(base, "unet", export.graph_specs(vae, te, unet, tok, scenes.SIZE)["unet"])
        export.check_exported(base, len(export.residual_names(unet)))
        log(f"[export] {unet_path}: re-exported with ControlNet residual inputs")
    cn = stage_controlnet(run, cfg, seed, combos, vae, te, unet, tok, {"scaling_factor": scale})
    export_controlnet_into([base], run, cn, unet)


def bucket_list(text):
    """'192x128:1500,128x192:1500' -> ((192, 128, 1500), (128, 192, 1500)); 'none' -> ()."""
    if text.strip().lower() == "none":
        return ()
    buckets = []
    for part in text.split(","):
        try:
            size, count = part.strip().split(":")
            width, height = (int(v) for v in size.lower().split("x"))
            count = int(count)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{part.strip()}': expected WIDTHxHEIGHT:COUNT, e.g. 192x128:1500")
        if width <= 0 or height <= 0 or width % 32 or height % 32 or count <= 0:
            raise argparse.ArgumentTypeError(f"'{part.strip()}': expected a size in multiples of 32 pixels "
                                             "(the UNet's coarsest level) and a positive picture count")
        buckets.append((width, height, count))
    return tuple(buckets)


def main(argv=None):
    p = argparse.ArgumentParser(description="Train the default model (see the module docstring).")
    p.add_argument("run", help="run folder for checkpoints and outputs (keep it outside the repository)")
    p.add_argument("--quick", action="store_true", help="a few steps of every stage, to test the recipe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export-to", help="also export the finished model into this folder")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--until", choices=["vae", "pool", "text", "unet"], help="stop after this stage")
    p.add_argument("--shapes-trial", action="store_true",
                   help="the shapes trial's settings (aspect buckets, splice loss, cross-attention at 16x16)")
    p.add_argument("--controlnet", action="store_true",
                   help="after the model, train the scribble ControlNet (exported into the model's controlnets/scribble)")
    p.add_argument("--autoencoder-from", metavar="MODEL_DIR",
                   help="take the autoencoder stage from this exported model instead of training it")
    p.add_argument("--base", metavar="MODEL_DIR",
                   help="instead of training a model, train the scribble ControlNet for this exported one (its weights "
                        "read back from its graphs; its UNet re-exported with ControlNet inputs if it has none)")
    overrides = {k: int for k in ("vae_steps", "unet_steps", "pool")}
    overrides["pool_buckets"] = bucket_list
    overrides.update({k: float for k in ("vae_minutes", "unet_minutes", "unet_lr", "vae_edge_weight", "debias_max")})
    for k, kind in overrides.items():
        p.add_argument("--" + k.replace("_", "-"), type=kind)
    a = p.parse_args(argv)
    if a.debias_max is not None and not a.debias_max >= 1:
        p.error(f"--debias-max {a.debias_max}: expected the largest high-noise loss factor, 1 or more (e.g. 2)")
    cfg = dict(QUICK if a.quick else FULL)
    if a.shapes_trial:
        cfg.update(SHAPES_TRIAL, **({"pool": 256, "pool_buckets": ((192, 128, 64), (128, 192, 64)), "unet_minutes": 2.0}
                                    if a.quick else {}))
    for k in overrides:
        if getattr(a, k) is not None:
            cfg[k] = getattr(a, k)
    torch.set_num_threads(a.threads)
    os.makedirs(a.run, exist_ok=True)
    with open(heldout.PATH) as f:
        if f.read() != heldout.text():
            sys.exit("heldout.json is out of date with the scene code: run heldout.py")
    combos = scenes.heldout_combos(scenes.heldout_scenes(heldout.HELDOUT_SEED))
    with open(os.path.join(a.run, "config.json"), "w") as f:
        json.dump({"seed": a.seed, **cfg}, f, indent=1)
    log(f"run {a.run}: {'quick' if a.quick else 'full'} config, seed {a.seed}, {a.threads} threads")
    t0 = time.time()
    tok = WordTokenizer()
    if a.base:
        controlnet_for(a.base, a.run, cfg, a.seed, combos, tok)
        log(f"finished in {(time.time() - t0) / 60:.1f} min (this session)")
        return
    if a.autoencoder_from:
        vae_from_model(a.run, a.autoencoder_from, cfg, tok)
    vae = stage_vae(a.run, cfg, a.seed, combos)
    if a.until == "vae":
        return
    pool = stage_pool(a.run, cfg, a.seed, combos, vae)
    vae.latent_gain.copy_(pool["latent_gain"])
    if a.until == "pool":
        return
    text = stage_text(a.run, cfg, a.seed, combos, tok)
    if a.until == "text":
        return
    te, unet = stage_unet(a.run, cfg, a.seed, pool, tok, text)
    if a.until == "unet":
        return
    stage_export(a.run, cfg, a.seed, vae, te, unet, tok, pool, a.export_to)
    if a.controlnet:
        cn = stage_controlnet(a.run, cfg, a.seed, combos, vae, te, unet, tok, pool)
        export_controlnet_into([os.path.join(a.run, "model")] + ([a.export_to] if a.export_to else []), a.run, cn, unet)
    log(f"finished in {(time.time() - t0) / 60:.1f} min (this session)")


if __name__ == "__main__":
    main()
