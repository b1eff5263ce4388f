"""LOL-v1 pairs: loading, the fixed validation split, and random training patches."""
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = HERE.parent.parent / "shared" / "datasets" / "lol-v1-train"
# The validation lists, by the way they were drawn. "names": 40 pictures picked by name (the split the
# first students were trained on; 31 of its 40 scenes are also in training under other exposures).
# "scenes": whole scenes, none of whose pictures is in training (`python3 data.py --write-scene-split`).
SPLITS = {"names": HERE / "val_split.txt", "scenes": HERE / "val_scenes.txt"}
SCENE_THRESHOLD = 0.7
SCENE_SEED = 7


def data_root():
    return Path(os.environ.get("SCKD_LOL_ROOT", DEFAULT_ROOT))


def load_rgb(path):
    """An image file -> uint8 tensor 3xHxW."""
    a = np.asarray(Image.open(path).convert("RGB"))
    return torch.from_numpy(a.copy()).permute(2, 0, 1).contiguous()


def all_names(root=None):
    root = Path(root or data_root())
    return sorted((p.stem for p in (root / "low").iterdir() if not p.name.startswith(".")), key=lambda s: (len(s), s))


def read_list(path):
    """Names in a split file: whitespace-separated, `#` starts a comment."""
    return [w for line in Path(path).read_text().splitlines() for w in line.split("#")[0].split()]


def split_names(root=None, split="names"):
    """(training names, validation names) of a split in SPLITS."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")
    names = all_names(root)
    val = set(read_list(SPLITS[split]))
    return [n for n in names if n not in val], [n for n in names if n in val]


def load_pairs(names, root=None):
    root = Path(root or data_root())
    ext = {p.stem: p.name for p in (root / "low").iterdir()}
    return [(load_rgb(root / "low" / ext[n]), load_rgb(root / "high" / ext[n])) for n in names]


def scene_signature(img):
    """A picture's layout whatever its exposure: its grey image area-averaged to 40x60, standardised."""
    g = F.adaptive_avg_pool2d(img.float().mean(0)[None, None], (40, 60)).flatten()
    return (g - g.mean()) / g.std().clamp(min=1e-6)


def scene_correlation(pairs_a, pairs_b):
    """Correlations of the ground truths' scene signatures, len(pairs_a) x len(pairs_b)."""
    a = torch.stack([scene_signature(h) for _, h in pairs_a])
    b = torch.stack([scene_signature(h) for _, h in pairs_b])
    return a @ b.T / a.shape[1]


def scene_groups(pairs, threshold=SCENE_THRESHOLD):
    """The pairs grouped by scene: indices joined whenever their ground truths' scene signatures
    correlate at `threshold` or more (transitively). On LOL-v1's 419 pairs, 0.7 gives 209 scenes
    of 1-9 pictures; 0.9 gives 224, splitting a few scenes shot with the camera moved."""
    near = scene_correlation(pairs, pairs) >= threshold
    parent = list(range(len(pairs)))
    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, j in near.triu(1).nonzero().tolist():
        parent[root(i)] = root(j)
    groups = {}
    for i in range(len(pairs)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


def scene_split(names, pairs, n_val=40, seed=SCENE_SEED, threshold=SCENE_THRESHOLD):
    """Validation names drawn scene by scene: whole scenes in a seeded random order until at least
    `n_val` pictures, so no exposure of a validation scene is left in training."""
    groups = scene_groups(pairs, threshold)
    order = torch.randperm(len(groups), generator=torch.Generator().manual_seed(seed)).tolist()
    val = []
    for g in order:
        if len(val) >= n_val:
            break
        val += [names[i] for i in groups[g]]
    return sorted(val, key=lambda s: (len(s), s))


def scene_folds(pairs, k=2, seed=SCENE_SEED, threshold=SCENE_THRESHOLD):
    """The fold (0 .. k-1) of each pair: whole scenes dealt, in a seeded random order, to the fold
    with the fewest pictures so far. A teacher trained on the other folds has seen no exposure of
    a fold's scenes, so its outputs there are predictions, not recall (train.out_of_fold_stacks)."""
    groups = scene_groups(pairs, threshold)
    order = torch.randperm(len(groups), generator=torch.Generator().manual_seed(seed)).tolist()
    fold, sizes = [0] * len(pairs), [0] * k
    for g in order:
        f = min(range(k), key=lambda i: sizes[i])
        for i in groups[g]:
            fold[i] = f
        sizes[f] += len(groups[g])
    return fold


def unseen_scenes(val_pairs, train_pairs, threshold=0.9):
    """Indices of the validation pairs whose scene no training pair shows: the correlation of their
    ground truths' scene signatures stays below `threshold` against every training ground truth.

    LOL-v1 photographs most scenes at several exposures under neighbouring numbers, so a split by
    name leaves 31 of our 40 validation scenes in training (correlation >= 0.98; the other nine
    <= 0.62). Figures on the full split reward recognising a scene; these nine do not."""
    closest = scene_correlation(val_pairs, train_pairs).max(1).values  # with the nearest training scene
    return (closest < threshold).nonzero().flatten().tolist()


def random_patches(stacks, batch, patch, gen):
    """Crops `batch` aligned patches (offsets multiple of 4) from a list of CxHxW uint8/float stacks,
    with random flips and 90-degree rotations applied identically to every channel."""
    out = []
    for _ in range(batch):
        s = stacks[int(torch.randint(len(stacks), (1,), generator=gen))]
        H, W = s.shape[-2:]
        y = int(torch.randint((H - patch) // 4 + 1, (1,), generator=gen)) * 4
        x = int(torch.randint((W - patch) // 4 + 1, (1,), generator=gen)) * 4
        p = s[:, y:y + patch, x:x + patch]
        if torch.rand(1, generator=gen) < 0.5:
            p = p.flip(-1)
        if torch.rand(1, generator=gen) < 0.5:
            p = p.flip(-2)
        k = int(torch.randint(4, (1,), generator=gen))
        out.append(torch.rot90(p, k, (-2, -1)))
    return torch.stack(out).float()


def random_windows(stacks, batch, patch, gen):
    """`batch` training windows for frame-context training: each a whole stack (float), flipped and
    rotated by 90 degrees at random as one picture, with the top-left corner (y, x) of an aligned
    `patch` x `patch` window in it (multiples of 4, so the window's illumination cells are whole
    cells of the picture's)."""
    out = []
    for _ in range(batch):
        s = stacks[int(torch.randint(len(stacks), (1,), generator=gen))].float()
        if torch.rand(1, generator=gen) < 0.5:
            s = s.flip(-1)
        if torch.rand(1, generator=gen) < 0.5:
            s = s.flip(-2)
        s = torch.rot90(s, int(torch.randint(4, (1,), generator=gen)), (-2, -1))
        H, W = s.shape[-2:]
        y = int(torch.randint((H - patch) // 4 + 1, (1,), generator=gen)) * 4
        x = int(torch.randint((W - patch) // 4 + 1, (1,), generator=gen)) * 4
        out.append((s, y, x))
    return out


def _to_linear(z):
    return z.clamp(0, 1) ** 2.2


def _to_srgb_uint8(lin):
    return (lin.clamp(0, 1) ** (1 / 2.2) * 255).round().to(torch.uint8)


def unlabelled_inputs(pairs, n, seed=11, min_side=256):
    """`n` new night pictures (uint8 3xHxW) made from training pairs, for a teacher to label: half
    are training lows re-exposed (x0.4-2.5 in linear light) and re-noised, half are synthetic dark
    renditions of training highs (x0.02-0.25 in linear light, shot and read noise, 8-bit
    quantised); each a random crop (sides multiples of 4, at least `min_side`), maybe mirrored.

    The exposures stay in the night range on purpose: the teacher (trained on LOL-v1 alone) turns
    an already bright picture white, which is not knowledge to hand on."""
    g = torch.Generator().manual_seed(seed)
    u = lambda a, b: a + (b - a) * float(torch.rand(1, generator=g))
    out = []
    for i in range(n):
        low, high = pairs[int(torch.randint(len(pairs), (1,), generator=g))]
        if i % 2 == 0:
            lin = _to_linear(low.float() / 255) * math.exp(u(math.log(0.4), math.log(2.5)))
            shot, read = u(0.0, 0.0005), u(0.0, 0.00002)
        else:
            lin, shot, read = _dark_rendition(high, u)
        x = _to_srgb_uint8(lin + torch.randn(lin.shape, generator=g) * (shot * lin + read).sqrt())
        out.append(_random_window(x, min_side, x.shape[-2], x.shape[-1], g, u))
    return out


def photo_night_inputs(photos, n, seed=11, min_side=256, max_side=600, luma=(4.5, 32.0)):
    """`n` new night pictures (uint8 3xHxW) of scenes outside LOL-v1: random windows of daylight
    photographs (photos.py), at most `max_side` (LOL-v1's width) on a side, maybe mirrored,
    darkened in linear light to a mean luma drawn log-uniformly from `luma` (the middle 90 % of
    the LOL-v1 training lows'), with shot and read noise in proportion to the picture's level (a
    signal-to-noise ratio of about 2-10 at the mean).

    Darkened by a fixed range of gains instead, bright photographs stay mid-grey, and IAT (trained
    on LOL-v1's lows alone) bleaches those to white; with a fixed noise level the darkest are
    grain alone."""
    g = torch.Generator().manual_seed(seed)
    u = lambda a, b: a + (b - a) * float(torch.rand(1, generator=g))
    out = []
    for _ in range(n):
        photo = photos[int(torch.randint(len(photos), (1,), generator=g))]
        H, W = photo.shape[-2:]
        window = _random_window(photo, min_side, min(H, max_side), min(W, max_side), g, u)
        # luma is linear in the coded values, which scale as the linear-light gain ** (1 / 2.2)
        target = math.exp(u(math.log(luma[0]), math.log(luma[1])))
        gain = (target / max(float(luma_mean(window.float())), 1.0)) ** 2.2
        lin = _to_linear(window.float() / 255) * gain
        m = float(lin.mean())
        shot, read = u(0.01, 0.1) * m, (u(0.05, 0.3) * m) ** 2
        out.append(_to_srgb_uint8(lin + torch.randn(lin.shape, generator=g) * (shot * lin + read).sqrt()))
    return out


def luma_mean(picture):
    """Mean Rec. 601 luma of a 3xHxW picture, in its own units (the weights iqa.py's GT-mean PSNR
    uses)."""
    return (0.299 * picture[0] + 0.587 * picture[1] + 0.114 * picture[2]).mean()


def _dark_rendition(picture, u):
    """A well-exposed uint8 picture in linear light, darkened into the night range (x0.02-0.25),
    with the shot and read noise levels to add."""
    lin = _to_linear(picture.float() / 255) * math.exp(u(math.log(0.02), math.log(0.25)))
    return lin, u(0.0002, 0.002), u(0.000005, 0.00005)


def _random_window(x, min_side, max_h, max_w, g, u):
    """A random window of x, at least `min_side` and at most max_h x max_w, sides multiples of 4,
    mirrored half the time."""
    H, W = x.shape[-2:]
    h = int(u(min_side, max_h)) // 4 * 4
    w = int(u(min_side, max_w)) // 4 * 4
    y0 = int(torch.randint(H - h + 1, (1,), generator=g))
    x0 = int(torch.randint(W - w + 1, (1,), generator=g))
    x = x[:, y0:y0 + h, x0:x0 + w]
    if float(torch.rand(1, generator=g)) < 0.5:
        x = x.flip(-1)
    return x.contiguous()


def write_scene_split():
    names = all_names()
    val = scene_split(names, load_pairs(names))
    SPLITS["scenes"].write_text(
        f"# {len(val)} validation pictures drawn as whole scenes (data.scene_split, threshold {SCENE_THRESHOLD}, seed {SCENE_SEED}):\n"
        "# no other exposure of these scenes is in training. Written by `python3 data.py --write-scene-split`.\n"
        + "\n".join(val) + "\n")
    print(f"{SPLITS['scenes']}: {len(val)} pictures", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-scene-split"]:
        sys.exit("usage: python3 data.py --write-scene-split")
    write_scene_split()
