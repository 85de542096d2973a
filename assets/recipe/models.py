"""The three Stable Diffusion components at small scale, structured like their diffusers counterparts.

- AutoencoderKL: encoder/decoder of ResNet blocks with a mid-block self-attention, diagonal
  Gaussian posterior (mean, log-variance), downsampling factor 2^(len(block_out_channels)-1) = 8.
- TextTransformer: CLIP's text tower (token + learned position embeddings, pre-LN causal
  transformer with quick-GELU MLPs, final layer norm, pooled output at the first EOS).
- UNet2DCondition: SD's UNet (ResNet blocks with timestep embedding, spatial transformers with
  self-attention, cross-attention on the text states and a GEGLU feed-forward, skip connections),
  predicting epsilon.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- shared blocks

class ResnetBlock(nn.Module):
    """diffusers ResnetBlock2D: GroupNorm-SiLU-conv twice, optional timestep shift, 1x1 shortcut."""

    def __init__(self, cin, cout, groups, temb_dim=None):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-6)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_dim, cout) if temb_dim else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-6)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Attention(nn.Module):
    """Multi-head attention; keys/values come from `context` when given (cross-attention)."""

    def __init__(self, dim, heads, context_dim=None):
        super().__init__()
        context_dim = context_dim or dim
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        self.keep_probabilities = False  # training only: the recipe's attention grounding loss reads them
        self.probabilities = None

    def forward(self, x, context=None, mask=None):
        context = x if context is None else context
        b, n, d = x.shape
        h = self.heads
        q = self.to_q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.to_k(context).reshape(b, -1, h, d // h).transpose(1, 2)
        v = self.to_v(context).reshape(b, -1, h, d // h).transpose(1, 2)
        w = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d // h))
        if mask is not None:
            w = w + mask
        p = w.softmax(dim=-1)
        if self.keep_probabilities:
            self.probabilities = p
        out = torch.matmul(p, v)
        return self.to_out(out.transpose(1, 2).reshape(b, n, d))


class SpatialSelfAttention(nn.Module):
    """The VAE mid-block attention: one head over all positions, residual."""

    def __init__(self, channels, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.attn = Attention(channels, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        h = self.group_norm(x).reshape(b, c, -1).transpose(1, 2)
        h = self.attn(h).transpose(1, 2).reshape(b, c, hh, ww)
        return x + h


# ---------------------------------------------------------------- autoencoder

class Encoder(nn.Module):
    def __init__(self, channels, layers, groups, latent):
        super().__init__()
        self.conv_in = nn.Conv2d(3, channels[0], 3, padding=1)
        self.down = nn.ModuleList()
        cin = channels[0]
        for i, c in enumerate(channels):
            block = nn.Module()
            block.resnets = nn.ModuleList([ResnetBlock(cin if j == 0 else c, c, groups) for j in range(layers)])
            # diffusers Downsample2D in the VAE: pad right/bottom by one, 3x3 conv, stride 2
            block.downsample = nn.Conv2d(c, c, 3, stride=2) if i < len(channels) - 1 else None
            self.down.append(block)
            cin = c
        self.mid = nn.ModuleList([ResnetBlock(cin, cin, groups), SpatialSelfAttention(cin, groups),
                                  ResnetBlock(cin, cin, groups)])
        self.norm_out = nn.GroupNorm(groups, cin, eps=1e-6)
        self.conv_out = nn.Conv2d(cin, 2 * latent, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for block in self.down:
            for r in block.resnets:
                h = r(h)
            if block.downsample is not None:
                h = block.downsample(F.pad(h, (0, 1, 0, 1)))
        for m in self.mid:
            h = m(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, channels, layers, groups, latent):
        super().__init__()
        rev = list(reversed(channels))
        self.conv_in = nn.Conv2d(latent, rev[0], 3, padding=1)
        self.mid = nn.ModuleList([ResnetBlock(rev[0], rev[0], groups), SpatialSelfAttention(rev[0], groups),
                                  ResnetBlock(rev[0], rev[0], groups)])
        self.up = nn.ModuleList()
        cin = rev[0]
        for i, c in enumerate(rev):
            block = nn.Module()
            block.resnets = nn.ModuleList([ResnetBlock(cin if j == 0 else c, c, groups) for j in range(layers + 1)])
            block.upsample = nn.Conv2d(c, c, 3, padding=1) if i < len(rev) - 1 else None
            self.up.append(block)
            cin = c
        self.norm_out = nn.GroupNorm(groups, cin, eps=1e-6)
        self.conv_out = nn.Conv2d(cin, 3, 3, padding=1)

    def forward(self, z):
        h = self.conv_in(z)
        for m in self.mid:
            h = m(h)
        for block in self.up:
            for r in block.resnets:
                h = r(h)
            if block.upsample is not None:
                h = block.upsample(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoencoderKL(nn.Module):
    """KL autoencoder; with `colour_shortcut`, a residual one (the idea of DC-AE's non-parametric
    shortcuts, Chen et al. 2024): the latent mean is the 8x8 average colour in channels 0-2 plus
    the encoder's output, and the picture is the bilinearly upsampled channels 0-2 plus the
    decoder's output. Both networks start at zero, so training starts from the average-pooling
    autoencoder and only has to learn what it misses (edges), and latent channels 0-2 carry the
    colours almost linearly, which the diffusion model finds easy to get right."""

    def __init__(self, block_out_channels=(32, 32, 64, 64), layers_per_block=1, norm_num_groups=8,
                 latent_channels=4, colour_shortcut=True):
        super().__init__()
        self.config = dict(block_out_channels=list(block_out_channels), layers_per_block=layers_per_block,
                           norm_num_groups=norm_num_groups, latent_channels=latent_channels,
                           colour_shortcut=colour_shortcut)
        self.factor = 2 ** (len(block_out_channels) - 1)
        self.colour_shortcut = colour_shortcut
        self.encoder = Encoder(block_out_channels, layers_per_block, norm_num_groups, latent_channels)
        self.decoder = Decoder(block_out_channels, layers_per_block, norm_num_groups, latent_channels)
        self.quant_conv = nn.Conv2d(2 * latent_channels, 2 * latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(latent_channels, latent_channels, 1)
        # Per-channel gain applied to the latents after training (and undone before decoding), so
        # every channel has the same spread and one scaling factor normalises them all.
        self.register_buffer("latent_gain", torch.ones(1, latent_channels, 1, 1))
        with torch.no_grad():
            if colour_shortcut:
                for conv in (self.quant_conv, self.decoder.conv_out):
                    conv.weight.zero_()
                    conv.bias.zero_()
            # Start with a narrow posterior (std ~0.007): at the default std ~1 the sampled latents
            # are almost pure noise and the decoder learns nothing until the encoder shrinks it.
            self.quant_conv.bias[latent_channels:] = -10.0

    def encode(self, x):
        """Pixels in [-1, 1] to the posterior's (mean, logvar), unscaled."""
        mean, logvar = self.quant_conv(self.encoder(x)).chunk(2, dim=1)
        if self.colour_shortcut:
            mean = mean + F.pad(F.avg_pool2d(x, self.factor), (0, 0, 0, 0, 0, mean.shape[1] - 3))
        g = self.latent_gain
        return mean * g, logvar.clamp(-30.0, 20.0) + 2 * torch.log(g)

    def decode(self, z):
        """Unscaled latents to pixels in (about) [-1, 1]."""
        z = z / self.latent_gain
        out = self.decoder(self.post_quant_conv(z))
        if self.colour_shortcut:
            out = out + F.interpolate(z[:, :3], scale_factor=float(self.factor), mode="bilinear",
                                      align_corners=False)
        return out


# ---------------------------------------------------------------- text encoder

class TextTransformer(nn.Module):
    def __init__(self, vocab_size, eos_id, width=128, layers=3, heads=4, max_positions=77):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, eos_token_id=eos_id, hidden_size=width, num_hidden_layers=layers,
                           num_attention_heads=heads, intermediate_size=4 * width,
                           max_position_embeddings=max_positions, hidden_act="quick_gelu")
        self.eos_id = eos_id
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(max_positions, width)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            layer = nn.Module()
            layer.layer_norm1 = nn.LayerNorm(width)
            layer.self_attn = Attention(width, heads)
            layer.layer_norm2 = nn.LayerNorm(width)
            layer.fc1 = nn.Linear(width, 4 * width)
            layer.fc2 = nn.Linear(4 * width, width)
            self.layers.append(layer)
        self.final_layer_norm = nn.LayerNorm(width)
        mask = torch.full((max_positions, max_positions), -1e9).triu(1)
        self.register_buffer("causal_mask", mask, persistent=False)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.01)

    def forward(self, input_ids):
        """input_ids [B, L] (any integer dtype) -> (last_hidden_state [B, L, D], pooler_output [B, D])."""
        ids = input_ids.long()
        n = ids.shape[1]
        h = self.token_embedding(ids) + self.position_embedding.weight[:n].unsqueeze(0)
        mask = self.causal_mask[:n, :n]
        for layer in self.layers:
            h = h + layer.self_attn(layer.layer_norm1(h), mask=mask)
            x = layer.fc1(layer.layer_norm2(h))
            h = h + layer.fc2(x * torch.sigmoid(1.702 * x))
        h = self.final_layer_norm(h)
        # CLIP pools at the first end-of-text token.
        eos_pos = (ids == self.eos_id).float().argmax(dim=-1)
        pooled = h[torch.arange(h.shape[0]), eos_pos]
        return h, pooled


# ---------------------------------------------------------------- UNet

def timestep_embedding(t, dim):
    """diffusers get_timestep_embedding with SD's settings (flip_sin_to_cos=True, freq_shift=0)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TransformerBlock(nn.Module):
    """diffusers BasicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward."""

    def __init__(self, dim, heads, context_dim, ff_mult=4):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, heads, context_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff_proj = nn.Linear(dim, 2 * ff_mult * dim)
        self.ff_out = nn.Linear(ff_mult * dim, dim)

    def forward(self, x, context):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        a, gate = self.ff_proj(self.norm3(x)).chunk(2, dim=-1)
        return x + self.ff_out(a * F.gelu(gate))


def sincos_2d(channels, grid):
    """[1, channels, grid, grid]: half the channels encode the row, half the column, as sines and cosines of
    the cell centre (in units of the native 16-cell latent) at geometric frequencies (the fixed 2-D embedding of
    MAE/DiT, with a base suited to a handful of cells)."""
    quarter = channels // 4
    omega = 1.0 / (100.0 ** (torch.arange(quarter, dtype=torch.float64) / quarter))
    pos = (torch.arange(grid, dtype=torch.float64) + 0.5) * (16.0 / grid)
    angles = pos[:, None] * omega[None, :]                       # [grid, quarter]
    one_axis = torch.cat([angles.sin(), angles.cos()], dim=1)    # [grid, channels/2]
    rows = one_axis[:, None, :].expand(grid, grid, -1)
    cols = one_axis[None, :, :].expand(grid, grid, -1)
    return torch.cat([rows, cols], dim=-1).permute(2, 0, 1)[None].float().contiguous()


class Transformer2D(nn.Module):
    """diffusers Transformer2DModel (linear projections), plus an optional learned position embedding.

    The position embedding (learned, started from a fixed 2-D sine-cosine pattern, added to the normalised
    tokens as in ViT/DiT) is our one departure from SD's UNet: SD learns where "top right" is from zero
    padding over billions of pictures, which a CPU-budget training cannot afford. It is a grid for the native latent size, resized
    bilinearly to the actual one, so it means "relative place in the picture" at any size or aspect.
    """

    def __init__(self, channels, heads, context_dim, groups, position_grid=None):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.pos_embedding = nn.Parameter(0.5 * sincos_2d(channels, position_grid)) if position_grid else None
        self.proj_in = nn.Linear(channels, channels)
        self.block = TransformerBlock(channels, heads, context_dim)
        self.proj_out = nn.Linear(channels, channels)

    def forward(self, x, context):
        b, c, hh, ww = x.shape
        h = self.norm(x)
        if self.pos_embedding is not None:
            h = h + F.interpolate(self.pos_embedding, size=(hh, ww), mode="bilinear", align_corners=False)
        h = h.reshape(b, c, -1).transpose(1, 2)
        h = self.proj_out(self.block(self.proj_in(h), context))
        return x + h.transpose(1, 2).reshape(b, c, hh, ww)


class UNet2DCondition(nn.Module):
    def __init__(self, block_out_channels=(64, 128, 192), attention=(False, True, True), layers_per_block=1,
                 cross_attention_dim=128, attention_head_dim=32, norm_num_groups=32, in_channels=4, out_channels=4,
                 position_grid=None):
        """position_grid: the native latent size, for learned position embeddings in every attention block
        (see Transformer2D); None for none, as in SD."""
        super().__init__()
        self.config = dict(block_out_channels=list(block_out_channels), attention=list(attention),
                           layers_per_block=layers_per_block, cross_attention_dim=cross_attention_dim,
                           attention_head_dim=attention_head_dim, norm_num_groups=norm_num_groups,
                           in_channels=in_channels, out_channels=out_channels, position_grid=position_grid)
        ch, g = list(block_out_channels), norm_num_groups
        temb = 4 * ch[0]
        self.base = ch[0]
        self.time_embedding = nn.Sequential(nn.Linear(ch[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(in_channels, ch[0], 3, padding=1)

        def tr(c, level):
            grid = position_grid // 2 ** level if position_grid else None
            return Transformer2D(c, c // attention_head_dim, cross_attention_dim, g, grid)

        self.down = nn.ModuleList()
        skip_ch = [ch[0]]
        cin = ch[0]
        for i, c in enumerate(ch):
            block = nn.Module()
            block.resnets = nn.ModuleList()
            block.attentions = nn.ModuleList() if attention[i] else None
            for j in range(layers_per_block):
                block.resnets.append(ResnetBlock(cin, c, g, temb))
                if attention[i]:
                    block.attentions.append(tr(c, i))
                cin = c
                skip_ch.append(c)
            block.downsample = nn.Conv2d(c, c, 3, stride=2, padding=1) if i < len(ch) - 1 else None
            if block.downsample is not None:
                skip_ch.append(c)
            self.down.append(block)

        self.mid_resnet1 = ResnetBlock(cin, cin, g, temb)
        self.mid_attention = tr(cin, len(ch) - 1)
        self.mid_resnet2 = ResnetBlock(cin, cin, g, temb)

        self.up = nn.ModuleList()
        for i, c in reversed(list(enumerate(ch))):
            block = nn.Module()
            block.resnets = nn.ModuleList()
            block.attentions = nn.ModuleList() if attention[i] else None
            for j in range(layers_per_block + 1):
                block.resnets.append(ResnetBlock(cin + skip_ch.pop(), c, g, temb))
                if attention[i]:
                    block.attentions.append(tr(c, i))
                cin = c
            block.upsample = nn.Conv2d(c, c, 3, padding=1) if i > 0 else None
            self.up.append(block)

        self.conv_norm_out = nn.GroupNorm(g, cin, eps=1e-6)
        self.conv_out = nn.Conv2d(cin, out_channels, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, down_residuals=None, mid_residual=None):
        """down_residuals / mid_residual: a ControlNet's residuals, added to the skip connections and the
        mid block's output as diffusers' UNet2DConditionModel adds down_block_additional_residuals."""
        temb = self.time_embedding(timestep_embedding(timestep, self.base))
        h = self.conv_in(sample)
        skips = [h]
        for block in self.down:
            for j, r in enumerate(block.resnets):
                h = r(h, temb)
                if block.attentions is not None:
                    h = block.attentions[j](h, encoder_hidden_states)
                skips.append(h)
            if block.downsample is not None:
                h = block.downsample(h)
                skips.append(h)
        if down_residuals is not None:
            skips = [s + r for s, r in zip(skips, down_residuals, strict=True)]
        h = self.mid_resnet2(self.mid_attention(self.mid_resnet1(h, temb), encoder_hidden_states), temb)
        if mid_residual is not None:
            h = h + mid_residual
        for block in self.up:
            for j, r in enumerate(block.resnets):
                h = r(torch.cat([h, skips.pop()], dim=1), temb)
                if block.attentions is not None:
                    h = block.attentions[j](h, encoder_hidden_states)
            if block.upsample is not None:
                h = block.upsample(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.conv_norm_out(h)))


    def residual_channels(self):
        """Channels of each skip connection (conv_in, every resnet, every downsample) and of the mid block:
        the shapes a ControlNet's residuals must have."""
        ch, lpb = self.config["block_out_channels"], self.config["layers_per_block"]
        down = [ch[0]]
        for i, c in enumerate(ch):
            down += [c] * lpb + ([c] if i < len(ch) - 1 else [])
        return down, ch[-1]


class ControlNet(nn.Module):
    """A small ControlNet for this UNet, in diffusers' ControlNetModel interface (sample, timestep,
    encoder_hidden_states, controlnet_cond -> one residual per skip connection and one for the mid block).

    diffusers copies the UNet's whole down path and mid block (ControlNetModel.from_unet); for this UNet
    that copy alone is 2.8 M parameters, a 10.8 MiB file. This one keeps the structure at a quarter of the
    width and without attention, as T2I-Adapter (Mou et al. 2023) showed a light network on the control
    picture is enough to steer composition: the conditioning embedding of ControlNet (convolutions from the
    control picture down by the VAE's factor 8) added after conv_in, one ResNet block per level with the
    timestep embedding (plus the mean text state, so the text can shape the control), and zero-initialised
    1x1 convolutions widening each level to the UNet's channels, so training starts from "no change"."""

    def __init__(self, unet_config, block_out_channels=(32, 48, 64), embedding_channels=(16, 16, 32, 32),
                 norm_num_groups=8):
        super().__init__()
        self.config = dict(unet_config=dict(unet_config), block_out_channels=list(block_out_channels),
                           embedding_channels=list(embedding_channels), norm_num_groups=norm_num_groups)
        unet_ch, lpb = unet_config["block_out_channels"], unet_config["layers_per_block"]
        ch, g = list(block_out_channels), norm_num_groups
        assert len(ch) == len(unet_ch), "one level per UNet level"
        temb = 4 * ch[0]
        self.base = ch[0]
        self.time_embedding = nn.Sequential(nn.Linear(ch[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.text_proj = nn.Linear(unet_config["cross_attention_dim"], temb)
        e = list(embedding_channels)
        layers = [nn.Conv2d(3, e[0], 3, padding=1), nn.SiLU()]
        for a, b in zip(e[:-1], e[1:]):
            layers += [nn.Conv2d(a, a, 3, padding=1), nn.SiLU(), nn.Conv2d(a, b, 3, padding=1, stride=2), nn.SiLU()]
        self.cond_embedding = nn.Sequential(*layers)
        self.cond_out = nn.Conv2d(e[-1], ch[0], 3, padding=1)
        self.conv_in = nn.Conv2d(unet_config["in_channels"], ch[0], 3, padding=1)

        def zero(cin, cout):
            conv = nn.Conv2d(cin, cout, 1)
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)
            return conv

        # Same skip order as the UNet: conv_in, each level's resnets, each downsample.
        self.resnets, self.downsamples, self.zero_convs = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        self.zero_convs.append(zero(ch[0], unet_ch[0]))
        cin = ch[0]
        for i, c in enumerate(ch):
            for _ in range(lpb):
                self.resnets.append(ResnetBlock(cin, c, g, temb))
                self.zero_convs.append(zero(c, unet_ch[i]))
                cin = c
            if i < len(ch) - 1:
                self.downsamples.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                self.zero_convs.append(zero(c, unet_ch[i]))
        self.mid = ResnetBlock(cin, cin, g, temb)
        self.mid_zero = zero(cin, unet_ch[-1])
        self.lpb = lpb

    def forward(self, sample, timestep, encoder_hidden_states, controlnet_cond):
        temb = self.time_embedding(timestep_embedding(timestep, self.base))
        temb = temb + self.text_proj(encoder_hidden_states.mean(1))
        h = self.conv_in(sample) + self.cond_out(self.cond_embedding(controlnet_cond))
        skips = [h]
        resnets = iter(self.resnets)
        for i in range(len(self.config["block_out_channels"])):
            for _ in range(self.lpb):
                h = next(resnets)(h, temb)
                skips.append(h)
            if i < len(self.downsamples):
                h = self.downsamples[i](h)
                skips.append(h)
        h = self.mid(h, temb)
        return [z(s) for z, s in zip(self.zero_convs, skips, strict=True)], self.mid_zero(h)


def count_params(module):
    return sum(p.numel() for p in module.parameters())
