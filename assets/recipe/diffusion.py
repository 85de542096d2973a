"""SD's noise schedule, the training noise/weighting, and a DDIM sampler matching diffusers' DDIMScheduler.

Schedule: scaled_linear betas from 0.00085 to 0.012 over 1000 steps (diffusers:
betas = linspace(sqrt(0.00085), sqrt(0.012), 1000) ** 2), the schedule SD 1.x uses.
"""
import numpy as np
import torch

NUM_TRAIN_TIMESTEPS = 1000
BETA_START, BETA_END = 0.00085, 0.012


def alphas_cumprod():
    betas = torch.linspace(BETA_START ** 0.5, BETA_END ** 0.5, NUM_TRAIN_TIMESTEPS, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0)


class TrainingNoise:
    """Noising for epsilon-prediction training.

    Offset noise (a per-sample, per-channel constant added to the Gaussian noise) teaches the model
    to change a picture's mean colour: with SD's schedule the last timestep still leaks ~7% of the
    signal (sqrt(alpha_bar_999) ~ 0.068), so a model trained on plain noise learns to keep whatever
    mean the initial noise has, and flat backgrounds come out washed out. Min-SNR-gamma weighting
    (Hang et al. 2023) stops the easy low-noise steps from dominating the loss.

    High-noise weighting (`debias`): below SNR 1 the weight is also multiplied by 1/sqrt(SNR), as in the
    debiased estimation loss of Yu et al. 2024 (up to 14.6x at t = 999). Where the picture is nearly
    all noise only the caption says where an object goes, but an epsilon error there costs the picture
    sqrt(SNR) times less, so under the min-SNR weight alone those steps hardly steer training.
    `debias_max` caps that factor: uncapped, the steps above t = 400 take 90% of the summed weight
    and those below (where a shape's corners and points are drawn) 10%.
    """

    def __init__(self, offset=0.1, min_snr_gamma=5.0, debias=True, debias_max=None):
        self.ac = alphas_cumprod().float()
        self.offset = offset
        self.gamma = min_snr_gamma
        self.debias = debias
        self.debias_max = debias_max

    def noise(self, shape, generator):
        eps = torch.randn(shape, generator=generator)
        if self.offset:
            eps = eps + self.offset * torch.randn(shape[0], shape[1], 1, 1, generator=generator)
        return eps

    def add_noise(self, x0, eps, t):
        a = self.ac[t].view(-1, 1, 1, 1)
        return a.sqrt() * x0 + (1 - a).sqrt() * eps

    def loss_weights(self, t):
        snr = self.ac[t] / (1 - self.ac[t])
        w = torch.clamp(snr, max=self.gamma) / snr if self.gamma else torch.ones_like(snr)
        if not self.debias:
            return w
        factor = torch.clamp(snr, max=1.0).rsqrt()
        return w * (torch.clamp(factor, max=self.debias_max) if self.debias_max else factor)


def ddim_timesteps(steps):
    """diffusers DDIMScheduler.set_timesteps with SD 1.5's config (leading spacing, steps_offset=1)."""
    ratio = NUM_TRAIN_TIMESTEPS // steps
    return (np.arange(0, steps) * ratio).round()[::-1].astype(np.int64) + 1


@torch.no_grad()
def ddim_sample(unet, cond, uncond, shape, generator, steps=20, guidance=7.5):
    """Deterministic DDIM (eta=0) with classifier-free guidance; returns scaled latents.

    set_alpha_to_one=False as in SD 1.5: the final step's "previous" alpha is alphas_cumprod[0].
    """
    ac = alphas_cumprod().float()
    x = torch.randn(shape, generator=generator)  # init_noise_sigma is 1 for DDIM
    ratio = NUM_TRAIN_TIMESTEPS // steps
    context = torch.cat([uncond, cond])
    for t in ddim_timesteps(steps):
        tt = torch.full((2 * shape[0],), float(t))
        e_u, e_c = unet(torch.cat([x, x]), tt, context).chunk(2)
        eps = e_u + guidance * (e_c - e_u)
        a_t = ac[t]
        prev = t - ratio
        a_prev = ac[prev] if prev >= 0 else ac[0]
        x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x
