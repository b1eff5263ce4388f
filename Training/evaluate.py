"""PSNR / SSIM exactly as ../shared/tools/iqa.py, on a folder pair or on a model over the split.

    python evaluate.py --dirs OUT_DIR GT_DIR
    python evaluate.py --model ldfc-net --checkpoint checkpoints/distill-ldfc-net-g-oof.pt   [--split scenes]   (validation split)
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import data
import iqa
from train import build, split_of


def stems(d):
    return {os.path.splitext(f)[0]: os.path.join(d, f) for f in os.listdir(d) if not f.startswith(".")}


def score_dirs(out_dir, gt_dir):
    o, g = stems(out_dir), stems(gt_dir)
    common = sorted(set(o) & set(g), key=lambda s: (len(s), s))
    if not common:
        sys.exit("evaluate.py: no matching files")
    rows = []
    for s in common:
        a = np.asarray(Image.open(o[s]).convert("RGB")).astype(np.float64)
        b = np.asarray(Image.open(g[s]).convert("RGB")).astype(np.float64)
        rows.append((s, iqa.psnr(a, b), iqa.ssim(a, b), iqa.psnr_gt_mean(a, b)))
    return rows


def score_output(name, y, high):
    """One row (name, PSNR, SSIM, GT-mean PSNR) for an output y (3xHxW in [0, 1]) against its
    ground truth (uint8 3xHxW), quantised to 8 bits first as iqa.py reads a saved PNG."""
    a, b = iqa.to_uint8(y), high.permute(1, 2, 0).numpy().astype(np.float64)
    return (name, iqa.psnr(a, b), iqa.ssim(a, b), iqa.psnr_gt_mean(a, b))


def score_model(model, pairs):
    with torch.no_grad():
        return [score_output(name, model(low.float().div(255).unsqueeze(0))[0], high) for name, (low, high) in pairs]


def summary(rows):
    P, S, G = (float(np.mean([r[i] for r in rows])) for i in (1, 2, 3))
    return f"n={len(rows)} PSNR={P:.3f} SSIM={S:.4f} PSNR_GTmean={G:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dirs", nargs=2, metavar=("OUT_DIR", "GT_DIR"))
    ap.add_argument("--model")
    ap.add_argument("--checkpoint")
    ap.add_argument("--split", choices=sorted(data.SPLITS),
                    help="the validation split to score --checkpoint on (default: the one its run held out)")
    args = ap.parse_args()
    if args.dirs:
        print(summary(score_dirs(*args.dirs)))
        return
    model = build(args.model)
    c = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() for k, v in c["model"].items()})
    model.eval()
    _, val = data.split_names(split=args.split or split_of(Path(args.checkpoint).stem))
    print(summary(score_model(model, list(zip(val, data.load_pairs(val))))))


if __name__ == "__main__":
    main()
