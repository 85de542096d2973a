"""Procedural captioned pictures: scene specs, anti-aliased rendering, captions, held-out combinations.

A scene is a background colour plus one to three flat-coloured shapes, each in a distinct cell of
a 3x3 grid of regions. Rendering uses signed distances, so edges are anti-aliased analytically
(coverage = clamp(0.5 - distance_in_pixels, 0, 1)), which is exact for straight edges.
"""
import math

import numpy as np

SIZE = 128

# Palette in sRGB 0..255, spread so the closest pair (orange/yellow) is ~95 apart: the scorer
# classifies measured colours by the nearest palette entry.
PALETTE = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (250, 225, 30),
    "orange": (245, 130, 20),
    "purple": (140, 60, 180),
    "pink": (245, 150, 190),
    "white": (245, 245, 245),
    "black": (20, 20, 20),
    "grey": (128, 128, 128),
}
COLOURS = list(PALETTE)
SHAPES = ["circle", "square", "triangle", "star", "heart"]
SIZES = ["small", "large"]

# Regions of a 3x3 grid, as (row, column); row 0 is the top of the picture.
REGIONS = {
    "top left": (0, 0), "top": (0, 1), "top right": (0, 2),
    "left": (1, 0), "centre": (1, 1), "right": (1, 2),
    "bottom left": (2, 0), "bottom": (2, 1), "bottom right": (2, 2),
}
REGION_NAMES = list(REGIONS)

# Object radii in pixels (the circumscribed radius before per-shape factors).
RADIUS = {"small": (9.0, 12.0), "large": (16.0, 20.0)}
COLOUR_JITTER = 6  # +-, per channel, in 0..255 units: pictures are not all exactly the palette


def region_box(region, size=SIZE):
    """Pixel box (x0, y0, x1, y1), end-exclusive, of a grid region at the given picture size."""
    row, col = REGIONS[region]
    edges = [round(i * size / 3) for i in range(4)]
    return edges[col], edges[row], edges[col + 1], edges[row + 1]


# ---------------------------------------------------------------- shapes (unit outlines, y down)

def _star(points=5, inner=0.45):
    verts = []
    for i in range(points * 2):
        r = 1.0 if i % 2 == 0 else inner
        a = -math.pi / 2 + i * math.pi / points
        verts.append((r * math.cos(a), r * math.sin(a)))
    return np.array(verts)


def _heart(n=64):
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    v = np.stack([x, y], 1)
    v -= (v.max(0) + v.min(0)) / 2  # centre the bounding box
    return v / np.abs(v).max()


def _triangle():
    a = -math.pi / 2 + np.arange(3) * 2 * math.pi / 3
    v = np.stack([np.cos(a), np.sin(a)], 1)
    v[:, 1] -= (v[:, 1].max() + v[:, 1].min()) / 2  # centre the bounding box (apex up)
    return v


_OUTLINES = {
    "square": np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=float) * 0.82,
    "triangle": _triangle() * 1.12,
    "star": _star() * 1.15,
    "heart": _heart() * 1.0,
}


def _polygon_sdf(px, py, verts):
    """Signed distance to a closed polygon (negative inside), vectorised over pixel coordinates."""
    vx, vy = verts[:, 0], verts[:, 1]
    d = (px - vx[0]) ** 2 + (py - vy[0]) ** 2
    s = np.ones_like(px)
    n = len(verts)
    j = n - 1
    for i in range(n):
        ex, ey = vx[j] - vx[i], vy[j] - vy[i]
        wx, wy = px - vx[i], py - vy[i]
        h = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        bx, by = wx - ex * h, wy - ey * h
        d = np.minimum(d, bx * bx + by * by)
        c1 = py >= vy[i]
        c2 = py < vy[j]
        c3 = ex * wy > ey * wx
        flip = (c1 & c2 & c3) | (~c1 & ~c2 & ~c3)
        s = np.where(flip, -s, s)
        j = i
    return s * np.sqrt(d)


def shape_distance(shape, cx, cy, radius, size=SIZE, height=None):
    """Signed distance in pixels (negative inside) from each pixel centre to one shape's outline, inside
    the shape's neighbourhood; (distance, (y0, y1, x0, x1)) or None when the neighbourhood is empty."""
    width, height = size, height or size
    x0, x1 = max(0, int(cx - radius * 1.3) - 2), min(width, int(cx + radius * 1.3) + 3)
    y0, y1 = max(0, int(cy - radius * 1.3) - 2), min(height, int(cy + radius * 1.3) + 3)
    if x0 >= x1 or y0 >= y1:
        return None
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    px, py = xs + 0.5, ys + 0.5
    if shape == "circle":
        dist = np.sqrt((px - cx) ** 2 + (py - cy) ** 2) - radius
    else:
        dist = _polygon_sdf(px, py, _OUTLINES[shape] * radius + np.array([cx, cy]))
    return dist, (y0, y1, x0, x1)


def shape_coverage(shape, cx, cy, radius, size=SIZE, height=None):
    """Anti-aliased coverage in [0, 1] of one shape, as a full (height, size) array (height defaults to size)."""
    cov = np.zeros((height or size, size), dtype=np.float32)
    found = shape_distance(shape, cx, cy, radius, size, height)
    if found is not None:
        dist, (y0, y1, x0, x1) = found
        cov[y0:y1, x0:x1] = np.clip(0.5 - dist, 0.0, 1.0)
    return cov


def scribble(placed, rng, size=SIZE, height=None):
    """A control picture for a scribble ControlNet: what an artist might paint over a rendered scene, white
    on black (float32 [height, size] in [0, 1]). Each object of `placed` (render's geometry) becomes a
    filled silhouette or an outline 1.5 to 4 px wide, a little off in place and size, as a hand draws."""
    width, height = size, height or size
    out = np.zeros((height, width), dtype=np.float32)
    for shape, cx, cy, radius in placed:
        r = radius * rng.uniform(0.85, 1.15)
        x, y = cx + rng.uniform(-2.5, 2.5), cy + rng.uniform(-2.5, 2.5)
        found = shape_distance(shape, x, y, r, width, height)
        if found is None:
            continue
        dist, (y0, y1, x0, x1) = found
        if rng.random() < 0.5:
            cov = np.clip(0.5 - dist, 0.0, 1.0)
        else:
            cov = np.clip(rng.uniform(1.5, 4.0) / 2 + 0.5 - np.abs(dist), 0.0, 1.0)
        out[y0:y1, x0:x1] = np.maximum(out[y0:y1, x0:x1], cov)
    return out


# ---------------------------------------------------------------- scene specs

def combo_key(obj, background):
    return (obj["colour"], obj["shape"], obj["region"], background)


def sample_scene(rng, heldout_combos=frozenset(), n_objects=None):
    """A random scene spec avoiding any held-out (colour, shape, region, background) combination."""
    while True:
        background = COLOURS[rng.integers(len(COLOURS))]
        n = n_objects or int(rng.choice([1, 2, 3], p=[0.5, 0.33, 0.17]))
        regions = rng.choice(len(REGION_NAMES), size=n, replace=False)
        objects = []
        for r in regions:
            colour = background
            while colour == background:
                colour = COLOURS[rng.integers(len(COLOURS))]
            objects.append({
                "colour": colour,
                "shape": SHAPES[rng.integers(len(SHAPES))],
                "region": REGION_NAMES[r],
                "size": SIZES[rng.integers(len(SIZES))],
            })
        if not any(combo_key(o, background) in heldout_combos for o in objects):
            return {"background": background, "objects": objects}


def render(scene, rng, size=SIZE, height=None, placed=None):
    """Float32 RGB picture (height, size, 3) in [0, 1] (height defaults to size). The 3x3 grid stretches
    with the picture; shapes keep their proportions, sized by the shorter side. Exact placement and
    colour shades come from rng. `placed`, a list, receives each object's (shape, cx, cy, radius)."""
    width, height = size, height or size

    def shade(name):
        c = np.array(PALETTE[name], dtype=np.float32) + rng.uniform(-COLOUR_JITTER, COLOUR_JITTER, 3)
        return (np.clip(c, 0, 255) / 255.0).astype(np.float32)

    img = np.empty((height, width, 3), dtype=np.float32)
    img[:] = shade(scene["background"])
    cell_w, cell_h = width / 3, height / 3
    for obj in scene["objects"]:
        lo, hi = RADIUS[obj["size"]]
        radius = rng.uniform(lo, hi) * min(width, height) / SIZE
        row, col = REGIONS[obj["region"]]
        # keep the shape mostly inside its cell
        slack_x, slack_y = max(0.0, cell_w / 2 - radius) * 0.6, max(0.0, cell_h / 2 - radius) * 0.6
        cx = (col + 0.5) * cell_w + rng.uniform(-slack_x, slack_x)
        cy = (row + 0.5) * cell_h + rng.uniform(-slack_y, slack_y)
        if placed is not None:
            placed.append((obj["shape"], cx, cy, radius))
        a = shape_coverage(obj["shape"], cx, cy, radius, width, height)[..., None]
        img = img * (1 - a) + shade(obj["colour"]) * a  # float32 throughout
    return img


# ---------------------------------------------------------------- captions

_POSITION_PHRASES = {
    "top left": ["at the top left", "in the top left", "in the top left corner", "top left"],
    "top": ["at the top", "at the top centre", "at the top middle", "top"],
    "top right": ["at the top right", "in the top right", "in the top right corner", "top right"],
    "left": ["on the left", "at the left", "on the left side", "left"],
    "centre": ["in the centre", "in the middle", "at the centre", "centre"],
    "right": ["on the right", "at the right", "on the right side", "right"],
    "bottom left": ["at the bottom left", "in the bottom left", "in the bottom left corner", "bottom left"],
    "bottom": ["at the bottom", "at the bottom centre", "at the bottom middle", "bottom"],
    "bottom right": ["at the bottom right", "in the bottom right", "in the bottom right corner", "bottom right"],
}
# Share of captions naming no place at all. Without them a caption like "a red circle on a blue
# background" (img2img, inpainting) read as "no object in any cell", and the model painted objects out.
UNPLACED = 0.15
POSITION_WORDS = {"left", "right", "top", "bottom", "centre", "middle"}
_SIZE_WORDS = {"small": ["small", "little", "tiny"], "large": ["large", "big"]}
_NUMBERS = {2: "two", 3: "three"}


def _article(word):
    return "an" if word[0] in "aeiou" else "a"


def object_phrase(obj, rng=None):
    """'a small blue star'; with rng, the size word is sometimes left out or varied."""
    words = []
    if rng is None or rng.random() < 0.6:
        words.append(obj["size"] if rng is None else _SIZE_WORDS[obj["size"]][rng.integers(len(_SIZE_WORDS[obj["size"]]))])
    words += [obj["colour"], obj["shape"]]
    return f"{_article(words[0])} {' '.join(words)}"


def position_phrase(region, rng=None):
    options = _POSITION_PHRASES[region]
    return options[0] if rng is None else options[rng.integers(3)]  # the bare form is for lists


def canonical_caption(scene):
    """The fixed wording used for held-out evaluation captions."""
    parts = [f"{object_phrase(o)} {position_phrase(o['region'])}" for o in scene["objects"]]
    body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if len(parts) > 1:
        body = f"{_NUMBERS[len(parts)]} shapes: {body}"
    bg = scene["background"]
    return f"{body} on {_article(bg)} {bg} background"


def random_caption(scene, rng, unplaced=None):
    """One of many plain-English wordings of a scene; unplaced=True names no place (a ControlNet's
    control picture then says where), None leaves it to chance (UNPLACED)."""
    objs = list(scene["objects"])
    if rng.random() < 0.3:
        objs = [objs[i] for i in rng.permutation(len(objs))]
    terse = rng.random() < 0.12
    if terse and unplaced is not True:  # "red circle, left; blue square, right; white background"
        parts = [f"{o['colour']} {o['shape']}, {_POSITION_PHRASES[o['region']][3]}" for o in objs]
        text = "; ".join(parts)
        if rng.random() < 0.85:
            text += f"; {scene['background']} background"
        return text
    bg = scene["background"]
    style = rng.random()
    position_first = style < 0.7 and rng.random() < 0.15  # "on the left, a red circle"
    by_chance = rng.random() < UNPLACED  # "a red circle on a blue background": the model picks the place
    unplaced = by_chance if unplaced is None else unplaced
    if unplaced:
        parts = [object_phrase(o, rng) for o in objs]
    elif position_first:
        parts = [f"{position_phrase(o['region'], rng)}, {object_phrase(o, rng)}" for o in objs]
    else:
        parts = [f"{object_phrase(o, rng)} {position_phrase(o['region'], rng)}" for o in objs]
    body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if len(parts) > 1 and rng.random() < 0.5:
        body = f"{_NUMBERS[len(parts)]} shapes: {body}"
    elif rng.random() < 0.1:
        body = f"a picture of {body}"
    if style < 0.12:
        return body  # background unnamed
    if style < 0.55:
        return f"{body} on {_article(bg)} {bg} background"
    if style < 0.7:
        return f"{body}, {bg} background"
    if style < 0.85:
        return f"{_article(bg)} {bg} background with {body}"
    return f"{body} with {_article(bg)} {bg} background"


# ---------------------------------------------------------------- held-out set

def heldout_scenes(seed=1234, singles=32, pairs=12):
    """Scenes whose (colour, shape, region, background) combinations training never shows."""
    rng = np.random.default_rng(seed)
    scenes, seen = [], set()
    while len(scenes) < singles + pairs:
        n = 1 if len(scenes) < singles else 2
        s = sample_scene(rng, n_objects=n)
        keys = [combo_key(o, s["background"]) for o in s["objects"]]
        if any(k in seen for k in keys):
            continue
        seen.update(keys)
        scenes.append(s)
    return scenes


def evaluation_scenes(seed=1234):
    """The held-out scenes, then each one-object scene again with the other size: 76 captions, all built
    from the held-out combinations only (size is not part of a combination), so adding them changes
    nothing training sees."""
    held = heldout_scenes(seed)
    flipped = [{"background": s["background"],
                "objects": [dict(o, size="large" if o["size"] == "small" else "small") for o in s["objects"]]}
               for s in held if len(s["objects"]) == 1]
    return held + flipped


def heldout_combos(scenes):
    return frozenset(combo_key(o, s["background"]) for s in scenes for o in s["objects"])


def all_words():
    """Every word and punctuation mark a caption can contain (the tokenizer vocabulary)."""
    words = set(COLOURS) | set(SHAPES) | {w for ws in _SIZE_WORDS.values() for w in ws}
    for ps in _POSITION_PHRASES.values():
        for p in ps:
            words.update(p.split())
    words.update(["a", "an", "on", "with", "background", "shapes", "shape", "and", "two", "three",
                  ":", ",", ";", ".", "picture", "of", "the", "in", "at", "side", "corner"])
    return sorted(words)
