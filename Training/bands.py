"""Where a network's error lies, by spatial frequency: PSNR on the validation split after one global
gain (as GT-mean PSNR), split into a low band (Gaussian blur, sigma 4 and 16) and what is above it,
for the output y and for the coarse enhancement E = x / L the restorer starts from.

    python bands.py CHECKPOINT [CHECKPOINT ...] [--split scenes|names] [--threads N]     (e.g. teacher-s student-ldfc-net-s)

A teacher is only worth distilling from in a band where it beats the student; this is the measurement
behind teacher-v4 and the regional teacher calibration (MODEL_CARD.md).
"""
import argparse

import numpy as np
import torch

import data
from losses import blur
from train import load_trained


def band_errors(y, gt):
    """Mean squared errors of y (after one gain to gt's mean) in each band."""
    y = (y * (gt.mean() / y.mean().clamp(min=1e-6))).clamp(0, 1)
    mse = lambda a, b: float(((a - b) ** 2).mean())
    lo4, lo16 = blur(y, 4.0), blur(y, 16.0)
    glo4, glo16 = blur(gt, 4.0), blur(gt, 16.0)
    return {"all": mse(y, gt), "low16": mse(lo16, glo16), "low4": mse(lo4, glo4), "above4": mse(y - lo4, gt - glo4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--split", default="scenes", choices=sorted(data.SPLITS), help="validation pictures (default: %(default)s)")
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    _, val_names = data.split_names(split=args.split)
    pairs = data.load_pairs(val_names)
    db = lambda v: 10 * np.log10(1 / np.mean(v))
    print(f"PSNR (dB) on the validation split {args.split!r} after one global gain, by band (sigma of the Gaussian split)\n")
    print("| checkpoint | of | all | low, sigma 16 | low, sigma 4 | above sigma 4 |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in args.checkpoints:
        m = load_trained(name)
        acc = {}
        with torch.no_grad():
            for low, high in pairs:
                x, gt = low.float().div(255)[None], high.float().div(255)[None]
                p = m(x, return_parts=True)
                for part in ("y", "E"):
                    for band, v in band_errors(p[part], gt).items():
                        acc.setdefault((part, band), []).append(v)
        for part in ("y", "E"):
            print(f"| {name} | {part} | " + " | ".join(f"{db(acc[(part, b)]):.2f}" for b in ("all", "low16", "low4", "above4")) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
