"""LOL-v1 pairs: loading, the fixed validation split, and random training patches."""
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = Path(__file__).resolve().parent
DEFAULT_ROOT = HERE.parent.parent / "shared" / "datasets" / "lol-v1-train"
VAL_LIST = HERE / "val_split.txt"


def data_root():
    return Path(os.environ.get("SCKD_LOL_ROOT", DEFAULT_ROOT))


def load_rgb(path):
    """An image file -> uint8 tensor 3xHxW."""
    a = np.asarray(Image.open(path).convert("RGB"))
    return torch.from_numpy(a.copy()).permute(2, 0, 1).contiguous()


def split_names(root=None):
    root = Path(root or data_root())
    names = sorted((p.stem for p in (root / "low").iterdir() if not p.name.startswith(".")), key=lambda s: (len(s), s))
    val = set(VAL_LIST.read_text().split())
    return [n for n in names if n not in val], [n for n in names if n in val]


def load_pairs(names, root=None):
    root = Path(root or data_root())
    ext = {p.stem: p.name for p in (root / "low").iterdir()}
    return [(load_rgb(root / "low" / ext[n]), load_rgb(root / "high" / ext[n])) for n in names]


def scene_signature(img):
    """A picture's layout whatever its exposure: its grey image area-averaged to 40x60, standardised."""
    g = F.adaptive_avg_pool2d(img.float().mean(0)[None, None], (40, 60)).flatten()
    return (g - g.mean()) / g.std().clamp(min=1e-6)


def unseen_scenes(val_pairs, train_pairs, threshold=0.9):
    """Indices of the validation pairs whose scene no training pair shows: the correlation of their
    ground truths' scene signatures stays below `threshold` against every training ground truth.

    LOL-v1 photographs most scenes at several exposures under neighbouring numbers, so a split by
    name leaves 31 of our 40 validation scenes in training (correlation >= 0.98; the other nine
    <= 0.62). Figures on the full split reward recognising a scene; these nine do not."""
    train = torch.stack([scene_signature(h) for _, h in train_pairs])
    val = torch.stack([scene_signature(h) for _, h in val_pairs])
    closest = (val @ train.T).max(1).values / train.shape[1]  # correlation with the nearest training scene
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
