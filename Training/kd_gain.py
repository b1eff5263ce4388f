"""The distillation gain, picture by picture: a distilled student against its no-teacher twin on a
validation split, with the spread that says whether the difference is more than the pictures drawn.

    python kd_gain.py DISTILLED TWIN [--split scenes] [--threads N]

Prints the mean PSNR / SSIM / GT-mean differences, and for PSNR the standard error over scenes
(a scene's exposures are averaged first: pictures of one scene are not independent draws) and on
how many scenes the distilled student is ahead.
"""
import argparse

import numpy as np
import torch

import data
from evaluate import score_model
from train import load_trained


def per_picture(net, pairs):
    """(PSNR, SSIM, GT-mean PSNR) per picture, as an array."""
    return np.array([row[1:] for row in score_model(net, pairs)])


def gain_by_scene(differences, groups):
    """Per-scene mean differences, then their mean, standard error and the count above zero."""
    per_scene = np.array([differences[g].mean() for g in groups])
    se = per_scene.std(ddof=1) / np.sqrt(len(per_scene)) if len(per_scene) > 1 else float("nan")
    return float(per_scene.mean()), float(se), int((per_scene > 0).sum()), len(per_scene)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("distilled")
    ap.add_argument("twin")
    ap.add_argument("--split", default="scenes", choices=sorted(data.SPLITS), help="validation pictures (default: %(default)s)")
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    _, names = data.split_names(split=args.split)
    pairs = list(zip(names, data.load_pairs(names)))
    d = per_picture(load_trained(args.distilled), pairs) - per_picture(load_trained(args.twin), pairs)
    mean, se, ahead, scenes = gain_by_scene(d[:, 0], data.scene_groups([p for _, p in pairs]))
    print(f"{args.distilled} - {args.twin} on split {args.split!r} ({len(pairs)} pictures, {scenes} scenes): "
          f"PSNR {d[:, 0].mean():+.2f} dB (by scene {mean:+.2f}, s.e. {se:.2f}, ahead on {ahead} of {scenes} scenes), "
          f"SSIM {d[:, 1].mean():+.4f}, GT-mean PSNR {d[:, 2].mean():+.2f} dB")


if __name__ == "__main__":
    main()
