"""Layout slots: an auxiliary task that teaches the text encoder to lay the scene out in its padding.

A causal text encoder reads "a red circle at the top right" left to right: the tokens of "red circle"
never see "top right", and "right" alone must first be told apart from "top right". The UNet then has
to find, for every place in the picture, which words speak about that place. On two CPU cores this
was the slow part of training: after 8,000 steps objects still landed in the wrong cell.

Every caption is padded with end-of-text tokens to 77, and each padding position has its own position
embedding, so the last ten positions (always padding: the recipe's captions are far shorter) can each
hold something different. A linear head, used only in training, asks the padding token at 67 + k to
say what the caption put in cell k of the 3x3 grid (colour and shape, or nothing) and the one at 76
the background colour (or "not named"). The exported text encoder is unchanged in form (same
transformer, same 77 outputs); its padding outputs now read like a small layout map, and the UNet's
cross-attention, whose queries carry a position embedding, has only to match "my cell" to a slot.

Grounding (training only, as TokenCompose, Wang et al. 2024, grounds SD's cross-attention in object
masks): the UNet's cross-attention at each place is also asked to prefer, among the nine cell slots, the
slot of the cell it lies in. Left to find that routing from the denoising loss alone, the UNet took
thousands of steps before position words changed anything; the attention itself is unchanged.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import scenes

CELLS = len(scenes.REGION_NAMES)                 # 9, row-major
FIRST_SLOT = 77 - CELLS - 1                      # 67: positions 67..75 are cells, 76 the background
COLOUR_CLASSES = 1 + len(scenes.COLOURS)          # class 0: nothing here / background not named
SHAPE_CLASSES = 1 + len(scenes.SHAPES)
MAX_WORDS = FIRST_SLOT - 2                       # caption words that leave the slots as padding
IGNORE = -100                                    # cross_entropy's ignore_index


def targets(spec, words):
    """Long tensor [CELLS + 1, 2] for a caption's words (as the tokenizer splits them): per cell (colour,
    shape) class, then (background colour, 0). The background counts as named only when the caption says
    "background"; a caption that names no place leaves the cells out of the loss (IGNORE)."""
    t = torch.zeros(CELLS + 1, 2, dtype=torch.long)
    if scenes.POSITION_WORDS.isdisjoint(words):
        t[:CELLS] = IGNORE  # no place named: the cells' contents are the model's choice
    else:
        for obj in spec["objects"]:
            row, col = scenes.REGIONS[obj["region"]]
            t[row * 3 + col, 0] = 1 + scenes.COLOURS.index(obj["colour"])
            t[row * 3 + col, 1] = 1 + scenes.SHAPES.index(obj["shape"])
    if "background" in words:
        t[CELLS, 0] = 1 + scenes.COLOURS.index(spec["background"])
    return t


class LayoutHead(nn.Module):
    """Reads the slots of the text encoder's last_hidden_state; one linear map shared by the cells."""

    def __init__(self, width):
        super().__init__()
        self.cell = nn.Linear(width, COLOUR_CLASSES + SHAPE_CLASSES)
        self.background = nn.Linear(width, COLOUR_CLASSES)

    def forward(self, hidden):
        cells = self.cell(hidden[:, FIRST_SLOT:FIRST_SLOT + CELLS])
        return cells[..., :COLOUR_CLASSES], cells[..., COLOUR_CLASSES:], self.background(hidden[:, -1])

    def loss(self, hidden, target, keep):
        """Mean cross-entropy over the kept rows (captions that are not empty) and the accuracy of
        whole layouts (every cell and the background right)."""
        if not keep.any():
            return hidden.sum() * 0.0, float("nan")
        colour, shape, bg = self(hidden[keep])
        tg = target[keep]
        ce = (F.cross_entropy(colour.reshape(-1, COLOUR_CLASSES), tg[:, :CELLS, 0].reshape(-1))
              + F.cross_entropy(shape.reshape(-1, SHAPE_CLASSES), tg[:, :CELLS, 1].reshape(-1))
              + F.cross_entropy(bg, tg[:, CELLS, 0]) / CELLS)
        with torch.no_grad():
            right = ((colour.argmax(-1) == tg[:, :CELLS, 0]) & (shape.argmax(-1) == tg[:, :CELLS, 1])).all(1)
            right &= bg.argmax(-1) == tg[:, CELLS, 0]
        return ce, float(right.float().mean())


def cell_of_pixels(n, height=1, width=1):
    """Cell index (row-major, 3x3) of each position of an n-token attention grid whose sides are in the
    proportion height : width (the latent's; every UNet level halves both)."""
    side = math.isqrt(n * height * width)
    rows, cols = side // width, side // height
    assert rows * cols == n and side * side == n * height * width, f"no {height}:{width} grid has {n} positions"
    row_band = ((torch.arange(rows) + 0.5) * 3 / rows).long()
    col_band = ((torch.arange(cols) + 0.5) * 3 / cols).long()
    return (row_band[:, None] * 3 + col_band[None, :]).reshape(-1)


def grounding_loss(attentions, keep, latent_height=1, latent_width=1):
    """Mean over the given cross-attention modules (their kept probabilities [B, heads, n, 77]), heads and
    positions of -log(share of the cell-slot attention that goes to the position's own cell)."""
    g = math.gcd(latent_height, latent_width)
    losses = []
    for attention in attentions:
        p = attention.probabilities[keep][..., FIRST_SLOT:FIRST_SLOT + CELLS]  # [b, heads, n, 9]
        own = cell_of_pixels(p.shape[2], latent_height // g, latent_width // g).to(p.device)
        mine = p.gather(-1, own.view(1, 1, -1, 1).expand(p.shape[0], p.shape[1], -1, 1)).squeeze(-1)
        losses.append(-(torch.log(mine + 1e-9) - torch.log(p.sum(-1) + 1e-9)).mean())
    return torch.stack(losses).mean()
