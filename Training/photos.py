"""Photographs of scenes no LOL-v1 teacher has seen, from Debian's wallpaper packages: daylight
pictures that data.photo_night_inputs darkens into new night pictures for IAT to label.

IAT was trained on every LOL-v1 training scene, so on pictures made from those scenes it answers
with the brightness it memorised (MODEL_CARD.md); its exposure knowledge can only be handed on
through scenes it never saw. These are the photographs (not the illustrations) of four packages,
picked by eye (37, five of them indoors), downloaded with `apt-get download` (nothing is
installed), reduced to 960 pixels on the long side (about LOL-v1's scale of detail) and kept under
runs/photos/ (ignored by git: the packages' own licences apply).

    python3 photos.py            # fetch and write runs/photos/*.png (about 170 MB of packages)
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
PHOTOS = HERE / "runs" / "photos"
LONG_SIDE = 960

# package -> photographs in it (paths inside the package)
SOURCES = {
    "lomiri-wallpapers-16.04": [
        f"usr/share/backgrounds/{n}.jpg" for n in
        ["Bridge_by_Sander_Klootwijk", "Dragonfly_by_Bolly", "Picture_0B_by_freespace", "Picture_1A_by_freespace",
         "Wine_by_Jakkub_Mede", "aitzgorri_by_Aitzol_Berasategi", "analogpattern_by_Peter_Nerlich",
         "free_by_Peter_Nerlich", "friends_by_Aitzol_Berasategi", "life_by_Aitzol_Berasategi",
         "picosdeeuropa_by_Aitzol_Berasategi", "seeding_by_Clements_Engelhardt", "sunset_by_Aitzol_Berasategi"]
    ],
    "lomiri-wallpapers-20.04": ["usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg"],
    "mate-backgrounds": [
        f"usr/share/backgrounds/mate/nature/{n}.jpg" for n in
        ["Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird", "RainDrops", "Storm",
         "TwoWings", "Wood", "YellowFlower"]
    ],
    "plasma-workspace-wallpapers": [
        f"usr/share/wallpapers/{n}/contents/images/{size}" for n, size in
        [("BytheWater", "1280x1024.jpg"), ("ColdRipple", "1280x1024.jpg"), ("DarkestHour", "1280x1024.jpg"),
         ("EveningGlow", "1280x1024.jpg"), ("FallenLeaf", "1280x1024.jpg"), ("Grey", "1280x1024.jpg"),
         ("Kite", "1280x1024.jpg"), ("OneStandsOut", "1280x1024.jpg"),
         ("Path", "1280x1024.jpg"), ("Volna", "5120x2880.jpg"), ("summer_1am", "1280x1024.jpg")]
    ],
}


def fetch(out=PHOTOS):
    """Downloads the packages, extracts the photographs, writes them reduced as PNGs; returns their
    paths. Files already written are kept."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        todo = {p: files for p, files in SOURCES.items() if not all((out / _name(f)).exists() for f in files)}
        if todo:
            r = subprocess.run(["apt-get", "download", *todo], cwd=tmp, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"photos.py: apt-get download failed: {r.stderr.strip().splitlines()[-1:]}")
            for deb in tmp.glob("*.deb"):
                subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp / "x")], check=True)
        for files in SOURCES.values():
            for f in files:
                dst = out / _name(f)
                if not dst.exists():
                    im = Image.open(tmp / "x" / f).convert("RGB")
                    im.thumbnail((LONG_SIDE, LONG_SIDE), Image.LANCZOS)
                    im.save(str(dst) + ".tmp.png")
                    shutil.move(str(dst) + ".tmp.png", dst)
                written.append(dst)
    return written


def _name(path):
    """runs/photos/ name of a photograph: its wallpaper folder's name or its file's stem."""
    parts = Path(path).parts
    stem = parts[parts.index("contents") - 1] if "contents" in parts else Path(path).stem
    return f"{stem}.png"


def load_photos(folder=PHOTOS):
    """The photographs as uint8 3xHxW tensors, in name order; exits with the fetch command if
    there are none."""
    import torch
    paths = sorted(folder.glob("*.png"))
    if not paths:
        sys.exit(f"no photographs in {folder}: run `python3 photos.py` first")
    return [torch.from_numpy(np.asarray(Image.open(p).convert("RGB")).copy()).permute(2, 0, 1)
            for p in paths]


if __name__ == "__main__":
    paths = fetch()
    print(f"{len(paths)} photographs in {PHOTOS}", file=sys.stderr)
