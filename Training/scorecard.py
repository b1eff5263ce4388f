"""The model card's results table: every network on the validation split, scored as
../shared/tools/iqa.py scores (PSNR, SSIM, GT-mean PSNR), with parameters, MACs and training steps.

    python scorecard.py [--split names|scenes] [--only CHECKPOINT ...] [--threads N]   (prints a Markdown table)

A row whose run held out another split trained on some of the pictures it is scored on here: the
table says on how many.
"""
import argparse
import sys

import numpy as np
import torch

import data
import iqa
from evaluate import score_model
from model import count_macs, count_params
from export import WEIGHTS
from train import build, load_compact, network_of, split_of

ROWS = [  # (label, checkpoint): the model card's rows; the network is the one its config names
    ("teacher-g, all training scenes", "teacher-g-s"),
    ("teacher-g holding out training fold 0 of 2", "teacher-g-s-f0"),
    ("teacher-g holding out training fold 1 of 2", "teacher-g-s-f1"),
    ("ldfc-net-g, distilled from the fold teachers out of fold", "distill-ldfc-net-g-oof"),
    ("ldfc-net-g, no teacher (twin)", "student-ldfc-net-g-s"),
    ("ldfc-net-rt-g, distilled from the fold teachers out of fold", "distill-ldfc-net-rt-g-oof"),
    ("ldfc-net-rt-g, no teacher (twin)", "student-ldfc-net-rt-g-s"),
    ("ldfc-net-g, distilled, seed 2", "distill-ldfc-net-g-oof-seed2"),
    ("ldfc-net-g, no teacher, seed 2", "student-ldfc-net-g-s-seed2"),
    ("ldfc-net-rt-g, distilled, seed 2", "distill-ldfc-net-rt-g-oof-seed2"),
    ("ldfc-net-rt-g, no teacher, seed 2", "student-ldfc-net-rt-g-s-seed2"),
    ("ldfc-net-rt-g, distilled from IAT on the pairs", "iat-gt-ldfc-net-rt-g"),
    ("ldfc-net-rt-g, distilled from IAT on the pairs, seed 2", "iat-gt-ldfc-net-rt-g-seed2"),
    ("ldfc-net-rt-g, distilled from IAT with 800 IAT-labelled pictures", "iat-ldfc-net-rt-g"),
    ("ldfc-net-rt-g, distilled from IAT with 800 IAT-labelled pictures, seed 2", "iat-ldfc-net-rt-g-seed2"),
    ("ldfc-net-g, distilled from IAT with 800 IAT-labelled pictures", "iat-ldfc-net-g"),
    ("ldfc-net-g, distilled from IAT with 800 IAT-labelled pictures, seed 2", "iat-ldfc-net-g-seed2"),
    ("ldfc-net-rt-g, distilled from IAT with 800 dark renditions of photographs", "iat-photos-ldfc-net-rt-g"),
    ("ldfc-net-rt-g, distilled from IAT with 800 dark renditions of photographs, seed 2", "iat-photos-ldfc-net-rt-g-seed2"),
    ("ldfc-net-g, distilled from IAT with 800 dark renditions of photographs", "iat-photos-ldfc-net-g"),
    ("ldfc-net-g, distilled from IAT with 800 dark renditions of photographs, seed 2", "iat-photos-ldfc-net-g-seed2"),
    ("ldfc-net-g, distilled from IAT on the pairs", "iat-gt-ldfc-net-g"),
    ("ldfc-net-g, distilled from IAT on the pairs, seed 2", "iat-gt-ldfc-net-g-seed2"),
    ("ldfc-net-rt-g twin, 1500 steps more on crops", "context-crop-ldfc-net-rt-g"),
    ("ldfc-net-rt-g twin, 1500 steps more with the whole picture's context", "context-frame-ldfc-net-rt-g"),
]


def shipped():
    """checkpoint name -> weights file, from the `checkpoint` entry export.py writes into each file."""
    from safetensors import safe_open
    out = {}
    for f in sorted(WEIGHTS.glob("*.safetensors")):
        with safe_open(str(f), "pt") as h:
            c = (h.metadata() or {}).get("checkpoint")
        if c:
            out[c] = f.name
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int)
    ap.add_argument("--split", default="scenes", choices=sorted(data.SPLITS),
                    help="the validation pictures: whole scenes (val_scenes.txt, what the shipped runs held out; "
                         "the default) or picked by name (val_split.txt, the earlier runs')")
    ap.add_argument("--only", action="append", metavar="CHECKPOINT", help="score only these rows (repeatable)")
    ap.add_argument("--unseen-scenes", action="store_true",
                    help="score only the validation pictures whose scene is not in the training set (data.unseen_scenes)")
    args = ap.parse_args()
    unknown = sorted(set(args.only or []) - {ckpt for _, ckpt in ROWS})
    if unknown:
        sys.exit(f"scorecard.py: --only {', '.join(unknown)}: not a row of the table (add it to ROWS)")
    if args.threads:
        torch.set_num_threads(args.threads)
    train_names, val_names = data.split_names(split=args.split)
    pairs = list(zip(val_names, data.load_pairs(val_names)))
    if args.unseen_scenes:
        keep = data.unseen_scenes([p for _, p in pairs], data.load_pairs(train_names))
        pairs = [pairs[i] for i in keep]
    def array(t):
        return t.permute(1, 2, 0).numpy().astype(np.float64)
    inputs = [(iqa.psnr(array(low), array(high)), iqa.ssim(array(low), array(high))) for _, (low, high) in pairs]
    if args.unseen_scenes:
        print(f"Validation pictures whose scene is not in the training set: {len(pairs)} ({', '.join(n for n, _ in pairs)}).\n")
    else:
        print(f"Validation split {args.split!r}: {len(pairs)} pairs (Training/{data.SPLITS[args.split].name}).\n")
    scored = {n for n, _ in pairs}
    trained_on = {sp: len(scored & set(data.split_names(split=sp)[0])) for sp in data.SPLITS}
    ships = shipped()
    print("| network | checkpoint | shipped as | steps | params | GMACs at 256x256 | PSNR | SSIM | GT-mean PSNR |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| input (no enhancement) | | | | | | {np.mean([r[0] for r in inputs]):.2f} | {np.mean([r[1] for r in inputs]):.3f} | |")
    for label, ckpt in ROWS:
        if args.only and ckpt not in args.only:
            continue
        m = build(network_of(ckpt))
        c = load_compact(m, ckpt)
        if not c:
            print(f"| {label} | (no {ckpt}.pt) | | | | | | | |")
            continue
        m.eval()
        rows = score_model(m, pairs)
        P, S, G = (float(np.mean([r[i] for r in rows])) for i in (1, 2, 3))
        seen = trained_on[split_of(ckpt)]
        if seen:
            label += f" (trained on {seen} of these pictures)"
        print(f"| {label} | {ckpt} | {ships.get(ckpt, '')} | {c['step']} | {count_params(m):,} | {count_macs(m) / 1e9:.3f} | {P:.2f} | {S:.3f} | {G:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
